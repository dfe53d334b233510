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

    /// Opens the database at `location` (not migrating it: call ``migrate()``).
    public static func open(_ location: DatabaseLocation, logger: Logger) async throws -> Store {
        Store(engine: try await location.open(logger: logger), logger: logger)
    }

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

/// Where a page of a list starts and how long it is.
public struct PageRequest: Sendable, Equatable {
    /// Largest page a caller may ask for.
    public static let maximumLimit = 200
    /// Items per page (1…200).
    public var limit: Int
    /// Continue after this cursor (from the previous page's ``Page/next``).
    public var after: PageCursor?

    /// Creates a page request; the limit is clamped to 1…200.
    public init(limit: Int = 50, after: PageCursor? = nil) {
        self.limit = min(max(limit, 1), Self.maximumLimit)
        self.after = after
    }
}

/// An opaque position in a list (newest first): the creation time and id of the last item seen.
public struct PageCursor: Sendable, Equatable {
    var createdAt: Int64
    var id: String

    /// Parses the text form given out with a page; nil if it is not one.
    public init?(_ text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard text.count <= 200, let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8) else { return nil }
        let parts = decoded.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let time = Int64(parts[0]), UUIDText.parse(String(parts[1])) != nil else { return nil }
        createdAt = time
        id = String(parts[1])
    }

    init(createdAt: Int64, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    /// The text form (URL-safe base64).
    public var text: String {
        Data("\(createdAt)|\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// One page of a list.
public struct Page<Item: Sendable>: Sendable {
    /// The items, newest first.
    public var items: [Item]
    /// Where the next page starts; nil on the last page.
    public var next: PageCursor?
}

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
}
