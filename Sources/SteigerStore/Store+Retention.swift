import Foundation
import SteigerCore

extension Store {
    // MARK: - How long recordings are kept

    /// The scope under which the organisation's own policy is stored.
    static let organisationScope = ""

    /// The organisation's retention policy (nil: media are kept until removed by hand).
    public func organisationRetention() async throws -> RetentionPolicy? {
        try await read { session in try await Self.policy(scope: Self.organisationScope, in: session) }
    }

    /// A cohort's own retention policy (nil: the organisation's) and its programme's end.
    public func cohortRetention(_ id: CohortID) async throws -> (policy: RetentionPolicy?, endsAt: Date?) {
        try await read { session in
            let ends = try await session.query("SELECT ends_at FROM cohorts WHERE id = \(bind: id.description)").first
            return (try await Self.policy(scope: id.description, in: session), try ends?.optionalDate("ends_at"))
        }
    }

    /// Every cohort's own policy and programme end, by cohort (cohorts with neither are left out).
    public func cohortRetentions() async throws -> [CohortID: (policy: RetentionPolicy?, endsAt: Date?)] {
        try await read { session in
            var found: [CohortID: (policy: RetentionPolicy?, endsAt: Date?)] = [:]
            for row in try await session.query(
                """
                SELECT cohorts.id, cohorts.ends_at, retention_policies.days, retention_policies.start FROM cohorts
                LEFT JOIN retention_policies ON retention_policies.scope = cohorts.id
                WHERE cohorts.ends_at IS NOT NULL OR retention_policies.scope IS NOT NULL
                """)
            {
                found[try row.id("id")] = (try Self.policy(row), try row.optionalDate("ends_at"))
            }
            return found
        }
    }

    /// Sets the organisation's policy (nil: keep until removed by hand), with its audit line.
    public func setOrganisationRetention(_ policy: RetentionPolicy?, by actor: UserID?, now: Date = Date()) async throws {
        try await write { session in
            try await Self.setPolicy(policy, scope: Self.organisationScope, in: session, now: now)
            try await Self.audit(
                AuditEntry(
                    at: now, actorID: actor, action: .retentionChanged, subjectType: "organisation", subjectID: "",
                    detail: RetentionPolicy.auditText(policy)), in: session)
        }
    }

    /// Sets cohort `id`'s own policy (nil: the organisation's) and its programme's end, with an
    /// audit line when either changed. - Throws: ``StoreError/notFound(_:)`` for an unknown cohort.
    public func setCohortRetention(_ id: CohortID, policy: RetentionPolicy?, endsAt: Date?, by actor: UserID?, now: Date = Date()) async throws {
        try await write { session in
            guard
                let row = try await session.query("SELECT ends_at FROM cohorts WHERE id = \(bind: id.description)").first
            else { throw StoreError.notFound("cohort \(id)") }
            let before = (policy: try await Self.policy(scope: id.description, in: session), endsAt: try row.optionalDate("ends_at"))
            let endsAt = endsAt?.wholeMilliseconds
            guard before.policy != policy || before.endsAt != endsAt else { return }
            try await Self.setPolicy(policy, scope: id.description, in: session, now: now)
            _ = try await session.query("UPDATE cohorts SET ends_at = \(bind: endsAt) WHERE id = \(bind: id.description)")
            let ends = endsAt.map { " ends:" + $0.iso8601Milliseconds.prefix(10) } ?? ""
            try await Self.audit(
                AuditEntry(
                    at: now, actorID: actor, action: .retentionChanged, subjectType: "cohort", subjectID: id.description,
                    detail: RetentionPolicy.auditText(policy) + ends), in: session)
        }
    }

    static func policy(scope: String, in session: any DatabaseSession) async throws -> RetentionPolicy? {
        try await session.query("SELECT days, start FROM retention_policies WHERE scope = \(bind: scope)").first.flatMap(Self.policy)
    }

    static func policy(_ row: SQLRow) throws -> RetentionPolicy? {
        guard let days = try row.optionalInt("days"), let start = RetentionPolicy.Start(rawValue: try row.string("start")) else { return nil }
        return try? RetentionPolicy(days: Int(days), start: start)
    }

    static func setPolicy(_ policy: RetentionPolicy?, scope: String, in session: any DatabaseSession, now: Date) async throws {
        _ = try await session.query("DELETE FROM retention_policies WHERE scope = \(bind: scope)")
        if let policy {
            _ = try await session.query(
                """
                INSERT INTO retention_policies (scope, days, start, updated_at)
                VALUES (\(bind: scope), \(bind: policy.days), \(bind: policy.start.rawValue), \(bind: now))
                """)
        }
    }

    // MARK: - Legal holds

