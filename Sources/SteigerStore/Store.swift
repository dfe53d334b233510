import Foundation
import Logging
import SteigerCore

/// Steiger's persistence: one interface over SQLite or PostgreSQL.
///
/// Every query is written once (see ``SQLStatement``) and runs on both engines; the same test
/// suite checks both. Lists take a ``ListScope`` from ``AccessPolicy`` so that what a person can
/// list is what the policy lets them view.
public final class Store: Sendable {
    /// The engine underneath.
    public let engine: any DatabaseEngine
    let logger: Logger

    /// Wraps an open engine.
    public init(engine: any DatabaseEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// Opens the database at `location` (not migrating it: call ``migrate()``); see
    /// ``DatabaseLocation/open(logger:runByOwner:)`` for `runByOwner`.
    public static func open(_ location: DatabaseLocation, logger: Logger, runByOwner: Bool = false) async throws -> Store {
        Store(engine: try await location.open(logger: logger, runByOwner: runByOwner), logger: logger)
    }

    /// Runs the engine's long-lived work until the calling task is cancelled (see ``DatabaseEngine/run()``).
    public func run() async { await engine.run() }

    /// Checks that the database answers (for readiness probes).
    public func ping() async throws {
        _ = try await engine.read { session in try await session.query("SELECT 1 AS one") }
    }

    /// Closes the engine.
    public func close() async { await engine.close() }

    func read<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        try await engine.read(body)
    }

    func write<T: Sendable>(_ body: @Sendable (any DatabaseSession) async throws -> T) async throws -> T {
        try await engine.write(body)
    }
}

// MARK: - Pages

extension Store {
    /// Runs a list query ordered newest first with keyset pagination on (`created_at`, `id`) of `table`.
    /// `filters` are ANDed; `decode` turns a row into an item.
    func page<Item: Sendable>(
        _ select: SQLStatement, table: String, filters: [SQLStatement], request: PageRequest,
        decode: @Sendable @escaping (SQLRow) throws -> Item
    ) async throws -> Page<Item> {
        var conditions = filters
        if let after = request.after {
            conditions.append(
                "(\(raw: table).created_at < \(bind: after.createdAt) OR (\(raw: table).created_at = \(bind: after.createdAt) AND \(raw: table).id < \(bind: after.id)))"
            )
        }
        let whereClause: SQLStatement = conditions.isEmpty ? "" : " WHERE \(SQLStatement.joined(conditions, separator: " AND "))"
        let statement: SQLStatement = """
            \(select)\(whereClause) ORDER BY \(raw: table).created_at DESC, \(raw: table).id DESC LIMIT \(bind: request.limit + 1)
            """
        let rows = try await read { session in try await session.query(statement) }
        let items = try rows.prefix(request.limit).map(decode)
        var next: PageCursor?
        if rows.count > request.limit, let last = rows.prefix(request.limit).last {
            next = PageCursor(createdAt: try last.int("created_at"), id: try last.string("id"))
        }
        return Page(items: items, next: next)
    }
}

extension SQLStatement {
    /// `column IN (values)`, or a condition that is never true for an empty set.
    static func isIn(_ column: String, _ values: some Collection<some CustomStringConvertible>) -> SQLStatement {
        values.isEmpty ? "1 = 0" : "\(raw: column) IN (\(binds: values.map(\.description).sorted()))"
    }
}

extension Store {
    /// Runs one statement outside a transaction (e.g. `CREATE DATABASE`), for administration and tests.
    public func execute(unsafeSQL sql: String) async throws {
        _ = try await engine.read { session in try await session.query(SQLStatement(stringLiteral: sql)) }
    }

    /// Runs statements that change data in one transaction (bulk loading, for tools and benchmarks).
    public func execute(unsafeStatements statements: [String]) async throws {
        try await engine.write { session in
            for sql in statements { _ = try await session.query(SQLStatement(stringLiteral: sql)) }
        }
    }
}
