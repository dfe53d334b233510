import Foundation
import SteigerCore

extension Store {
    // MARK: - Transfer to the job

    /// Gives `learner` the transfer task a withdrawal calls for under its exercise's settings
    /// (``TransferPlan/afterWithdrawal(_:learner:settings:hasOpen:)``), in `session`.
    static func assignTransfer(after transition: ScaffoldTransition, learner: UserID, in session: any DatabaseSession) async throws {
        guard transition.rule == .withdrawal,
            let row = try await session.query("SELECT review_settings FROM exercises WHERE id = \(bind: transition.exerciseID.description)").first
        else { return }
        let settings = try row.json("review_settings", as: ReviewSettings.self)
        guard settings.transferAfterWithdrawal else { return }
        let open = try await hasOpenTransfer(learner: learner, exercise: transition.exerciseID, in: session)
        if let task = TransferPlan.afterWithdrawal(transition, learner: learner, settings: settings, hasOpen: open) {
            try await insert(task, in: session)
        }
    }

    /// Gives every learner the transfer task their exercises' schedules call for at `now`
    /// (``TransferPlan/scheduled(settings:firstReviewed:lastTask:hasOpen:now:)``): those still
    /// learners in one of the exercise's cohorts, with an account not disabled. - Returns: how many.
    @discardableResult
    public func assignScheduledTransfers(now: Date = Date()) async throws -> Int {
        let scheduled = try await read { session in
            try await session.query("SELECT \(raw: Self.exerciseColumns) FROM exercises").map { try Self.exercise($0, cohorts: []) }
        }.filter { $0.review.transferEveryDays != nil }
        var made = 0
        for exercise in scheduled {
            made += try await write { session in
                var count = 0
                // Each learner who had an attempt at it reviewed: their first review, their last task, whether one is open.
                for row in try await session.query(
                    """
                    SELECT s.learner_id, MIN(r.submitted_at) AS first_reviewed,
                        (SELECT MAX(t.created_at) FROM transfer_tasks t WHERE t.learner_id = s.learner_id AND t.exercise_id = s.exercise_id) AS last_task,
                        (SELECT COUNT(*) FROM transfer_tasks t WHERE t.learner_id = s.learner_id AND t.exercise_id = s.exercise_id
                            AND t.reported_at IS NULL) AS open_tasks
                    FROM submissions s JOIN reviews r ON r.submission_id = s.id AND r.kind = 'trainer'
                    JOIN users u ON u.id = s.learner_id AND u.disabled = \(bind: false)
                    WHERE s.exercise_id = \(bind: exercise.id.description)
                      AND EXISTS (SELECT 1 FROM exercise_cohorts ec
                                  JOIN memberships m ON m.cohort_id = ec.cohort_id AND m.user_id = s.learner_id AND m.part = 'learner'
                                  WHERE ec.exercise_id = s.exercise_id)
                    GROUP BY s.learner_id, s.exercise_id
                    """)
                {
                    let learner: UserID = try row.id("learner_id")
                    guard
                        TransferPlan.scheduled(
                            settings: exercise.review, firstReviewed: try row.optionalDate("first_reviewed"),
                            lastTask: try row.optionalDate("last_task"),
                            hasOpen: try row.int("open_tasks") > 0, now: now)
                    else { continue }
                    try await Self.insert(
                        TransferTask(
                            learnerID: learner, exerciseID: exercise.id, cause: .schedule, prompt: exercise.review.transferPrompt, createdAt: now,
                            dueAt: now.addingTimeInterval(Double(TransferPlan.daysToReport) * 86_400)), in: session)
                    count += 1
                }
                return count
            }
        }
        return made
    }

    private static func hasOpenTransfer(learner: UserID, exercise: ExerciseID, in session: any DatabaseSession) async throws -> Bool {
        try await session.query(
            """
            SELECT 1 AS open FROM transfer_tasks
            WHERE learner_id = \(bind: learner.description) AND exercise_id = \(bind: exercise.description) AND reported_at IS NULL
            """
        ).first != nil
    }

    private static func insert(_ task: TransferTask, in session: any DatabaseSession) async throws {
        _ = try await session.query(
            """
            INSERT INTO transfer_tasks (id, learner_id, exercise_id, cause, level, prompt, created_at, due_at)
            VALUES (\(bind: task.id.description), \(bind: task.learnerID.description), \(bind: task.exerciseID.description),
                    \(bind: task.cause.rawValue), \(bind: task.level), \(bind: task.prompt), \(bind: task.createdAt), \(bind: task.dueAt))
            """)
        try await record(event(.transferAssigned, task, at: task.createdAt, by: nil), in: session)
    }

