import Foundation
import Logging
import SteigerStore

/// The engines the shared store and HTTP suites run on: SQLite always, PostgreSQL when
/// `STEIGER_TEST_POSTGRES_URL` names a server (scripts/test starts a throwaway one).
public enum TestEngine: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgresql

    public var description: String { rawValue }

    /// The engines to test: PostgreSQL only when a server was given. With
    /// `STEIGER_REQUIRE_POSTGRES=1` a missing server is an error, not a skip.
    public static var available: [TestEngine] {
        let environment = ProcessInfo.processInfo.environment
        if environment["STEIGER_TEST_POSTGRES_URL"]?.isEmpty == false { return [.sqlite, .postgresql] }
        if environment["STEIGER_REQUIRE_POSTGRES"] == "1" {
            fatalError("STEIGER_REQUIRE_POSTGRES=1 but STEIGER_TEST_POSTGRES_URL is not set")
        }
        return [.sqlite]
    }
}

/// A fresh, empty database for one test: a new SQLite file, or a new PostgreSQL database.
public final class TestDatabase: Sendable {
    public let engine: TestEngine
    public let location: DatabaseLocation
    private let cleanup: @Sendable () async -> Void

    public static let logger: Logger = {
        var logger = Logger(label: "steiger.test")
        logger.logLevel = .warning
        return logger
    }()

    private init(engine: TestEngine, location: DatabaseLocation, cleanup: @escaping @Sendable () async -> Void) {
        self.engine = engine
        self.location = location
        self.cleanup = cleanup
    }

    /// Creates an empty database on `engine`.
    public static func make(_ engine: TestEngine) async throws -> TestDatabase {
        let name = "steiger_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        switch engine {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return TestDatabase(engine: engine, location: .sqlite(path: directory + "/steiger.sqlite")) {
                try? FileManager.default.removeItem(atPath: directory)
            }
        case .postgresql:
            let serverURL = ProcessInfo.processInfo.environment["STEIGER_TEST_POSTGRES_URL"]!
            let admin = try await Store.open(.postgres(url: serverURL), logger: logger)
            try await admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
            await admin.close()
            var components = URLComponents(string: serverURL)!
            components.path = "/" + name
            return TestDatabase(engine: engine, location: .postgres(url: components.string!)) {
                guard let admin = try? await Store.open(.postgres(url: serverURL), logger: logger) else { return }
                try? await admin.execute(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                await admin.close()
            }
        }
    }

    /// Opens a store on this database, migrated unless told otherwise.
    public func openStore(migrate: Bool = true) async throws -> Store {
        let store = try await Store.open(location, logger: Self.logger)
        if migrate { try await store.migrate() }
        return store
    }

    /// Removes the database.
    public func remove() async { await cleanup() }

    /// Runs `body` with a migrated store on a fresh database, then removes it.
    public static func withStore<T>(_ engine: TestEngine, _ body: (Store) async throws -> T) async throws -> T {
        let database = try await make(engine)
        let store = try await database.openStore()
        do {
            let result = try await body(store)
            await store.close()
            await database.remove()
            return result
        } catch {
            await store.close()
            await database.remove()
            throw error
        }
    }
}
