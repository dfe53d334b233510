import Foundation
import SteigerCore

extension Store {
    // MARK: - Review tasks

    /// Adds review tasks (all in one transaction), recording `review_task.assigned` for those
    /// given to someone and `review_task.queued` for a trainer task put in its cohort's pool.
    public func createReviewTasks(_ tasks: [ReviewTask], now: Date = Date()) async throws {
        try await write { session in try await Self.insert(tasks, now: now, in: session) }
    }

    /// Adds review tasks in `session` (see ``createReviewTasks(_:now:)``).
    static func insert(_ tasks: [ReviewTask], now: Date, in session: any DatabaseSession) async throws {
        for task in tasks {
            _ = try await session.query(
                """
                INSERT INTO review_tasks (id, submission_id, cohort_id, kind, status, assignee, due_at, lease_expires, reviews_so_far,
                                          due_sort, created_at, updated_at, learner_id)
                VALUES (\(bind: task.id.description), \(bind: task.submissionID.description), \(bind: task.cohortID.description),
                        \(bind: task.kind.rawValue), \(bind: task.status.rawValue), \(bind: task.assignee?.description), \(bind: task.dueAt),
                        \(bind: task.leaseExpires), \(bind: task.reviewsSoFar), \(bind: task.dueAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? Self.noDueTime), \(bind: task.createdAt),
                        \(bind: now), (SELECT s.learner_id FROM submissions s WHERE s.id = \(bind: task.submissionID.description)))
                """)
            if task.kind == .peer, let peer = task.assignee {
                // An assigned peer may see the attempt (the access policy's `sharedWith`).
                _ = try await session.query(
                    """
                    INSERT INTO submission_shares (submission_id, user_id) VALUES (\(bind: task.submissionID.description), \(bind: peer.description))
                    ON CONFLICT (submission_id, user_id) DO NOTHING
                    """)
            }
            if task.assignee != nil {
                try await Self.record(Self.assigned(task, at: now, by: nil), in: session)
            } else if task.kind == .trainer {
                var event = Self.assigned(task, at: now, by: nil)
                event.kind = .reviewTaskQueued
                try await Self.record(event, in: session)
            }
        }
    }

    /// Hands `reviewer` the next trainer task from the pools of `cohorts`: open, or claimed by
    /// someone whose lease ran out; ordered by due time (none last), fewest reviews so far, oldest.
    /// The task is held until `now + lease`. On PostgreSQL the candidate row is locked with
    /// `FOR UPDATE SKIP LOCKED`, so concurrent trainers never get the same task.
    public func claimReviewTask(reviewer: UserID, cohorts: Set<CohortID>, lease: TimeInterval, now: Date = Date()) async throws -> ReviewTask? {
        guard !cohorts.isEmpty else { return nil }
        return try await write { session in
            // Holds that ran out go back to the pool first (the holder is kept, so their late
            // submit can be told why it is refused).
            _ = try await session.query(
                """
                UPDATE review_tasks SET status = 'open', updated_at = \(bind: now)
                WHERE kind = 'trainer' AND status = 'claimed' AND lease_expires <= \(bind: now) AND \(SQLStatement.isIn("cohort_id", cohorts))
                """)
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
            let claimed = try await session.query(
                """
                UPDATE review_tasks SET status = 'claimed', assignee = \(bind: reviewer.description),
                    lease_expires = \(bind: now.addingTimeInterval(lease)), updated_at = \(bind: now)
                WHERE id = (SELECT id FROM review_tasks
                            WHERE kind = 'trainer' AND status = 'open' AND \(SQLStatement.isIn("cohort_id", cohorts))
                              AND NOT EXISTS (SELECT 1 FROM review_tasks s WHERE s.submission_id = review_tasks.submission_id
                                              AND s.kind = 'self' AND s.status <> 'done')
                            ORDER BY due_sort, reviews_so_far, created_at, id
                            LIMIT 1\(lock))
                RETURNING \(raw: Self.reviewTaskColumns)
                """
            ).first.map(Self.reviewTask)
            if let claimed { try await Self.record(Self.assigned(claimed, at: now, by: reviewer), in: session) }
            return claimed
        }
    }

