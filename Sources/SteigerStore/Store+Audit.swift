import Foundation
import SteigerCore

extension Store {
    // MARK: - The audit log

    /// Adds `entry` to the audit log.
    public func recordAudit(_ entry: AuditEntry) async throws {
        try await write { session in _ = try await Self.audit(entry, in: session) }
    }

    /// Adds `entry` in the caller's transaction; with `dedupe`, a second entry with the same key is
    /// not added. - Returns: whether it was added.
    @discardableResult
    static func audit(_ entry: AuditEntry, dedupe: String? = nil, in session: any DatabaseSession) async throws -> Bool {
        !(try await session.query(
            """
            INSERT INTO audit_log (id, created_at, actor_id, action, subject_type, subject_id, owner_id, detail, dedupe)
            VALUES (\(bind: entry.id), \(bind: entry.at), \(bind: entry.actorID?.description), \(bind: entry.action.rawValue),
                    \(bind: entry.subjectType), \(bind: entry.subjectID), \(bind: entry.ownerID?.description), \(bind: entry.detail),
                    \(bind: dedupe))
            ON CONFLICT (dedupe) DO NOTHING
            RETURNING id
            """
        ).isEmpty)
    }

    /// Records that `viewer` played (or, `downloaded`, fetched the original of) `submission`,
    /// once per viewing: a request within `window` of the viewer's previous one on the same
    /// recording belongs to the same viewing and adds nothing. Requests at once count once on
    /// either engine (the mark's row is the point they meet). - Returns: whether a line was added.
    @discardableResult
    public func recordWatch(
        viewer: UserID, submission: SubmissionID, owner: UserID, downloaded: Bool, window: TimeInterval = 1800, now: Date = Date()
    ) async throws -> Bool {
        let action: AuditEntry.Action = downloaded ? .recordingDownloaded : .recordingWatched
        return try await write { session in
            guard
                let viewing = try await session.query(
                    """
                    INSERT INTO audit_watch_marks (actor_id, submission_id, kind, last_at, viewing)
                    VALUES (\(bind: viewer.description), \(bind: submission.description), \(bind: action.rawValue), \(bind: now), 1)
                    ON CONFLICT (actor_id, submission_id, kind) DO UPDATE SET
                        viewing = CASE WHEN audit_watch_marks.last_at < \(bind: now.addingTimeInterval(-window))
                                       THEN audit_watch_marks.viewing + 1 ELSE audit_watch_marks.viewing END,
                        last_at = excluded.last_at
                    RETURNING viewing
                    """
                ).first?.int("viewing")
            else { return false }
            return try await Self.audit(
                AuditEntry(
                    at: now, actorID: viewer, action: action, subjectType: "submission", subjectID: submission.description, ownerID: owner),
                dedupe: "\(action.rawValue):\(viewer):\(submission):\(viewing)", in: session)
        }
    }

    /// Audit entries within `filter`, newest first.
    public func auditEntries(filter: AuditFilter, page: PageRequest) async throws -> Page<AuditEntry> {
        var filters: [SQLStatement] = []
        if let actor = filter.actor { filters.append("audit_log.actor_id = \(bind: actor.description)") }
        if let owner = filter.owner { filters.append("audit_log.owner_id = \(bind: owner.description)") }
        if let action = filter.action { filters.append("audit_log.action = \(bind: action.rawValue)") }
        if let subject = filter.subjectID { filters.append("audit_log.subject_id = \(bind: subject)") }
        if let from = filter.from { filters.append("audit_log.created_at >= \(bind: from)") }
        if let until = filter.until { filters.append("audit_log.created_at < \(bind: until)") }
        return try await self.page(
            "SELECT id, created_at, actor_id, action, subject_type, subject_id, owner_id, detail FROM audit_log", table: "audit_log",
            filters: filters, request: page
        ) { row in
            guard let action = AuditEntry.Action(rawValue: try row.string("action")) else { throw StoreError.corrupt("audit action") }
            return AuditEntry(
                id: try row.string("id"), at: try row.date("created_at"), actorID: try row.optionalString("actor_id").flatMap(UserID.init),
                action: action, subjectType: try row.string("subject_type"), subjectID: try row.string("subject_id"),
                ownerID: try row.optionalString("owner_id").flatMap(UserID.init), detail: try row.string("detail"))
        }
    }

    /// Removes the audit entries older than `before` (and the viewing marks no viewing can
    /// continue); returns how many entries went.
    @discardableResult
    public func sweepAudit(before: Date) async throws -> Int {
        try await write { session in
            _ = try await session.query("DELETE FROM audit_watch_marks WHERE last_at < \(bind: before)")
            return try await session.query("DELETE FROM audit_log WHERE created_at < \(bind: before) RETURNING id").count
        }
    }
}
