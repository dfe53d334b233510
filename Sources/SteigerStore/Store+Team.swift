import Foundation
import SteigerCore

extension Store {
    // MARK: - Managers and their teams

    /// The people `manager` manages, enabled or not.
    public func team(of manager: UserID) async throws -> [UserID] {
        try await read { session in
            try await session.query("SELECT person_id FROM manager_links WHERE manager_id = \(bind: manager.description) ORDER BY person_id")
                .map { try $0.id("person_id") }
        }
    }

    /// The managers of `person`, by name.
    public func managers(of person: UserID) async throws -> [User] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.userColumns) FROM users JOIN manager_links l ON l.manager_id = users.id
                WHERE l.person_id = \(bind: person.description)
                """
            ).map(Self.user).sorted { ($0.displayName.lowercased(), $0.id.description) < ($1.displayName.lowercased(), $1.id.description) }
        }
    }

    /// Makes `manager` one of the managers of `person` (`linked`) or no longer, as `actor` did it,
    /// with its audit line; nothing when it already was so. - Returns: whether anything changed.
    @discardableResult
    public func setManager(_ manager: UserID, of person: UserID, linked: Bool, by actor: UserID?, now: Date = Date()) async throws -> Bool {
        try await write { session in
            let changed =
                linked
                ? try await session.query(
                    """
                    INSERT INTO manager_links (manager_id, person_id, created_at)
                    VALUES (\(bind: manager.description), \(bind: person.description), \(bind: now))
                    ON CONFLICT (manager_id, person_id) DO NOTHING RETURNING person_id
                    """
                ).first != nil
                : try await session.query(
                    """
                    DELETE FROM manager_links WHERE manager_id = \(bind: manager.description) AND person_id = \(bind: person.description)
                    RETURNING person_id
                    """
                ).first != nil
            if changed {
                _ = try await Self.audit(
                    AuditEntry(
                        at: now, actorID: actor, action: .accountChanged, subjectType: "user", subjectID: person.description, ownerID: person,
                        detail: "\(linked ? "manager added" : "manager removed"):\(manager)"), in: session)
            }
            return changed
        }
    }

    /// Records a manager's encouragement of one of their people and the event that tells them.
    public func recordEncouragement(_ encouragement: Encouragement) async throws {
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO encouragements (id, manager_id, person_id, text, created_at)
                VALUES (\(bind: encouragement.id.description), \(bind: encouragement.managerID.description),
                        \(bind: encouragement.personID.description), \(bind: encouragement.text), \(bind: encouragement.at))
                """)
            try await Self.record(
                DomainEvent(
                    .encouragementSent, at: encouragement.at, by: encouragement.managerID,
                    subjects: ["encouragement": encouragement.id.description, "learner": encouragement.personID.description]), in: session)
        }
    }

    /// The encouragement with `id`.
    public func encouragement(_ id: EncouragementID) async throws -> Encouragement? {
        try await read { session in
            try await session.query(
                "SELECT id, manager_id, person_id, text, created_at FROM encouragements WHERE id = \(bind: id.description)"
            ).first.map(Self.encouragement)
        }
    }

    /// The encouragements `manager` sent `person`, newest first (at most `limit`).
    public func encouragements(of person: UserID, from manager: UserID, limit: Int = 20) async throws -> [Encouragement] {
        try await read { session in
            try await session.query(
                """
                SELECT id, manager_id, person_id, text, created_at FROM encouragements
                WHERE person_id = \(bind: person.description) AND manager_id = \(bind: manager.description)
                ORDER BY created_at DESC, id LIMIT \(bind: limit)
                """
            ).map(Self.encouragement)
        }
    }

    /// Lets the managers of submission `id`'s learner watch it (`shared`) or no longer, with its
    /// audit line. - Returns: the submission after the change.
    /// - Throws: ``StoreError/notFound(_:)`` when it does not exist.
    @discardableResult
    public func setSharedWithManager(_ id: SubmissionID, shared: Bool, now: Date = Date()) async throws -> Submission {
        try await write { session in
            guard
                let row = try await session.query(
                    """
                    UPDATE submissions SET shared_with_manager = \(bind: shared), updated_at = \(bind: now) WHERE id = \(bind: id.description)
                    RETURNING \(raw: Self.submissionColumns)
                    """
                ).first
            else { throw StoreError.notFound("submission \(id)") }
            let submission = try Self.submission(row, sharedWith: [])
            _ = try await Self.audit(
                AuditEntry(
                    at: now, actorID: submission.learnerID, action: .audienceChanged, subjectType: "submission", subjectID: id.description,
                    ownerID: submission.learnerID, detail: shared ? "manager: shared" : "manager: not shared"), in: session)
            return submission
        }
    }

    /// The attempts `person` shared with their managers that can be played, newest first (at most ten).
    public func sharedWithManagers(by person: UserID) async throws -> [Submission] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.submissionColumns) FROM submissions
                WHERE learner_id = \(bind: person.description) AND shared_with_manager = 1 AND audience <> 'private'
                  AND status IN ('ready', 'reviewed')
                ORDER BY created_at DESC, id LIMIT 10
                """
            ).map { try Self.submission($0, sharedWith: []) }
        }
    }

    /// Records `team.summary_due` once per manager (an enabled account holding the role) with a team, for the
    /// calendar month before `now` (UTC); returns how many it recorded.
    @discardableResult
    public func noteTeamSummaries(now: Date = Date()) async throws -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let thisMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        let lastMonth = calendar.date(byAdding: .month, value: -1, to: thisMonth)!
        let parts = calendar.dateComponents([.year, .month], from: lastMonth)
        let month = String(format: "%04d-%02d", parts.year!, parts.month!)
        return try await write { session in
            let due = try await session.query(
                """
                INSERT INTO team_summaries (manager_id, month, created_at)
                SELECT DISTINCT l.manager_id, \(bind: month), \(bind: now) FROM manager_links l JOIN users u ON u.id = l.manager_id
                WHERE u.disabled = 0 AND (',' || u.roles || ',') LIKE '%,manager,%'
                ON CONFLICT (manager_id, month) DO NOTHING RETURNING manager_id
                """)
            let millis = { (date: Date) in String(Int64((date.timeIntervalSince1970 * 1000).rounded())) }
            for row in due {
                try await Self.record(
                    DomainEvent(
                        .teamSummaryDue, at: now, subjects: ["manager": try row.string("manager_id")],
                        data: ["month": month, "from": millis(lastMonth), "to": millis(thisMonth)]), in: session)
            }
            return due.count
        }
    }

    /// How many attempts `person` sent for review from `from` until `to`.
    public func attemptsSent(by person: UserID, from: Date, to: Date) async throws -> Int {
        try await read { session in
            Int(
                try await session.query(
                    """
                    SELECT COUNT(*) AS n FROM submissions WHERE learner_id = \(bind: person.description) AND audience <> 'private'
                    AND created_at >= \(bind: from) AND created_at < \(bind: to)
                    """
                ).first?.int("n") ?? 0)
        }
    }

    /// When each of `people` last made an attempt (sent or not), by person.
    public func lastAttempts(of people: Set<UserID>) async throws -> [UserID: Date] {
        if people.isEmpty { return [:] }
        return try await read { session in
            let rows = try await session.query(
                """
                SELECT learner_id, MAX(created_at) AS last FROM submissions
                WHERE \(SQLStatement.isIn("learner_id", people.map(\.description))) AND audience <> 'private' GROUP BY learner_id
                """)
            return Dictionary(try rows.map { (try $0.id("learner_id"), try $0.date("last")) }, uniquingKeysWith: { first, _ in first })
        }
    }

    private static func encouragement(_ row: SQLRow) throws -> Encouragement {
        do {
            return try Encouragement(
                id: row.id("id"), managerID: row.id("manager_id"), personID: row.id("person_id"), text: row.string("text"),
                at: row.date("created_at"))
        } catch let error as ValidationError {
            throw StoreError.corrupt("encouragement: \(error)")
        }
    }
}
