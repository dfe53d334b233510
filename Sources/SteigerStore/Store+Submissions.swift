import Foundation
import SteigerCore

extension Store {
    // MARK: - Submissions

    /// Records a new attempt by `learner` at `exercise`, numbering it after their earlier ones,
    /// at `scaffoldLevel` or (nil) the learner's current level on the exercise's ladder, for the
    /// purpose their standing gives it (see ``AttemptPurpose/next(exercise:standing:kickOffMade:now:)``).
    /// - Throws: ``StoreError/reference(_:)`` when the learner or the exercise does not exist.
    public func createSubmission(
        learner: UserID, exercise: ExerciseID, scaffoldLevel: Int? = nil, status: Submission.Status = .uploading, audience: Audience = .peers,
        createdAt: Date = Date()
    ) async throws -> Submission {
        try await retryingAttemptNumbers {
            try await write { session in
                try await Self.insertSubmission(
                    learner: learner, exercise: exercise, scaffoldLevel: scaffoldLevel, status: status, audience: audience, createdAt: createdAt,
                    in: session)
            }
        }
    }

    /// Runs `body` again (up to five times) when the unique key on attempt numbers refuses it:
    /// two attempts made at once on PostgreSQL can pick the same number, and the second then
    /// takes the next one.
    func retryingAttemptNumbers<T>(_ body: () async throws -> T) async throws -> T {
        var tries = 0
        while true {
            do {
                return try await body()
            } catch StoreError.conflict(let message) {
                tries += 1
                if tries >= 5 { throw StoreError.conflict(message) }
            }
        }
    }

    /// Adds attempt number n + 1 of `learner` at `exercise` in `session`, at `scaffoldLevel` for
    /// `purpose`, or (nil) at the learner's current level for the purpose it has now; the caller
    /// retries on a taken number.
    static func insertSubmission(
        learner: UserID, exercise: ExerciseID, scaffoldLevel: Int?, purpose: AttemptPurpose? = nil, status: Submission.Status,
        audience: Audience, createdAt: Date, in session: any DatabaseSession
    ) async throws -> Submission {
        var level = scaffoldLevel, purpose = purpose
        if level == nil || purpose == nil {
            let next = try await nextAttempt(learner: learner, exercise: exercise, now: createdAt, in: session)
            level = level ?? next.level
            purpose = purpose ?? next.purpose
        }
        let previous =
            try await session.query(
                """
                SELECT COALESCE(MAX(attempt), 0) AS n FROM submissions
                WHERE learner_id = \(bind: learner.description) AND exercise_id = \(bind: exercise.description)
                """
            ).first?.int("n") ?? 0
        let submission = try Submission(
            learnerID: learner, exerciseID: exercise, attempt: Int(previous) + 1, status: status, scaffoldLevel: level ?? 0,
            audience: audience, purpose: purpose ?? .practice, createdAt: createdAt)
        _ = try await session.query(
            """
            INSERT INTO submissions (id, learner_id, exercise_id, attempt, status, scaffold_level, failure_reason, audience, purpose,
                                     created_at, updated_at)
            VALUES (\(bind: submission.id.description), \(bind: learner.description), \(bind: exercise.description), \(bind: submission.attempt),
                    \(bind: submission.status.rawValue), \(bind: submission.scaffoldLevel), \(bind: String?.none), \(bind: audience.rawValue),
                    \(bind: submission.purpose.rawValue), \(bind: submission.createdAt), \(bind: submission.createdAt))
            """)
        return submission
    }

    /// The submission with `id`, with whom it is shared.
    public func submission(_ id: SubmissionID) async throws -> Submission? {
        try await read { session in
            guard let row = try await session.query("SELECT \(raw: Self.submissionColumns) FROM submissions WHERE id = \(bind: id.description)").first
            else {
                return nil
            }
            let shares = try await session.query("SELECT user_id FROM submission_shares WHERE submission_id = \(bind: id.description)")
            return try Self.submission(row, sharedWith: Set(shares.map { try $0.id("user_id") }))
        }
    }