    /// Every legal hold that stands, oldest first.
    public func legalHolds() async throws -> [LegalHold] {
        try await read { session in
            try await session.query("SELECT * FROM legal_holds ORDER BY placed_at, subject_id").compactMap(Self.hold)
        }
    }

    /// The hold on `subject`, if one stands.
    public func legalHold(_ subject: LegalHold.Subject) async throws -> LegalHold? {
        let (type, id) = Self.key(subject)
        return try await read { session in
            try await session.query("SELECT * FROM legal_holds WHERE subject_type = \(bind: type) AND subject_id = \(bind: id)").first
                .flatMap(Self.hold)
        }
    }

    /// Places `hold` (replacing the reason of one that stood), with its audit line.
    public func placeHold(_ hold: LegalHold) async throws {
        let (type, id) = Self.key(hold.subject)
        try await write { session in
            _ = try await session.query("DELETE FROM legal_holds WHERE subject_type = \(bind: type) AND subject_id = \(bind: id)")
            _ = try await session.query(
                """
                INSERT INTO legal_holds (subject_type, subject_id, reason, placed_at, placed_by)
                VALUES (\(bind: type), \(bind: id), \(bind: hold.reason), \(bind: hold.placedAt), \(bind: hold.placedBy?.description))
                """)
            try await Self.audit(
                AuditEntry(
                    at: hold.placedAt, actorID: hold.placedBy, action: .holdPlaced, subjectType: type, subjectID: id,
                    ownerID: Self.owner(hold.subject), detail: hold.reason), in: session)
        }
    }

    /// Lifts the hold on `subject`, with its audit line. - Returns: whether one stood.
    @discardableResult
    public func liftHold(_ subject: LegalHold.Subject, by actor: UserID?, now: Date = Date()) async throws -> Bool {
        let (type, id) = Self.key(subject)
        return try await write { session in
            let lifted = try await session.query(
                "DELETE FROM legal_holds WHERE subject_type = \(bind: type) AND subject_id = \(bind: id) RETURNING reason")
            guard let reason = try lifted.first?.string("reason") else { return false }
            try await Self.audit(
                AuditEntry(
                    at: now, actorID: actor, action: .holdLifted, subjectType: type, subjectID: id, ownerID: Self.owner(subject), detail: reason),
                in: session)
            return true
        }
    }

    static func key(_ subject: LegalHold.Subject) -> (type: String, id: String) {
        switch subject {
        case .cohort(let id): ("cohort", id.description)
        case .person(let id): ("user", id.description)
        }
    }

    static func owner(_ subject: LegalHold.Subject) -> UserID? {
        if case .person(let id) = subject { return id }
        return nil
    }

    @Sendable static func hold(_ row: SQLRow) throws -> LegalHold? {
        let id = try row.string("subject_id")
        let subject: LegalHold.Subject
        switch try row.string("subject_type") {
        case "cohort":
            guard let cohort = CohortID(id) else { return nil }
            subject = .cohort(cohort)
        case "user":
            guard let user = UserID(id) else { return nil }
            subject = .person(user)
        default: return nil
        }
        return try? LegalHold(
            subject: subject, reason: try row.string("reason"), placedAt: try row.date("placed_at"),
            placedBy: try row.optionalString("placed_by").flatMap(UserID.init))
    }

    // MARK: - Removing media

