import Foundation
import SteigerCore

extension Store {
    // MARK: - Downloads of all of a person's data

    /// Asks for an archive of all of `user`'s data, with its audit line; a request still being
    /// made is returned instead of making another.
    public func requestExport(of user: UserID, now: Date = Date()) async throws -> DataExport {
        try await write { session in
            let pending = try await session.query(
                """
                SELECT * FROM exports WHERE user_id = \(bind: user.description) AND status IN ('queued', 'making')
                ORDER BY created_at DESC LIMIT 1
                """)
            if let existing = try pending.first.map(Self.export) { return existing }
            let export = DataExport(userID: user, createdAt: now)
            _ = try await session.query(
                """
                INSERT INTO exports (id, user_id, status, created_at)
                VALUES (\(bind: export.id), \(bind: user.description), 'queued', \(bind: export.createdAt))
                """)
            try await Self.audit(
                AuditEntry(
                    at: now, actorID: user, action: .exportRequested, subjectType: "export", subjectID: export.id, ownerID: user), in: session)
            return export
        }
    }

    /// `user`'s requests, newest first (the last ten).
    public func exports(of user: UserID) async throws -> [DataExport] {
        try await read { session in
            try await session.query(
                "SELECT * FROM exports WHERE user_id = \(bind: user.description) ORDER BY created_at DESC LIMIT 10"
            ).map(Self.export)
        }
    }

    /// Takes the oldest request waiting to be made (or whose maker stopped) for `seconds`.
    public func claimExport(for seconds: TimeInterval, now: Date = Date()) async throws -> DataExport? {
        try await write { session in
            let skip: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
            guard
                let row = try await session.query(
                    """
                    SELECT * FROM exports WHERE status = 'queued' OR (status = 'making' AND lease_expires < \(bind: now))
                    ORDER BY created_at LIMIT 1\(skip)
                    """
                ).first
            else { return nil }
            var export = try Self.export(row)
            export.status = .making
            _ = try await session.query(
                """
                UPDATE exports SET status = 'making', lease_expires = \(bind: now.addingTimeInterval(seconds)) WHERE id = \(bind: export.id)
                """)
            return export
        }
    }

    /// Marks `export` made, `size` bytes, downloadable until `expires`, and tells its person with a notice.
    public func finishExport(_ id: String, size: Int64, expires: Date, now: Date = Date()) async throws {
        try await write { session in
            guard
                let row = try await session.query(
                    """
                    UPDATE exports SET status = 'ready', size = \(bind: size), ready_at = \(bind: now), expires_at = \(bind: expires),
                        lease_expires = NULL
                    WHERE id = \(bind: id) AND status = 'making' RETURNING user_id
                    """
                ).first
            else { return }
            _ = try await Self.insert(
                Notice(
                    recipient: try row.id("user_id"), kind: .exportReady, eventID: nil, arguments: ["until": .dateTime(expires)],
                    subjects: ["export": id], createdAt: now), in: session)
        }
    }

    /// Marks `export` as not made.
    public func failExport(_ id: String) async throws {
        try await write { session in
            _ = try await session.query("UPDATE exports SET status = 'failed', lease_expires = NULL WHERE id = \(bind: id)")
        }
    }

    /// Hands out `user`'s ready archive `id` once: marks it downloaded and returns it; nil when it
    /// is not theirs; an archive already downloaded, run out or not made comes back as it is.
    public func takeExport(_ id: String, of user: UserID, now: Date = Date()) async throws -> DataExport? {
        try await write { session in
            guard
                let row = try await session.query(
                    "SELECT * FROM exports WHERE id = \(bind: id) AND user_id = \(bind: user.description)"
                ).first
            else { return nil }
            var export = try Self.export(row)
            guard export.status == .ready, let expires = export.expiresAt, expires > now else { return export }
            let taken = try await session.query(
                """
                UPDATE exports SET status = 'downloaded', downloaded_at = \(bind: now)
                WHERE id = \(bind: id) AND status = 'ready' RETURNING id
                """)
            guard !taken.isEmpty else {
                export.status = .downloaded
                return export
            }
            export.status = .ready  // this request has it
            export.downloadedAt = now
            try await Self.audit(
                AuditEntry(at: now, actorID: user, action: .exportDownloaded, subjectType: "export", subjectID: id, ownerID: user), in: session)
            return export
        }
    }

    /// Archives whose files may go: downloaded more than `grace` ago, or not downloaded in time
    /// (marked expired). - Returns: their ids.
    public func spentExports(now: Date = Date(), grace: TimeInterval = 3600) async throws -> [String] {
        try await write { session in
            _ = try await session.query("UPDATE exports SET status = 'expired' WHERE status = 'ready' AND expires_at <= \(bind: now)")
            return try await session.query(
                """
                SELECT id FROM exports WHERE status = 'expired' OR status = 'failed'
                    OR (status = 'downloaded' AND downloaded_at < \(bind: now.addingTimeInterval(-grace)))
                """
            ).map { try $0.string("id") }
        }
    }

    @Sendable static func export(_ row: SQLRow) throws -> DataExport {
        DataExport(
            id: try row.string("id"), userID: try row.id("user_id"),
            status: DataExport.Status(rawValue: try row.string("status")) ?? .failed, createdAt: try row.date("created_at"),
            readyAt: try row.optionalDate("ready_at"), expiresAt: try row.optionalDate("expires_at"),
            downloadedAt: try row.optionalDate("downloaded_at"), size: try row.optionalInt("size"))
    }
}