    /// Shares a submission with another user (a peer reviewer).
    public func share(_ submission: SubmissionID, with user: UserID) async throws {
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO submission_shares (submission_id, user_id) VALUES (\(bind: submission.description), \(bind: user.description))
                ON CONFLICT (submission_id, user_id) DO NOTHING
                """)
        }
    }

    /// Removes `learner`'s attempt `id` if processing found it unusable (status failed), with its
    /// media record; the upload that made it is forgotten too. - Returns: whether it was removed.
    public func removeFailedSubmission(_ id: SubmissionID, learner: UserID) async throws -> Bool {
        try await write { session in
            let removed = try await session.query(
                """
                DELETE FROM submissions WHERE id = \(bind: id.description) AND learner_id = \(bind: learner.description) AND status = 'failed'
                RETURNING id
                """)
            guard !removed.isEmpty else { return false }
            _ = try await session.query("DELETE FROM uploads WHERE submission_id = \(bind: id.description)")
            return true
        }
    }

    /// Submissions within `scope` and `filter`, newest first. `sharedWith` is not filled in lists.
    public func submissions(scope: ListScope, filter: SubmissionFilter = .init(), page: PageRequest) async throws -> Page<Submission> {
        var filters: [SQLStatement] = []
        switch scope {
        case .nothing: return Page(items: [], next: nil)
        case .everything: break
        case .reach(let reach):
            let me = reach.user.description
            // Learners of a cohort the actor trains, for an exercise assigned to that cohort.
            let trained: SQLStatement =
                reach.trains.isEmpty
                ? ""
                : """
                 OR EXISTS (SELECT 1 FROM memberships m JOIN exercise_cohorts ec ON ec.cohort_id = m.cohort_id
                    WHERE m.user_id = submissions.learner_id AND m.part = 'learner' AND ec.exercise_id = submissions.exercise_id
                    AND \(SQLStatement.isIn("m.cohort_id", reach.trains)))
                """
            // Someone else's private practice take is never listed; one for the trainers alone not to its peers.
            filters.append(
                """
                (submissions.learner_id = \(bind: me)
                 OR (submissions.audience <> 'private'
                     AND ((submissions.audience <> 'trainers'
                           AND submissions.id IN (SELECT submission_id FROM submission_shares WHERE user_id = \(bind: me)))\(trained))))
                """)
        }
        if let exercise = filter.exercise { filters.append("submissions.exercise_id = \(bind: exercise.description)") }
        if let learner = filter.learner { filters.append("submissions.learner_id = \(bind: learner.description)") }
        if let status = filter.status { filters.append("submissions.status = \(bind: status.rawValue)") }
        return try await self.page(
            "SELECT \(raw: Self.submissionColumns) FROM submissions", table: "submissions", filters: filters,
            request: page
        ) { try Self.submission($0, sharedWith: []) }
    }

    static let submissionColumns = """
        submissions.id, submissions.learner_id, submissions.exercise_id, submissions.attempt, submissions.status,
        submissions.scaffold_level, submissions.failure_reason, submissions.created_at, submissions.audience,
        submissions.library_approved_at, submissions.shares_feedback, submissions.purpose, submissions.shared_with_manager
        """

    static func submission(_ row: SQLRow, sharedWith: Set<UserID>) throws -> Submission {
        guard let status = Submission.Status(rawValue: try row.string("status")) else {
            throw StoreError.corrupt("submission status \(row["status"])")
        }
        guard let audience = Audience(rawValue: try row.string("audience")) else {
            throw StoreError.corrupt("submission audience \(row["audience"])")
        }
        do {
            return try Submission(
                id: row.id("id"), learnerID: row.id("learner_id"), exerciseID: row.id("exercise_id"),
                attempt: Int(row.int("attempt")), status: status, scaffoldLevel: Int(row.int("scaffold_level")),
                failureReason: row.optionalString("failure_reason"), sharedWith: sharedWith, audience: audience,
                libraryApprovedAt: row.optionalDate("library_approved_at"), sharesFeedback: row.bool("shares_feedback"),
                purpose: AttemptPurpose(rawValue: row.string("purpose")) ?? .practice, sharedWithManager: row.bool("shared_with_manager"),
                createdAt: row.date("created_at"))
        } catch let error as ValidationError {
            throw StoreError.corrupt("submission \(try row.string("id")): \(error)")
        }
    }
}