    /// Hands `reviewer` one particular trainer task: open, or held by someone whose lease ran out,
    /// is held for `reviewer` until `now + lease`; one `reviewer` holds already is returned as it is.
    /// - Throws: ``StoreError/refused(_:)`` `.reviewDone` once reviewed, `.heldElsewhere` while another
    ///   trainer holds it, `.notHoldable` for a peer or self review.
    public func claimReviewTask(_ id: ReviewTaskID, reviewer: UserID, lease: TimeInterval, now: Date = Date()) async throws -> ReviewTask {
        try await write { session in
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE" : ""
            guard
                let row = try await session.query("SELECT \(raw: Self.reviewTaskColumns) FROM review_tasks WHERE id = \(bind: id.description)\(lock)")
                    .first
            else { throw StoreError.notFound("review task \(id)") }
            let task = try Self.reviewTask(row)
            guard task.kind == .trainer else { throw StoreError.refused(.notHoldable) }
            guard task.status != .done else { throw StoreError.refused(.reviewDone) }
            switch task.holder(at: now) {
            case reviewer: return task
            case .some: throw StoreError.refused(.heldElsewhere)
            case nil: break
            }
            guard
                let claimed = try await session.query(
                    """
                    UPDATE review_tasks SET status = 'claimed', assignee = \(bind: reviewer.description),
                        lease_expires = \(bind: now.addingTimeInterval(lease)), updated_at = \(bind: now)
                    WHERE id = \(bind: id.description) RETURNING \(raw: Self.reviewTaskColumns)
                    """
                ).first.map(Self.reviewTask)
            else { throw StoreError.notFound("review task \(id)") }
            try await Self.record(Self.assigned(claimed, at: now, by: reviewer), in: session)
            return claimed
        }
    }