    /// Up to `limit` attempts whose media are still there and that retention may decide on
    /// (reviewed, failed, or ready), after `after` in id order, each with its learner's hold and
    /// the cohorts in which the learner practises its exercise.
    public func retentionCandidates(after: SubmissionID?, limit: Int) async throws -> [Retention.Candidate] {
        try await read { session in
            let rows = try await session.query(
                """
                SELECT submissions.id, submissions.learner_id, submissions.exercise_id, submissions.status, submissions.audience,
                    submissions.created_at,
                    (SELECT MAX(reviews.submitted_at) FROM reviews WHERE reviews.submission_id = submissions.id) AS last_review_at,
                    (SELECT COUNT(*) FROM legal_holds WHERE legal_holds.subject_type = 'user'
                        AND legal_holds.subject_id = submissions.learner_id) AS learner_held
                FROM submissions JOIN submission_media ON submission_media.submission_id = submissions.id
                WHERE submission_media.removed_at IS NULL AND submissions.status IN ('reviewed', 'failed', 'ready')
                    AND submissions.id > \(bind: after?.description ?? "")
                ORDER BY submissions.id LIMIT \(bind: limit)
                """)
            guard !rows.isEmpty else { return [] }
            let learners = Set(try rows.map { try $0.string("learner_id") })
            // The cohorts each learner practises each exercise in, with their policies and holds.
            var places: [String: [Retention.Place]] = [:]
            for row in try await session.query(
                """
                SELECT memberships.user_id, exercise_cohorts.exercise_id, cohorts.id, cohorts.name, cohorts.ends_at,
                    retention_policies.days, retention_policies.start,
                    (SELECT COUNT(*) FROM legal_holds WHERE legal_holds.subject_type = 'cohort' AND legal_holds.subject_id = cohorts.id) AS held
                FROM memberships
                JOIN exercise_cohorts ON exercise_cohorts.cohort_id = memberships.cohort_id
                JOIN cohorts ON cohorts.id = memberships.cohort_id
                LEFT JOIN retention_policies ON retention_policies.scope = cohorts.id
                WHERE memberships.part = 'learner' AND memberships.user_id IN (\(binds: learners.sorted()))
                """)
            {
                let key = try row.string("user_id") + " " + row.string("exercise_id")
                places[key, default: []].append(
                    Retention.Place(
                        cohortID: try row.id("id"), cohortName: try row.string("name"), policy: try Self.policy(row),
                        endsAt: try row.optionalDate("ends_at"), held: try row.int("held") > 0))
            }
            return try rows.compactMap { row in
                guard let status = Submission.Status(rawValue: try row.string("status")) else { return nil }
                return Retention.Candidate(
                    submissionID: try row.id("id"), status: status, audience: Audience(rawValue: try row.string("audience")) ?? .peers,
                    recordedAt: try row.date("created_at"), lastReviewAt: try row.optionalDate("last_review_at"),
                    learnerHeld: try row.int("learner_held") > 0,
                    places: places[try row.string("learner_id") + " " + row.string("exercise_id")] ?? [])
            }
        }
    }

    /// Marks submission `id`'s media removed with `removal`, with its audit line, unless they were
    /// already. - Returns: the media as they were, whose blobs may now go; nil when already removed.
    public func markMediaRemoved(_ id: SubmissionID, _ removal: MediaRemoval) async throws -> SubmissionMedia? {
        let note = try Self.jsonText(removal)
        return try await write { session in
            guard
                let media = try await session.query(
                    """
                    UPDATE submission_media SET removed_at = \(bind: removal.at), removed_under = \(bind: note), updated_at = \(bind: removal.at)
                    WHERE submission_id = \(bind: id.description) AND removed_at IS NULL
                    RETURNING *
                    """
                ).first.map(Self.media)
            else { return nil }
            let learner = try await session.query("SELECT learner_id FROM submissions WHERE id = \(bind: id.description)").first
            try await Self.audit(
                AuditEntry(
                    at: removal.at, actorID: nil, action: .mediaRemoved, subjectType: "submission", subjectID: id.description,
                    ownerID: try learner?.id("learner_id"),
                    detail: RetentionPolicy.auditText(removal.policy) + (removal.cohortName.map { " cohort:" + $0 } ?? "")),
                in: session)
            return media
        }
    }

    /// Deletes those of `blobs` from `store` that no recording whose media stand and no item of
    /// the media library uses. - Returns: the bytes freed.
    public func removeUnusedBlobs(_ blobs: [String], from store: BlobStore) async throws -> Int64 {
        let names = Set(blobs)
        var freed: Int64 = 0
        for sha in names.subtracting(try await blobsInUse(names)) { freed += store.remove(sha) ?? 0 }
        return freed
    }

    /// Which of `blobs` a recording whose media stand, or an item of the media library, still uses.
    public func blobsInUse(_ blobs: Set<String>) async throws -> Set<String> {
        guard !blobs.isEmpty else { return [] }
        return try await read { session in
            let list = blobs.sorted()
            var used = Set<String>()
            for row in try await session.query(
                """
                SELECT original_sha256 AS a, rendition_sha256 AS b, poster_sha256 AS c FROM submission_media
                WHERE removed_at IS NULL AND (original_sha256 IN (\(binds: list)) OR rendition_sha256 IN (\(binds: list))
                    OR poster_sha256 IN (\(binds: list)))
                UNION ALL
                SELECT original_sha256, rendition_sha256, poster_sha256 FROM media_items
                WHERE original_sha256 IN (\(binds: list)) OR rendition_sha256 IN (\(binds: list)) OR poster_sha256 IN (\(binds: list))
                """)
            {
                for column in ["a", "b", "c"] { if let sha = try row.optionalString(column) { used.insert(sha) } }
            }
            // Storyboard sheets are named inside each storyboard's record.
            for sha in list where !used.contains(sha) {
                let sheet = "%\"" + sha + "\"%"
                if !(try await session.query(
                    "SELECT 1 FROM submission_media WHERE removed_at IS NULL AND storyboard LIKE \(bind: sheet) LIMIT 1"
                ).isEmpty) {
                    used.insert(sha)
                }
            }
            return used.intersection(blobs)
        }
    }
}
