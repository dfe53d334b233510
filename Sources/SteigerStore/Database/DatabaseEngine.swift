import Logging

/// A connection lent for the length of one read or one transaction.
public protocol DatabaseSession: Sendable {
    /// The dialect the session speaks.
    var dialect: SQLDialect { get }
    /// Runs one statement and returns its rows (none for statements without a result).
    func query(_ statement: SQLStatement) async throws(StoreError) -> [SQLRow]
}

extension DatabaseSession {
    /// Runs `body` between `begin` and COMMIT, rolling back when it throws: the transaction
    /// both engines' `write` use.
    func transaction<T>(begin: SQLStatement, _ body: (any DatabaseSession) async throws -> T) async throws -> T {
        _ = try await query(begin)
        do {
            let result = try await body(self)
            _ = try await query("COMMIT")
            return result
        } catch {
            _ = try? await query("ROLLBACK")
            throw error
        }
    }
}

/// One database engine behind the store: SQLite (embedded) or PostgreSQL.
///
/// Reads may run side by side; each `write` is one transaction, committed when the closure
/// returns and rolled back when it throws.
public protocol DatabaseEngine: Sendable {
    /// The dialect the engine speaks.
    var dialect: SQLDialect { get }
    /// Runs `body` with a session for reading.
    func read<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T
    /// Runs `body` in one transaction.
    func write<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T
    /// Closes every connection. The engine cannot be used afterwards.
    func close() async
    /// Runs the engine's own long-lived work (PostgreSQL's connection pool) until the calling
    /// task is cancelled, for engines opened to be run by their owner; returns at once otherwise.
    func run() async
}

extension DatabaseEngine {
    public func run() async {}
}

/// Where the data lives.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// An SQLite file (created if missing).
    case sqlite(path: String)
    /// A PostgreSQL server, by URL: `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
    case postgres(url: String)

    /// The location chosen by the environment: `STEIGER_DATABASE_URL` when it is set
    /// (`postgres://…`, or `sqlite:PATH`), otherwise `steiger.sqlite` in `dataDirectory`.
    public static func from(environment: [String: String], dataDirectory: String) throws(StoreError) -> DatabaseLocation {
        guard let url = environment["STEIGER_DATABASE_URL"], !url.isEmpty else {
            return .sqlite(path: dataDirectory + "/steiger.sqlite")
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") { return .postgres(url: url) }
        if url.hasPrefix("sqlite:") { return .sqlite(path: String(url.dropFirst("sqlite:".count))) }
        let scheme = url.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        throw .configuration("STEIGER_DATABASE_URL must start with postgres:// or sqlite: (it starts with \(scheme.prefix(12)):)")
    }

    /// The location without any password, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url):
            (try? PostgresURL(url)).map { "postgres://\($0.username)@\($0.host):\($0.port)/\($0.database ?? $0.username)" } ?? "postgres://…"
        }
    }

    /// Opens an engine for this location.
    /// Opens the engine. With `runByOwner`, a PostgreSQL pool serves only while its owner runs
    /// ``DatabaseEngine/run()`` in a task of its own (structured, e.g. beside a service group);
    /// otherwise it runs itself until ``DatabaseEngine/close()`` (for short commands and tests).
    public func open(logger: Logger, runByOwner: Bool = false) async throws -> any DatabaseEngine {
        switch self {
        case .sqlite(let path): try await SQLiteEngine(path: path, logger: logger)
        case .postgres(let url): try PostgresEngine(url: PostgresURL(url), logger: logger, runsItself: !runByOwner)
        }
    }
}
