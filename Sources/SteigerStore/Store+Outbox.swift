import Foundation
import SteigerCore

/// A consumer's hold on its part of the outbox: the events after its cursor, for as long as
/// the lease lasts.
public struct OutboxLease: Sendable, Equatable {
    /// The consumer.
    public var consumer: String
    /// Who holds the lease (one process or task of the consumer).
    public var owner: String
    /// The cursor when the lease was taken: every event up to it is done.
    public var cursor: Int64
    /// The next events, oldest first.
    public var entries: [OutboxEntry]
    /// When the lease runs out unless renewed by an acknowledgement.
    public var expires: Date
}

extension Store {
    // MARK: - Outbox

    /// The events after `position`, oldest first (for administrators and tests; consumers lease).
    public func outboxEvents(after position: Int64 = 0, limit: Int = 100) async throws -> [OutboxEntry] {
        try await read { session in try await Self.entries(after: position, limit: limit, in: session) }
    }

    /// Leases the next `limit` events after `consumer`'s cursor to `owner` until `now + lease`.
    /// A new consumer starts at the beginning of the outbox. Nil while another owner holds a
    /// lease that has not run out (the consumer's events are theirs to handle).
    public func leaseOutbox(consumer: String, owner: String, lease: TimeInterval, limit: Int = 100, now: Date = Date()) async throws -> OutboxLease? {
        try await write { session in
            let expires = now.addingTimeInterval(lease)
            _ = try await session.query(
                """
                INSERT INTO outbox_consumers (name, position, lease_owner, lease_expires, updated_at)
                VALUES (\(bind: consumer), 0, NULL, NULL, \(bind: now)) ON CONFLICT (name) DO NOTHING
                """)
            guard
                let row = try await session.query(
                    """
                    UPDATE outbox_consumers SET lease_owner = \(bind: owner), lease_expires = \(bind: expires), updated_at = \(bind: now)
                    WHERE name = \(bind: consumer)
                      AND (lease_owner IS NULL OR lease_owner = \(bind: owner) OR lease_expires <= \(bind: now))
                    RETURNING position
                    """
                ).first
            else { return nil }
            let cursor = try row.int("position")
            return OutboxLease(
                consumer: consumer, owner: owner, cursor: cursor,
                entries: try await Self.entries(after: cursor, limit: limit, in: session), expires: expires)
        }
    }

    /// Marks every event up to `position` done for `consumer` and renews the lease; refused (false)
    /// when `owner` no longer holds it, so a consumer that was presumed dead cannot move a
    /// cursor another owner has taken over. The cursor never moves back.
    @discardableResult
    public func acknowledgeOutbox(
        consumer: String, owner: String, through position: Int64, lease: TimeInterval, now: Date = Date()
    ) async throws -> Bool {
        try await write { session in
            try await Self.acknowledge(consumer: consumer, owner: owner, through: position, lease: lease, now: now, in: session)
        }
    }

    /// Where `consumer`'s cursor stands (0: nothing done yet, or an unknown consumer).
    public func outboxCursor(consumer: String) async throws -> Int64 {
        try await read { session in
            try await session.query("SELECT position FROM outbox_consumers WHERE name = \(bind: consumer)").first?.int("position") ?? 0
        }
    }

    /// How many events `consumer` has not yet acknowledged.
    public func outboxBacklog(consumer: String) async throws -> Int64 {
        try await read { session in
            let last = try await session.query("SELECT COALESCE(MAX(position), 0) AS n FROM outbox_events").first?.int("n") ?? 0
            let cursor = try await session.query("SELECT position FROM outbox_consumers WHERE name = \(bind: consumer)").first?.int("position") ?? 0
            return last - cursor
        }
    }

    /// Whether changes record their events (always, in service). `steiger bench events` turns it
    /// off for the calls it times without them, to show what the outbox adds to a change.
    @TaskLocal public static var recordsEvents = true

    // MARK: - Inside transactions

    /// Records `event` in the outbox as part of the caller's transaction: it commits or rolls back
    /// with the change it tells of. On PostgreSQL an advisory lock held to the commit gives out
    /// positions in commit order (SQLite has one writer).
    static func record(_ event: DomainEvent, in session: any DatabaseSession) async throws {
        guard recordsEvents else { return }
        if session.dialect == .postgresql {
            _ = try await session.query("SELECT pg_advisory_xact_lock(74658)")
        }
        _ = try await session.query(
            """
            INSERT INTO outbox_events (position, id, type, version, occurred_at, actor_id, subjects, data)
            SELECT COALESCE(MAX(position), 0) + 1, \(bind: UUIDText.lowercase(event.id)), \(bind: event.kind.rawValue),
                   \(bind: event.version), \(bind: event.occurredAt), \(bind: event.actorID?.description),
                   \(bind: try jsonText(event.subjects)), \(bind: try jsonText(event.data))
            FROM outbox_events
            """)
    }

    /// Moves `consumer`'s cursor inside the caller's transaction (a consumer that writes its own
    /// results to the database acknowledges in the same transaction, so a crash never splits them).
    static func acknowledge(
        consumer: String, owner: String, through position: Int64, lease: TimeInterval, now: Date,
        in session: any DatabaseSession
    ) async throws -> Bool {
        !(try await session.query(
            """
            UPDATE outbox_consumers
            SET position = CASE WHEN position < \(bind: position) THEN \(bind: position) ELSE position END,
                lease_expires = \(bind: now.addingTimeInterval(lease)), updated_at = \(bind: now)
            WHERE name = \(bind: consumer) AND lease_owner = \(bind: owner)
            RETURNING name
            """
        ).isEmpty)
    }

    private static func entries(after position: Int64, limit: Int, in session: any DatabaseSession) async throws -> [OutboxEntry] {
        try await session.query(
            """
            SELECT position, id, type, version, occurred_at, actor_id, subjects, data FROM outbox_events
            WHERE position > \(bind: position) ORDER BY position LIMIT \(bind: limit)
            """
        ).map { try outboxEntry($0) }
    }

    /// An event from a row with the outbox's columns (its id under `idColumn`).
    static func outboxEntry(_ row: SQLRow, idColumn: String = "id") throws -> OutboxEntry {
        let type = try row.string("type")
        guard let kind = DomainEvent.Kind(rawValue: type), let id = UUIDText.parse(try row.string(idColumn)) else {
            throw StoreError.corrupt("outbox event of unknown type \(type)")
        }
        var event = DomainEvent(
            kind, at: try row.date("occurred_at"), by: try row.optionalString("actor_id").flatMap(UserID.init),
            subjects: try row.json("subjects", as: [String: String].self), data: try row.json("data", as: [String: String].self),
            id: id)
        event.version = Int(try row.int("version"))
        return OutboxEntry(position: try row.int("position"), event: event)
    }
}