    private static func event(
        _ kind: DomainEvent.Kind, _ task: TransferTask, at: Date, by actor: UserID?, data: [String: String] = [:]
    )
        -> DomainEvent
    {
        DomainEvent(
            kind, at: at, by: actor,
            subjects: ["transfer": task.id.description, "learner": task.learnerID.description, "exercise": task.exerciseID.description],
            data: data)
    }

    /// A transfer task.
    public func transferTask(_ id: TransferTaskID) async throws -> TransferTask? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.transferColumns) FROM transfer_tasks WHERE id = \(bind: id.description)")
                .first.map(Self.transferTask)
        }
    }

    /// A learner's transfer tasks, newest first.
    public func transferTasks(of learner: UserID) async throws -> [TransferTask] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.transferColumns) FROM transfer_tasks WHERE learner_id = \(bind: learner.description)
                ORDER BY created_at DESC, id
                """
            ).map(Self.transferTask)
        }
    }

    /// The reported, unreviewed transfer tasks of `learners`, oldest report first.
    public func transferReportsToReview(learners: Set<UserID>) async throws -> [TransferTask] {
        guard !learners.isEmpty else { return [] }
        return try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.transferColumns) FROM transfer_tasks
                WHERE reported_at IS NOT NULL AND reviewed_at IS NULL AND \(SQLStatement.isIn("learner_id", learners))
                ORDER BY reported_at, id
                """
            ).map(Self.transferTask)
        }
    }

    /// Stores a learner's report on an open task. - Throws: ``StoreError/refused(_:)`` (`reviewDone`) once reported.
    public func reportTransfer(_ task: TransferTask, _ report: TransferReport) async throws {
        try await write { session in
            guard
                try await session.query(
                    """
                    UPDATE transfer_tasks SET report_text = \(bind: report.text), reported_at = \(bind: report.at)
                    WHERE id = \(bind: task.id.description) AND reported_at IS NULL RETURNING id
                    """
                ).first != nil
            else { throw StoreError.refused(.reviewDone) }
            try await Self.record(Self.event(.transferReported, task, at: report.at, by: task.learnerID), in: session)
        }
    }

    /// Stores the review of a reported task. - Throws: ``StoreError/refused(_:)`` (`reviewDone`) once reviewed.
    public func reviewTransfer(_ task: TransferTask, _ review: TransferReview) async throws {
        let scores = try Self.jsonText(review.scores), result = try Self.jsonText(review.result)
        try await write { session in
            guard
                try await session.query(
                    """
                    UPDATE transfer_tasks SET reviewer_id = \(bind: review.reviewerID.description), scores = \(bind: scores),
                        comment = \(bind: review.comment), result = \(bind: result), reviewed_at = \(bind: review.at)
                    WHERE id = \(bind: task.id.description) AND reported_at IS NOT NULL AND reviewed_at IS NULL RETURNING id
                    """
                ).first != nil
            else { throw StoreError.refused(.reviewDone) }
            try await Self.record(
                Self.event(.transferReviewed, task, at: review.at, by: review.reviewerID, data: ["total": String(review.result.total)]),
                in: session)
        }
    }

    static let transferColumns =
        "id, learner_id, exercise_id, cause, level, prompt, created_at, due_at, report_text, reported_at, reviewer_id, scores, comment, result, reviewed_at"

    @Sendable static func transferTask(_ row: SQLRow) throws -> TransferTask {
        var report: TransferReport?
        if let text = try row.optionalString("report_text"), let at = try row.optionalDate("reported_at") {
            report = TransferReport(stored: text, at: at)
        }
        var review: TransferReview?
        if let reviewer = try row.optionalString("reviewer_id").flatMap(UserID.init), let at = try row.optionalDate("reviewed_at") {
            review = TransferReview(
                stored: reviewer, scores: try row.json("scores", as: [String: Int].self), comment: try row.optionalString("comment") ?? "",
                result: try row.json("result", as: Rubric.Result.self), at: at)
        }
        return TransferTask(
            id: try row.id("id"), learnerID: try row.id("learner_id"), exerciseID: try row.id("exercise_id"),
            cause: TransferTask.Cause(rawValue: try row.string("cause")) ?? .schedule, level: try row.optionalInt("level").map(Int.init),
            prompt: try row.string("prompt"), createdAt: try row.date("created_at"), dueAt: try row.date("due_at"), report: report,
            review: review)
    }
}
