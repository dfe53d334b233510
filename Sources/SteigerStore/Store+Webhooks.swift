import Foundation
import SteigerCore

/// A delivery handed to a sender, with what it needs to send it.
public struct WebhookJob: Sendable, Equatable {
    public var delivery: WebhookDelivery
    public var endpoint: WebhookEndpoint
}

extension Store {
    // MARK: - Endpoints

    /// Registers an endpoint.
    public func createWebhookEndpoint(_ endpoint: WebhookEndpoint) async throws {
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO webhook_endpoints (id, url, event_types, description, secret, enabled, disabled_reason, failing_since,
                                               created_by, created_at, updated_at)
                VALUES (\(bind: endpoint.id.description), \(bind: endpoint.url), \(bind: try Self.jsonText(endpoint.eventTypes.map(\.rawValue).sorted())),
                        \(bind: endpoint.description), \(bind: endpoint.secret), \(bind: endpoint.isEnabled), \(bind: endpoint.disabledReason?.stored),
                        NULL, \(bind: endpoint.createdBy?.description), \(bind: endpoint.createdAt), \(bind: endpoint.createdAt))
                """)
        }
    }

    /// Every endpoint, oldest first.
    public func webhookEndpoints() async throws -> [WebhookEndpoint] {
        try await read { session in
            try await session.query("SELECT \(raw: Self.endpointColumns) FROM webhook_endpoints ORDER BY created_at, id").map(Self.endpoint)
        }
    }

    /// The endpoint with `id`.
    public func webhookEndpoint(_ id: WebhookEndpointID) async throws -> WebhookEndpoint? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.endpointColumns) FROM webhook_endpoints WHERE id = \(bind: id.description)")
                .first.map(Self.endpoint)
        }
    }

    /// Changes the given fields. - Throws: ``StoreError/notFound(_:)``.
    @discardableResult
    public func updateWebhookEndpoint(_ id: WebhookEndpointID, changes: WebhookEndpointChanges, now: Date = Date()) async throws -> WebhookEndpoint {
        var assignments: [SQLStatement] = ["updated_at = \(bind: now)"]
        if let url = changes.url { assignments.append("url = \(bind: url)") }
        if let types = changes.eventTypes { assignments.append("event_types = \(bind: try Self.jsonText(types.map(\.rawValue).sorted()))") }
        if let description = changes.description { assignments.append("description = \(bind: description)") }
        if let secret = changes.secret { assignments.append("secret = \(bind: secret)") }
        if let enabled = changes.isEnabled {
            assignments.append("enabled = \(bind: enabled)")
            if enabled { assignments.append("disabled_reason = NULL, failing_since = NULL") }
        }
        let statement: SQLStatement = """
            UPDATE webhook_endpoints SET \(SQLStatement.joined(assignments, separator: ", ")) WHERE id = \(bind: id.description)
            RETURNING \(raw: Self.endpointColumns)
            """
        return try await write { session in
            guard let row = try await session.query(statement).first else { throw StoreError.notFound("webhook endpoint \(id)") }
            return try Self.endpoint(row)
        }
    }

    /// Removes an endpoint with its deliveries. - Returns: whether it existed.
    @discardableResult
    public func deleteWebhookEndpoint(_ id: WebhookEndpointID) async throws -> Bool {
        try await write { session in
            !(try await session.query("DELETE FROM webhook_endpoints WHERE id = \(bind: id.description) RETURNING id").isEmpty)
        }
    }

    // MARK: - Deliveries

    /// Makes a delivery of each leased event for every enabled endpoint that wants it and was
    /// registered before the event happened, and moves the consumer's cursor past them, in one
    /// transaction. Running it twice for the same events makes no second delivery.
    /// - Returns: the deliveries made; nil when the lease was lost (nothing was written).
    public func fanOutWebhooks(_ lease: OutboxLease, leaseFor seconds: TimeInterval, now: Date = Date()) async throws -> Int? {
        do {
            return try await fanOut(lease, leaseFor: seconds, now: now)
        } catch is LostLease {
            return nil
        }
    }

    private func fanOut(_ lease: OutboxLease, leaseFor seconds: TimeInterval, now: Date) async throws -> Int {
        try await write { session in
            let endpoints = try await session.query("SELECT \(raw: Self.endpointColumns) FROM webhook_endpoints WHERE enabled = 1")
                .map(Self.endpoint)
            var made = 0
            for entry in lease.entries {
                for endpoint in endpoints where endpoint.wants(entry.event.kind) && endpoint.createdAt <= entry.event.occurredAt {
                    made += try await session.query(
                        """
                        INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_position, status, attempts, next_attempt_at, created_at)
                        VALUES (\(bind: WebhookDeliveryID().description), \(bind: endpoint.id.description),
                                \(bind: UUIDText.lowercase(entry.event.id)), \(bind: entry.position), 'pending', 0, \(bind: now), \(bind: now))
                        ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING id
                        """
                    ).count
                }
            }
            guard let last = lease.entries.last else { return made }
            guard
                try await Self.acknowledge(
                    consumer: lease.consumer, owner: lease.owner, through: last.position, lease: seconds, now: now,
                    in: session)
            else { throw LostLease() }
            return made
        }
    }

    private struct LostLease: Error {}

    /// Hands `owner` up to `limit` deliveries that are due, of enabled endpoints, oldest event
    /// first, for `lease` seconds (on PostgreSQL rows another sender holds are skipped).
    public func claimWebhookDeliveries(owner: String, lease: TimeInterval, limit: Int = 16, now: Date = Date()) async throws -> [WebhookJob] {
        // A read first: most of the time nothing is due, and a look costs no write.
        let due = try await read { session in
            try await session.query(
                """
                SELECT 1 AS due FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= \(bind: now) LIMIT 1
                """
            ).isEmpty == false
        }
        guard due else { return [] }
        return try await write { session in
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE OF d SKIP LOCKED" : ""
            let ids = try await session.query(
                """
                SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= \(bind: now) AND e.enabled = 1
                  AND (d.lease_owner IS NULL OR d.lease_expires <= \(bind: now))
                ORDER BY d.event_position, d.id LIMIT \(bind: limit)\(lock)
                """
            ).map { try $0.string("id") }
            guard !ids.isEmpty else { return [] }
            let idSet = Set(ids)
            _ = try await session.query(
                """
                UPDATE webhook_deliveries SET lease_owner = \(bind: owner), lease_expires = \(bind: now.addingTimeInterval(lease))
                WHERE \(SQLStatement.isIn("id", idSet))
                """)
            return try await session.query(
                """
                SELECT \(raw: Self.deliveryColumns), \(raw: Self.endpointColumnsOfE)
                FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                JOIN outbox_events o ON o.id = d.event_id
                WHERE \(SQLStatement.isIn("d.id", idSet)) ORDER BY d.event_position, d.id
                """
            ).map { row in WebhookJob(delivery: try Self.delivery(row), endpoint: try Self.endpoint(row)) }
        }
    }

    /// Records a try of a delivery `owner` holds: delivered on a 2xx (the endpoint's failures are
    /// forgotten), else tried again when `retry` says, or failed for good once its window has
    /// passed. An endpoint whose deliveries have failed for the whole window is switched off with
    /// the reason. Nil when `owner` no longer holds the delivery (nothing is recorded then).
    @discardableResult
    public func recordWebhookAttempt(
        _ delivery: WebhookDeliveryID, owner: String, attempt: WebhookAttempt, retry: WebhookRetryPolicy,
        now: Date = Date()
    ) async throws -> WebhookDeliveryStatus? {
        try await recordWebhookAttempts([(delivery, attempt)], owner: owner, retry: retry, now: now)[0]
    }

    /// Records the tries of several deliveries in one transaction (see
    /// ``recordWebhookAttempt(_:owner:attempt:retry:now:)``); one outcome per try, in order.
    public func recordWebhookAttempts(
        _ attempts: [(WebhookDeliveryID, WebhookAttempt)], owner: String, retry: WebhookRetryPolicy,
        now: Date = Date()
    ) async throws -> [WebhookDeliveryStatus?] {
        try await write { session in
            var outcomes: [WebhookDeliveryStatus?] = []
            for (delivery, attempt) in attempts {
                outcomes.append(try await Self.record(attempt, of: delivery, owner: owner, retry: retry, now: now, in: session))
            }
            return outcomes
        }
    }

    private static func record(
        _ attempt: WebhookAttempt, of delivery: WebhookDeliveryID, owner: String, retry: WebhookRetryPolicy, now: Date,
        in session: any DatabaseSession
    ) async throws -> WebhookDeliveryStatus? {
        guard
            let row = try await session.query(
                """
                SELECT d.endpoint_id, d.attempts, d.first_attempt_at, e.failing_since FROM webhook_deliveries d
                JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.id = \(bind: delivery.description) AND d.status = 'pending' AND d.lease_owner = \(bind: owner)
                """
            ).first
        else { return nil }
        let endpoint: WebhookEndpointID = try row.id("endpoint_id")
        let attempts = Int(try row.int("attempts")) + 1
        let firstTry = try row.optionalDate("first_attempt_at") ?? attempt.startedAt
        _ = try await session.query(
            """
            INSERT INTO webhook_attempts (delivery_id, number, started_at, duration_ms, status_code, error, response)
            VALUES (\(bind: delivery.description), \(bind: attempts), \(bind: attempt.startedAt), \(bind: Int64((attempt.duration * 1000).rounded())),
                    \(bind: attempt.statusCode), \(bind: attempt.error?.stored), \(bind: attempt.response))
            """)
        if attempt.succeeded {
            _ = try await session.query(
                """
                UPDATE webhook_deliveries SET status = 'delivered', attempts = \(bind: attempts), first_attempt_at = \(bind: firstTry),
                    delivered_at = \(bind: now), lease_owner = NULL, lease_expires = NULL
                WHERE id = \(bind: delivery.description)
                """)
            _ = try await session.query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = \(bind: endpoint.description)")
            return .delivered
        }
        let next = retry.nextTry(after: attempts, firstTry: firstTry, now: now)
        _ = try await session.query(
            """
            UPDATE webhook_deliveries SET status = \(bind: next == nil ? "failed" : "pending"), attempts = \(bind: attempts),
                first_attempt_at = \(bind: firstTry), next_attempt_at = \(bind: next ?? now), lease_owner = NULL, lease_expires = NULL
            WHERE id = \(bind: delivery.description)
            """)
        let failingSince = try row.optionalDate("failing_since") ?? attempt.startedAt
        if next == nil || now.timeIntervalSince(failingSince) >= retry.window {
            let hours = Int((retry.window / 3600).rounded())
            let last: Message =
                attempt.statusCode.map { Message("webhook.answered", ["status": .integer($0)]) } ?? attempt.error ?? Message("webhook.noAnswer")
            let reason = Message("webhook.disabledFailing", ["hours": .integer(hours), "last": .message(last)])
            let switchedOff = try await session.query(
                """
                UPDATE webhook_endpoints SET enabled = 0, disabled_reason = \(bind: reason.stored), failing_since = \(bind: failingSince),
                    updated_at = \(bind: now)
                WHERE id = \(bind: endpoint.description) AND enabled = 1 RETURNING id
                """)
            if !switchedOff.isEmpty {
                try await Self.record(DomainEvent(.webhookDisabled, at: now, subjects: ["endpoint": endpoint.description]), in: session)
            }
        } else {
            _ = try await session.query(
                """
                UPDATE webhook_endpoints SET failing_since = \(bind: failingSince) WHERE id = \(bind: endpoint.description) AND failing_since IS NULL
                """)
        }
        return next == nil ? .failed : .pending
    }

    /// The newest deliveries to `endpoint` with every try, newest first.
    public func webhookDeliveries(
        of endpoint: WebhookEndpointID, limit: Int = 50
    ) async throws -> [(delivery: WebhookDelivery, attempts: [WebhookAttempt])] {
        try await read { session in
            let deliveries = try await session.query(
                """
                SELECT \(raw: Self.deliveryColumns) FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.event_id
                WHERE d.endpoint_id = \(bind: endpoint.description) ORDER BY d.event_position DESC, d.id LIMIT \(bind: limit)
                """
            ).map(Self.delivery)
            guard !deliveries.isEmpty else { return [] }
            var attempts: [WebhookDeliveryID: [WebhookAttempt]] = [:]
            for row in try await session.query(
                """
                SELECT delivery_id, number, started_at, duration_ms, status_code, error, response FROM webhook_attempts
                WHERE \(SQLStatement.isIn("delivery_id", Set(deliveries.map(\.id.description)))) ORDER BY number
                """)
            {
                let attempt = WebhookAttempt(
                    number: Int(try row.int("number")), startedAt: try row.date("started_at"),
                    duration: Double(try row.int("duration_ms")) / 1000, statusCode: try row.optionalInt("status_code").map(Int.init),
                    error: try row.optionalString("error").flatMap(Message.init(stored:)), response: try row.optionalString("response"))
                attempts[try row.id("delivery_id"), default: []].append(attempt)
            }
            return deliveries.map { ($0, attempts[$0.id] ?? []) }
        }
    }

    // MARK: - Rows

    static let endpointColumns = """
        id, url, event_types, description, secret, enabled, disabled_reason, created_by, created_at
        """

    /// ``endpointColumns`` of the endpoints table joined as `e`.
    static let endpointColumnsOfE = endpointColumns.split(separator: ",").map { "e." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        .joined(separator: ", ")

    static let deliveryColumns = """
        d.id AS delivery_id, d.endpoint_id, d.status, d.attempts, d.next_attempt_at, d.first_attempt_at, d.delivered_at, d.created_at AS delivery_created_at,
        o.position, o.id AS event_id, o.type, o.version, o.occurred_at, o.actor_id, o.subjects, o.data
        """

    @Sendable static func endpoint(_ row: SQLRow) throws -> WebhookEndpoint {
        let types = try row.json("event_types", as: [String].self).compactMap(DomainEvent.Kind.init(rawValue:))
        do {
            return try WebhookEndpoint(
                id: try row.id("id"), url: try row.string("url"), eventTypes: Set(types), description: try row.string("description"),
                secret: try row.string("secret"), isEnabled: try row.bool("enabled"),
                disabledReason: try row.optionalString("disabled_reason").flatMap(Message.init(stored:)),
                createdBy: try row.optionalString("created_by").flatMap(UserID.init), createdAt: try row.date("created_at"))
        } catch {
            throw StoreError.corrupt("webhook endpoint: \(error)")
        }
    }

    @Sendable static func delivery(_ row: SQLRow) throws -> WebhookDelivery {
        guard let status = WebhookDeliveryStatus(rawValue: try row.string("status")) else { throw StoreError.corrupt("webhook delivery status") }
        return WebhookDelivery(
            id: try row.id("delivery_id"), endpointID: try row.id("endpoint_id"), entry: try outboxEntry(row, idColumn: "event_id"), status: status,
            attempts: Int(try row.int("attempts")), nextAttemptAt: try row.date("next_attempt_at"),
            firstAttemptAt: try row.optionalDate("first_attempt_at"), deliveredAt: try row.optionalDate("delivered_at"),
            createdAt: try row.date("delivery_created_at"))
    }
}