    /// `review_task.assigned` for `task`, now held by or made for its assignee.
    static func assigned(_ task: ReviewTask, at now: Date, by actor: UserID?) -> DomainEvent {
        var subjects = ["task": task.id.description, "submission": task.submissionID.description, "cohort": task.cohortID.description]
        subjects["assignee"] = task.assignee?.description
        var data = ["kind": task.kind.rawValue]
        data["dueAt"] = task.dueAt.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) }
        return DomainEvent(.reviewTaskAssigned, at: now, by: actor, subjects: subjects, data: data)
    }

    /// Records `review_task.due_soon` for every task not done that falls due within `soon` and
    /// `review_task.overdue` for every one past its due time, each once per task (a task already
    /// overdue when first seen gets only the overdue event), and `review_task.hold_expiring` for
    /// every trainer's hold that runs out within `holdWarning`, once per hold (a renewed hold is a
    /// new one). Returns how many events it recorded.
    @discardableResult
    public func noteReviewDeadlines(now: Date = Date(), soon: TimeInterval = 24 * 3600, holdWarning: TimeInterval = 5 * 60) async throws -> Int {
        try await write { session in
            let overdue = try await session.query(
                """
                UPDATE review_tasks SET overdue_noted = 1, due_soon_noted = 1
                WHERE status <> 'done' AND overdue_noted = 0 AND due_at IS NOT NULL AND due_at <= \(bind: now)
                RETURNING \(raw: Self.reviewTaskColumns)
                """
            ).map(Self.reviewTask)
            let dueSoon = try await session.query(
                """
                UPDATE review_tasks SET due_soon_noted = 1
                WHERE status <> 'done' AND due_soon_noted = 0 AND due_at IS NOT NULL AND due_at <= \(bind: now.addingTimeInterval(soon))
                RETURNING \(raw: Self.reviewTaskColumns)
                """
            ).map(Self.reviewTask)
            for (kind, tasks) in [(DomainEvent.Kind.reviewTaskOverdue, overdue), (.reviewTaskDueSoon, dueSoon)] {
                for task in tasks.sorted(by: { ($0.dueAt ?? now, $0.id.description) < ($1.dueAt ?? now, $1.id.description) }) {
                    var event = Self.assigned(task, at: now, by: nil)
                    event.kind = kind
                    try await Self.record(event, in: session)
                }
            }
            // Only trainers hold tasks; naming the kind lets the lease index (kind, status, lease_expires) serve.
            let expiring = try await session.query(
                """
                UPDATE review_tasks SET hold_warned_until = lease_expires
                WHERE kind = 'trainer' AND status = 'claimed' AND lease_expires > \(bind: now) AND lease_expires <= \(bind: now.addingTimeInterval(holdWarning))
                  AND (hold_warned_until IS NULL OR hold_warned_until <> lease_expires)
                RETURNING \(raw: Self.reviewTaskColumns)
                """
            ).map(Self.reviewTask)
            for task in expiring.sorted(by: { $0.id.description < $1.id.description }) {
                var event = Self.assigned(task, at: now, by: nil)
                event.kind = .reviewTaskHoldExpiring
                event.data["expires"] = task.leaseExpires.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) }
                try await Self.record(event, in: session)
            }
            return overdue.count + dueSoon.count + expiring.count
        }
    }

    /// The sort key of tasks without a due time: after every real one.
    static let noDueTime: Int64 = 9_000_000_000_000_000

    /// Extends `reviewer`'s hold on a task. - Throws: ``StoreError/refused(_:)`` saying why when
    /// the hold already ran out or is someone else's.
    @discardableResult
    public func renewReviewTask(_ id: ReviewTaskID, reviewer: UserID, lease: TimeInterval, now: Date = Date()) async throws -> ReviewTask {
        try await write { session in
            try await Self.requireHold(id, reviewer: reviewer, now: now, trainerOnly: true, in: session)
            guard
                let row = try await session.query(
                    """
                    UPDATE review_tasks SET lease_expires = \(bind: now.addingTimeInterval(lease)), updated_at = \(bind: now)
                    WHERE id = \(bind: id.description) RETURNING \(raw: Self.reviewTaskColumns)
                    """
                ).first
            else { throw StoreError.notFound("review task \(id)") }
            return try Self.reviewTask(row)
        }
    }

    /// Gives a claimed task back to the pool.
    public func releaseReviewTask(_ id: ReviewTaskID, reviewer: UserID, now: Date = Date()) async throws {
        try await write { session in
            try await Self.requireHold(id, reviewer: reviewer, now: now, trainerOnly: true, in: session)
            _ = try await session.query(
                """
                UPDATE review_tasks SET status = 'open', assignee = NULL, lease_expires = NULL, updated_at = \(bind: now)
                WHERE id = \(bind: id.description)
                """)
        }
    }

    /// Marks a task done by `reviewer` (the trainer holding it, or the assigned peer or author),
    /// and counts the review on the submission's other tasks.
    /// - Throws: ``StoreError/refused(_:)`` with a message for the reviewer when their hold ran out.
    @discardableResult
    public func completeReviewTask(_ id: ReviewTaskID, reviewer: UserID, now: Date = Date()) async throws -> ReviewTask {
        try await write { session in
            let task = try await Self.requireHold(id, reviewer: reviewer, now: now, in: session)
            _ = try await session.query(
                """
                UPDATE review_tasks SET reviews_so_far = reviews_so_far + 1, updated_at = \(bind: now)
                WHERE submission_id = \(bind: task.submissionID.description) AND id <> \(bind: id.description)
                """)
            guard
                let row = try await session.query(
                    """
                    UPDATE review_tasks SET status = 'done', lease_expires = NULL, done_at = \(bind: now), updated_at = \(bind: now),
                        reviews_so_far = reviews_so_far + 1
                    WHERE id = \(bind: id.description) RETURNING \(raw: Self.reviewTaskColumns)
                    """
                ).first
            else { throw StoreError.notFound("review task \(id)") }
            return try Self.reviewTask(row)
        }
    }

    /// Submits a review: completes its task (refused once a trainer's hold ran out), stores the
    /// review, marks the submission reviewed after a trainer review, appends it to the learner's
    /// scaffolding log (which may move their level) and records `review.submitted` (and any
    /// change of level) in the outbox — all in one transaction.
    public func submitReview(_ review: Review, now: Date = Date()) async throws {
        let scores = try Self.jsonText(review.scores), result = try Self.jsonText(review.result)
        try await write { session in
            let task = try await Self.requireHold(review.taskID, reviewer: review.reviewerID, now: now, in: session)
            _ = try await session.query(
                """
                UPDATE review_tasks SET reviews_so_far = reviews_so_far + 1, updated_at = \(bind: now)
                WHERE submission_id = \(bind: task.submissionID.description)
                """)
            _ = try await session.query(
                """
                UPDATE review_tasks SET status = 'done', lease_expires = NULL, done_at = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: task.id.description)
                """)
            _ = try await session.query(
                """
                INSERT INTO reviews (id, task_id, submission_id, reviewer_id, kind, scores, comment, total, lowest, result, submitted_at)
                VALUES (\(bind: review.id.description), \(bind: task.id.description), \(bind: task.submissionID.description),
                        \(bind: review.reviewerID.description), \(bind: task.kind.rawValue), \(bind: scores), \(bind: review.comment),
                        \(bind: review.result.total), \(bind: review.result.lowest), \(bind: result), \(bind: review.submittedAt))
                """)
            let (learner, exercise) = try await Self.recordAssessment(review, in: session)
            let turnaround = DashboardTally.turnaround(kind: task.kind, exerciseID: exercise, ready: task.createdAt, reviewed: review.submittedAt)
            try await Self.tally([task.cohortID.description: [turnaround: 1]], in: session)
            if task.kind == .trainer {
                _ = try await session.query(
                    """
                    UPDATE submissions SET status = 'reviewed', updated_at = \(bind: now)
                    WHERE id = \(bind: task.submissionID.description) AND status = 'ready'
                    """)
            }
            try await Self.record(
                DomainEvent(
                    .reviewSubmitted, at: review.submittedAt, by: review.reviewerID,
                    subjects: [
                        "review": review.id.description, "task": task.id.description, "submission": task.submissionID.description,
                        "cohort": task.cohortID.description, "learner": learner.description,
                    ],
                    data: ["kind": task.kind.rawValue, "total": String(review.result.total)]), in: session)
        }
    }

    /// Replaces a sent review's scores and comment with `review`'s (its reviewer's change), keeping
    /// the version it replaces, and gives the learner's log the corrected scores (which may move
    /// their level; a level it moves is recorded in the outbox) — all in one transaction.
    /// - Throws: ``StoreError/refused(_:)`` `.reviewLocked` when the review is not `review.reviewerID`'s.
    public func reviseReview(_ review: Review, now: Date = Date()) async throws {
        let scores = try Self.jsonText(review.scores), result = try Self.jsonText(review.result)
        try await write { session in
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE" : ""
            guard
                let current = try await session.query(
                    "SELECT reviewer_id, scores, comment, result FROM reviews WHERE id = \(bind: review.id.description)\(lock)"
                ).first
            else { throw StoreError.notFound("review \(review.id)") }
            guard try current.string("reviewer_id") == review.reviewerID.description else { throw StoreError.refused(.reviewLocked) }
            let version =
                try await session.query("SELECT COUNT(*) AS n FROM review_versions WHERE review_id = \(bind: review.id.description)").first?
                .int("n") ?? 0
            _ = try await session.query(
                """
                INSERT INTO review_versions (review_id, version, scores, comment, result, replaced_at)
                VALUES (\(bind: review.id.description), \(bind: version + 1), \(bind: try current.string("scores")),
                        \(bind: try current.string("comment")), \(bind: try current.string("result")), \(bind: now))
                """)
            _ = try await session.query(
                """
                UPDATE reviews SET scores = \(bind: scores), comment = \(bind: review.comment), total = \(bind: review.result.total),
                    lowest = \(bind: review.result.lowest), result = \(bind: result), revised_at = \(bind: now)
                WHERE id = \(bind: review.id.description)
                """)
            _ = try await Self.recordAssessment(review, correction: now, in: session)
        }
    }

    /// The earlier versions of a review, oldest first.
    public func reviewVersions(_ id: ReviewID) async throws -> [Review.Version] {
        try await read { session in
            try await session.query(
                """
                SELECT scores, comment, result, replaced_at FROM review_versions WHERE review_id = \(bind: id.description) ORDER BY version
                """
            ).map { row in
                Review.Version(
                    scores: try row.json("scores", as: [String: Int].self), comment: try row.string("comment"),
                    result: try row.json("result", as: Rubric.Result.self), replacedAt: try row.date("replaced_at"))
            }
        }
    }

    /// Attempts of `cohorts` with their trainer task, newest first, narrowed by `filter`: the
    /// lists of a trainer's desk ("reviewed by me", "all attempts in my cohorts").
    public func attemptEntries(cohorts: Set<CohortID>, filter: AttemptFilter, now: Date = Date(), limit: Int = 200) async throws -> [AttemptEntry] {
        guard !cohorts.isEmpty else { return [] }
        var conditions: [SQLStatement] = ["t.kind = 'trainer'", SQLStatement.isIn("t.cohort_id", cohorts)]
        if let reviewer = filter.reviewer { conditions.append("r.reviewer_id = \(bind: reviewer.description)") }
        if let exercise = filter.exercise { conditions.append("s.exercise_id = \(bind: exercise.description)") }
        if let learner = filter.learner { conditions.append("s.learner_id = \(bind: learner.description)") }
        if let from = filter.from { conditions.append("s.created_at >= \(bind: from)") }
        if let until = filter.until { conditions.append("s.created_at < \(bind: until)") }
        switch filter.progress {
        case nil: break
        case .reviewed: conditions.append("t.status = 'done'")
        case .held: conditions.append("t.status = 'claimed' AND t.lease_expires > \(bind: now)")
        case .waiting: conditions.append("(t.status = 'open' OR (t.status = 'claimed' AND t.lease_expires <= \(bind: now)))")
        }
        let taskColumns = Self.reviewTaskColumns.split(separator: ",").map { "t.\($0.trimmingCharacters(in: .whitespaces))" }
        let condition = SQLStatement.joined(conditions, separator: " AND ")
        return try await read { session in
            try await session.query(
                """
                SELECT \(raw: taskColumns.joined(separator: ", ")), s.learner_id, s.exercise_id, s.attempt, s.status AS submission_status,
                    s.scaffold_level, s.failure_reason, s.created_at AS submission_created_at, e.title AS exercise_title,
                    l.display_name AS learner_name, a.display_name AS assignee_name, r.total, r.submitted_at
                FROM review_tasks t JOIN submissions s ON s.id = t.submission_id JOIN exercises e ON e.id = s.exercise_id
                    JOIN users l ON l.id = s.learner_id LEFT JOIN users a ON a.id = t.assignee LEFT JOIN reviews r ON r.task_id = t.id
                WHERE \(condition)
                ORDER BY s.created_at DESC, s.id LIMIT \(bind: limit)
                """
            ).map { row in
                let task = try Self.reviewTask(row)
                guard let status = Submission.Status(rawValue: try row.string("submission_status")) else {
                    throw StoreError.corrupt("submission status \(row["submission_status"])")
                }
                let submission = try Submission(
                    id: task.submissionID, learnerID: row.id("learner_id"), exerciseID: row.id("exercise_id"), attempt: Int(row.int("attempt")),
                    status: status, scaffoldLevel: Int(row.int("scaffold_level")), failureReason: row.optionalString("failure_reason"),
                    sharedWith: [], createdAt: row.date("submission_created_at"))
                return AttemptEntry(
                    submission: submission, task: task, exerciseTitle: try row.string("exercise_title"), learnerName: try row.string("learner_name"),
                    assigneeName: try row.optionalString("assignee_name"), total: try row.optionalDouble("total"),
                    reviewedAt: try row.optionalDate("submitted_at"))
            }
        }
    }

    /// The reviews of a submission, oldest first.
    public func reviews(of submission: SubmissionID) async throws -> [Review] {
        try await read { session in
            try await session.query(
                """
                SELECT r.id, r.task_id, r.reviewer_id, r.scores, r.comment, r.result, r.submitted_at, r.revised_at, t.submission_id, t.cohort_id, t.kind,
                       t.status, t.assignee, t.due_at, t.lease_expires, t.reviews_so_far, t.created_at
                FROM reviews r JOIN review_tasks t ON t.id = r.task_id
                WHERE r.submission_id = \(bind: submission.description) ORDER BY r.submitted_at, r.id
                """
            ).map(Self.review)
        }
    }

    /// Each of `learners`' last trainer review of an attempt at `exercise`.
    public func lastTrainerReviews(exercise: ExerciseID, learners: Set<UserID>) async throws -> [UserID: Review] {
        guard !learners.isEmpty else { return [:] }
        return try await read { session in
            var last: [UserID: Review] = [:]
            for row in try await session.query(
                """
                SELECT s.learner_id, r.id, r.task_id, r.reviewer_id, r.scores, r.comment, r.result, r.submitted_at, r.revised_at, t.submission_id,
                       t.cohort_id, t.kind, t.status, t.assignee, t.due_at, t.lease_expires, t.reviews_so_far, t.created_at
                FROM reviews r JOIN review_tasks t ON t.id = r.task_id JOIN submissions s ON s.id = r.submission_id
                WHERE s.exercise_id = \(bind: exercise.description) AND r.kind = 'trainer' AND \(SQLStatement.isIn("s.learner_id", learners))
                ORDER BY r.submitted_at, r.id
                """)
            {
                last[try row.id("learner_id")] = try Self.review(row)
            }
            return last
        }
    }

    /// A review from a row of its columns and its task's (as ``reviews(of:)`` selects them).
    static func review(_ row: SQLRow) throws -> Review {
        var task = try Self.reviewTask(row)
        task.id = try row.id("task_id")
        return Review.stored(
            id: try row.id("id"), task: task, reviewerID: try row.id("reviewer_id"), scores: try row.json("scores", as: [String: Int].self),
            comment: try row.string("comment"), result: try row.json("result", as: Rubric.Result.self), submittedAt: try row.date("submitted_at"),
            revisedAt: try row.optionalDate("revised_at"))
    }

    /// The enabled learners of a cohort (candidates for peer review), in a stable order.
    public func activeLearners(in cohort: CohortID) async throws -> [UserID] {
        try await read { session in
            try await session.query(
                """
                SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.cohort_id = \(bind: cohort.description) AND m.part = 'learner' AND u.disabled = 0 ORDER BY m.created_at, m.user_id
                """
            ).map { try $0.id("user_id") }
        }
    }

    /// One review task.
    public func reviewTask(_ id: ReviewTaskID) async throws -> ReviewTask? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.reviewTaskColumns) FROM review_tasks WHERE id = \(bind: id.description)").first.map(
                Self.reviewTask)
        }
    }

    /// The unfinished trainer tasks of `cohorts`, in queue order (due time, fewest reviews, oldest).
    public func reviewQueue(cohorts: Set<CohortID>, limit: Int = 200) async throws -> [ReviewTask] {
        guard !cohorts.isEmpty else { return [] }
        return try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.reviewTaskColumns) FROM review_tasks
                WHERE kind = 'trainer' AND status <> 'done' AND \(SQLStatement.isIn("cohort_id", cohorts))
                ORDER BY due_sort, reviews_so_far, created_at, id LIMIT \(bind: limit)
                """
            ).map(Self.reviewTask)
        }
    }

    /// The unfinished peer and self reviews assigned to `user`, oldest first.
    public func assignedReviewTasks(of user: UserID) async throws -> [ReviewTask] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.reviewTaskColumns) FROM review_tasks
                WHERE assignee = \(bind: user.description) AND kind <> 'trainer' AND status <> 'done' ORDER BY created_at, id
                """
            ).map(Self.reviewTask)
        }
    }

    /// ``reviewQueue(cohorts:limit:)`` with titles and names, in one query (for the pages).
    public func reviewQueueEntries(cohorts: Set<CohortID>, limit: Int = 200) async throws -> [ReviewTaskEntry] {
        guard !cohorts.isEmpty else { return [] }
        return try await entries(
            """
            t.kind = 'trainer' AND t.status <> 'done' AND \(SQLStatement.isIn("t.cohort_id", cohorts))
            ORDER BY t.due_sort, t.reviews_so_far, t.created_at, t.id LIMIT \(bind: limit)
            """)
    }

    /// ``assignedReviewTasks(of:)`` with titles and names, in one query (for the pages).
    public func assignedReviewTaskEntries(of user: UserID) async throws -> [ReviewTaskEntry] {
        try await entries(
            """
            t.assignee = \(bind: user.description) AND t.kind <> 'trainer' AND t.status <> 'done' ORDER BY t.created_at, t.id
            """)
    }

    private func entries(_ condition: SQLStatement) async throws -> [ReviewTaskEntry] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.reviewTaskColumns.split(separator: ",").map { "t.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")),
                    e.title AS exercise_title, l.display_name AS learner_name, a.display_name AS assignee_name
                FROM review_tasks t JOIN submissions s ON s.id = t.submission_id JOIN exercises e ON e.id = s.exercise_id
                    JOIN users l ON l.id = s.learner_id LEFT JOIN users a ON a.id = t.assignee
                WHERE \(condition)
                """
            ).map { row in
                ReviewTaskEntry(
                    task: try Self.reviewTask(row), exerciseTitle: try row.string("exercise_title"), learnerName: try row.string("learner_name"),
                    assigneeName: try row.optionalString("assignee_name"))
            }
        }
    }

    /// Every attempt at `exercise` by the learners of `cohort`, with its latest trainer review (if
    /// any), ordered by learner name and attempt: the rows of a cohort's score sheet.
    public func scoreSheet(cohort: CohortID, exercise: ExerciseID) async throws -> [(learner: User, submission: Submission, review: Review?)] {
        let rows = try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.userColumns), \(raw: Self.submissionColumns.replacingOccurrences(of: "submissions.id,", with: "submissions.id AS submission_id,")
                    .replacingOccurrences(of: "submissions.created_at", with: "submissions.created_at AS submission_created_at"))
                FROM submissions JOIN memberships m ON m.user_id = submissions.learner_id AND m.cohort_id = \(bind: cohort.description) AND m.part = 'learner'
                JOIN users ON users.id = submissions.learner_id
                WHERE submissions.exercise_id = \(bind: exercise.description) AND submissions.audience <> 'private'
                ORDER BY users.display_name, users.id, submissions.attempt
                """)
        }
        var sheet: [(learner: User, submission: Submission, review: Review?)] = []
        for row in rows {
            let learner = try Self.user(row)
            var submissionRow = row
            // The submission's columns under their own names (the user's id and creation time step aside).
            let renamed: [String: String] = [
                "submission_id": "id", "id": "user_id_", "created_at": "user_created_at_", "submission_created_at": "created_at",
            ]
            submissionRow = SQLRow(names: row.names.map { renamed[$0] ?? $0 }, values: row.values)
            let submission = try Self.submission(submissionRow, sharedWith: [])
            let review = try await reviews(of: submission.id).last { $0.kind == .trainer }
            sheet.append((learner, submission, review))
        }
        return sheet
    }

    /// The review tasks of a submission, oldest first.
    public func reviewTasks(of submission: SubmissionID) async throws -> [ReviewTask] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.reviewTaskColumns) FROM review_tasks WHERE submission_id = \(bind: submission.description) ORDER BY created_at, id
                """
            ).map(Self.reviewTask)
        }
    }

    /// What peer assignment needs of `cohort` for `exercise`: each learner's peer reviews given and
    /// received in the cohort, and their last trainer review's scores on the exercise (see ``PeerPool``).
    public func peerPool(in cohort: CohortID, exercise: Exercise) async throws -> PeerPool {
        try await read { session in
            let balances = try await Self.peerCounts(in: [cohort], session: session)
            // Each learner's last trainer review of an attempt at the exercise.
            var last: [UserID: [String: Double]] = [:]
            for row in try await session.query(
                """
                SELECT s.learner_id, r.result FROM reviews r JOIN submissions s ON s.id = r.submission_id
                JOIN memberships m ON m.user_id = s.learner_id AND m.cohort_id = \(bind: cohort.description) AND m.part = 'learner'
                WHERE s.exercise_id = \(bind: exercise.id.description) AND r.kind = 'trainer'
                ORDER BY r.submitted_at, r.id
                """)
            {
                last[try row.id("learner_id")] = try row.json("result", as: Rubric.Result.self).normalised
            }
            return PeerPool(
                balances: balances, lastScores: last, criteria: exercise.rubric.criteria.map(\.key), mastery: exercise.policy.masteryThreshold)
        }
    }

    /// What each person gave and received in peer review in `cohorts` (every cohort when nil),
    /// counted from the peer tasks' indexes; people with neither are absent.
    static func peerCounts(in cohorts: Set<CohortID>?, session: any DatabaseSession) async throws -> [UserID: PeerBalance] {
        let inCohorts: SQLStatement = cohorts.map { SQLStatement.isIn("cohort_id", $0) } ?? "1 = 1"
        // Grouped in the peer indexes' own order, so each is read once from end to end. Without
        // statistics SQLite would rather take `kind =` from the lease index and sort every task.
        func peerIndex(_ name: String) -> String { session.dialect == .sqlite ? " INDEXED BY \(name)" : "" }
        var balances: [UserID: PeerBalance] = [:]
        for row in try await session.query(
            """
            SELECT assignee AS person, COUNT(*) AS n, 'given' AS side FROM review_tasks\(raw: peerIndex("review_tasks_peer_given"))
            WHERE kind = 'peer' AND assignee IS NOT NULL AND \(inCohorts) GROUP BY cohort_id, assignee
            UNION ALL
            SELECT learner_id AS person, COUNT(*) AS n, 'received' AS side FROM review_tasks\(raw: peerIndex("review_tasks_peer_received"))
            WHERE kind = 'peer' AND \(inCohorts) GROUP BY cohort_id, learner_id
            """)
        {
            let person: UserID = try row.id("person")
            let count = Int(try row.int("n"))
            if try row.string("side") == "given" {
                balances[person, default: PeerBalance()].given += count
            } else {
                balances[person, default: PeerBalance()].received += count
            }
        }
        return balances
    }

    /// What `learner` gave and received in peer review, in every cohort.
    public func peerBalance(of learner: UserID) async throws -> PeerBalance {
        try await read { session in
            let given =
                try await session.query(
                    "SELECT COUNT(*) AS n FROM review_tasks WHERE kind = 'peer' AND assignee = \(bind: learner.description)"
                ).first?.int("n") ?? 0
            let received =
                try await session.query(
                    """
                    SELECT COUNT(*) AS n FROM review_tasks t JOIN submissions s ON s.id = t.submission_id
                    WHERE t.kind = 'peer' AND s.learner_id = \(bind: learner.description)
                    """
                ).first?.int("n") ?? 0
            return PeerBalance(given: Int(given), received: Int(received))
        }
    }

    /// The task if `reviewer` may act on it now; otherwise a conflict that says why.
    @discardableResult
    static func requireHold(
        _ id: ReviewTaskID, reviewer: UserID, now: Date, trainerOnly: Bool = false,
        in session: any DatabaseSession
    ) async throws -> ReviewTask {
        // Locked for the rest of the transaction on PostgreSQL, so a claim cannot slip in between.
        let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE" : ""
        guard let row = try await session.query("SELECT \(raw: reviewTaskColumns) FROM review_tasks WHERE id = \(bind: id.description)\(lock)").first
        else {
            throw StoreError.notFound("review task \(id)")
        }
        let task = try reviewTask(row)
        if task.status == .done { throw StoreError.refused(.reviewDone) }
        if trainerOnly, task.kind != .trainer {
            throw StoreError.refused(.notHoldable)
        }
        guard task.assignee == reviewer else {
            throw StoreError.refused(task.kind == .trainer ? .notHeld : .assignedElsewhere)
        }
        // Expired holds are reopened with their holder kept, so this says why.
        guard task.holder(at: now) == reviewer else { throw StoreError.refused(.holdExpired) }
        return task
    }

    static let reviewTaskColumns = "id, submission_id, cohort_id, kind, status, assignee, due_at, lease_expires, reviews_so_far, created_at"

    @Sendable static func reviewTask(_ row: SQLRow) throws -> ReviewTask {
        guard let kind = ReviewTask.Kind(rawValue: try row.string("kind")), let status = ReviewTask.Status(rawValue: try row.string("status")) else {
            throw StoreError.corrupt("review task \(row["id"])")
        }
        return ReviewTask(
            id: try row.id("id"), submissionID: try row.id("submission_id"), cohortID: try row.id("cohort_id"), kind: kind, status: status,
            assignee: try row.optionalString("assignee").flatMap(UserID.init), dueAt: try row.optionalDate("due_at"),
            leaseExpires: try row.optionalDate("lease_expires"), reviewsSoFar: Int(try row.int("reviews_so_far")),
            createdAt: try row.date("created_at"))
    }
}
