import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization

/// SQLite in WAL mode: one writer connection for transactions, several read-only connections
/// that read side by side while a write is in progress. The write-ahead log is copied back into
/// the database by a connection of its own (a passive checkpoint every ``checkpointEvery``
/// commits, which never blocks the writer), not by whichever commit happens to fill it, so no
/// write waits for the checkpoint's flush to disk. Only a transaction that leaves the log larger
/// than ``checkpointLogBytes`` (a bulk load: a few huge transactions, too few to reach a passive
/// checkpoint) copies it back itself before the next write, so the log stays near one such
/// transaction's size instead of growing to many times the database.
final class SQLiteEngine: DatabaseEngine {
    let dialect = SQLDialect.sqlite
    private let threadPool: NIOThreadPool
    private let writer: LeasePool<SQLiteConnection>
    private let readers: LeasePool<SQLiteConnection>
    private let checkpointer: SQLiteConnection
    private let connections: [SQLiteConnection]
    private let commits = Atomic<Int>(0)
    private let checkpointing = Atomic<Bool>(false)
    private let logPath: String
    /// Commits between checkpoints (SQLite's own default is about every 1,000 pages).
    static let checkpointEvery = 200
    /// The size of the write-ahead log past which the transaction that grew it copies it back
    /// before the next write, and to which the log's file is cut back once it starts again.
    static let checkpointLogBytes = 64 << 20

    /// Opens (creating if needed) the database at `path`.
    init(path: String, readers readerCount: Int = 4, logger: Logger) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // Blocking SQLite calls run here, not on the event loops.
        let pool = NIOThreadPool(numberOfThreads: readerCount + 2)
        pool.start()
        threadPool = pool
        logPath = path + "-wal"
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        func open(readOnly: Bool) async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger, on: eventLoop)
            _ = try await connection.query("PRAGMA foreign_keys = ON")
            _ = try await connection.query(readOnly ? "PRAGMA query_only = 1" : "PRAGMA synchronous = NORMAL")
            // Checkpoints are this engine's to run (see `checkpoint()`), never a commit's.
            if !readOnly {
                _ = try await connection.query("PRAGMA wal_autocheckpoint = 0")
                _ = try await connection.query("PRAGMA journal_size_limit = \(Self.checkpointLogBytes)")
            }
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
            let checkpointConnection = try await open(readOnly: false)
            writer = LeasePool([writeConnection])
            readers = LeasePool(readConnections)
            checkpointer = checkpointConnection
            connections = [writeConnection] + readConnections + [checkpointConnection]
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
        let result = try await writer.withLease { connection in
            let result = try await SQLiteSession(connection: connection).transaction(begin: "BEGIN IMMEDIATE", body)
            // Passive: never waits for a reader; holding the write lease, nothing is added meanwhile.
            if logSize() > Self.checkpointLogBytes { _ = try? await connection.query("PRAGMA wal_checkpoint(PASSIVE)") }
            return result
        }
        if commits.add(1, ordering: .relaxed).newValue % Self.checkpointEvery == 0 { checkpoint() }
        return result
    }

    /// The write-ahead log's size in bytes (0 when there is none).
    private func logSize() -> Int {
        var info = stat()
        return stat(logPath, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Starts a passive checkpoint on the checkpointing connection unless one is running; the
    /// commit that asked does not wait for it.
    private func checkpoint() {
        guard checkpointing.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)").whenComplete { _ in
            self.checkpointing.store(false, ordering: .releasing)
        }
    }

    func close() async {
        // The log goes back into the database before the connections close.
        _ = try? await checkpointer.query("PRAGMA wal_checkpoint(TRUNCATE)")
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
