import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// SQLite in WAL mode: one writer connection for transactions, several read-only connections
/// that read side by side while a write is in progress.
final class SQLiteEngine: DatabaseEngine {
    let dialect = SQLDialect.sqlite
    private let threadPool: NIOThreadPool
    private let writer: LeasePool<SQLiteConnection>
    private let readers: LeasePool<SQLiteConnection>
    private let connections: [SQLiteConnection]

    /// Opens (creating if needed) the database at `path`.
    init(path: String, readers readerCount: Int = 4, logger: Logger) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // Blocking SQLite calls run here, not on the event loops.
        let pool = NIOThreadPool(numberOfThreads: readerCount + 1)
        pool.start()
        threadPool = pool
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        func open(readOnly: Bool) async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger, on: eventLoop)
            _ = try await connection.query("PRAGMA foreign_keys = ON")
            _ = try await connection.query(readOnly ? "PRAGMA query_only = 1" : "PRAGMA synchronous = NORMAL")
            return connection
        }
        do {
            let writeConnection = try await open(readOnly: false)
            let mode = try await writeConnection.query("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
            guard mode == "wal" else {
                throw StoreError.unavailable("could not switch \(path) to WAL mode (it stays in \(mode ?? "an unknown") mode)")
            }
            var readConnections: [SQLiteConnection] = []
            for _ in 0..<readerCount { readConnections.append(try await open(readOnly: true)) }
            writer = LeasePool([writeConnection])
            readers = LeasePool(readConnections)
            connections = [writeConnection] + readConnections
        } catch let error as SQLiteError {
            try? await pool.shutdownGracefully()
            throw StoreError.unavailable("cannot open the SQLite database at \(path): \(error.message)")
        }
    }

    func read<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        try await readers.withLease { connection in try await body(SQLiteSession(connection: connection)) }
    }

    func write<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        // IMMEDIATE takes the write lock at once, so a transaction never fails half-way on a busy database.
        try await writer.withLease { connection in
            try await SQLiteSession(connection: connection).transaction(begin: "BEGIN IMMEDIATE", body)
        }
    }

    func close() async {
        for connection in connections { try? await connection.close() }
        try? await threadPool.shutdownGracefully()
    }
}

/// A leased SQLite connection.
struct SQLiteSession: DatabaseSession {
    let connection: SQLiteConnection
    var dialect: SQLDialect { .sqlite }

    func query(_ statement: SQLStatement) async throws(StoreError) -> [SQLRow] {
        let (sql, binds) = statement.render(for: .sqlite)
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query(sql, binds.map(\.sqliteData))
        } catch let error as SQLiteError {
            throw StoreError(error)
        } catch {
            throw .unavailable(String(describing: error))
        }
        guard let first = rows.first else { return [] }
        let names = first.columns.map(\.name)
        return rows.map { row in SQLRow(names: names, values: row.columns.map { SQLValue($0.data) }) }
    }
}

extension SQLValue {
    var sqliteData: SQLiteData {
        switch self {
        case .null: .null
        case .integer(let value): .integer(Int(value))
        case .double(let value): .float(value)
        case .text(let value): .text(value)
        }
    }

    init(_ data: SQLiteData) {
        switch data {
        case .null: self = .null
        case .integer(let value): self = .integer(Int64(value))
        case .float(let value): self = .double(value)
        case .text(let value): self = .text(value)
        case .blob(let buffer): self = .text(String(buffer: buffer))
        }
    }
}

extension StoreError {
    init(_ error: SQLiteError) {
        switch error.reason {
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed: self = .conflict(error.message)
        case .constraintForeignKeyFailed: self = .reference(error.message)
        default: self = .unavailable(error.message)
        }
    }
}
