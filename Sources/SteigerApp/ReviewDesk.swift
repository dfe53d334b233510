import Foundation
import SteigerCore
import SteigerStore

/// The review desk: the trainers' queue and holds, the peer and self reviews people are given,
/// submitting a review, and a cohort's score sheet.
public struct ReviewDesk: Sendable {
    let store: Store
    let submissions: Submissions
    let lease: TimeInterval
    let editWindow: TimeInterval
    let now: @Sendable () -> Date

    init(store: Store, submissions: Submissions, settings: AppSettings) {
        self.store = store
        self.submissions = submissions
        lease = settings.reviewLease
        editWindow = settings.reviewEditWindow
        now = settings.now
    }

    /// A task with the names a person reads it by.
    public struct Entry: Sendable {
        public var task: ReviewTask
        public var exerciseTitle: String
        public var learnerName: String
        /// Who holds a trainer's task now, by name (nil: open).
        public var holderName: String?
    }

    /// A task being reviewed, or reviewed already, with what the review page shows.
    public struct Desk: Sendable {
        public var task: ReviewTask
        public var submission: Submission
        public var exercise: Exercise
        public var learner: User
        /// The review the actor sent on this task (nil: not sent yet).
        public var review: Review?
        /// Its earlier versions, oldest first.
        public var versions: [Review.Version] = []
        /// Until when the actor may change the sent review (nil: not sent, or no longer).
        public var editableUntil: Date?
    }

    /// Takes the next attempt to review from the pools of the cohorts `actor` trains, held for
    /// the lease. - Returns: nil when there is nothing to review. - Throws: ``ProblemKind/noQueue``.
    public func claim(_ actor: Actor) async throws -> ReviewTask? {
        try requireQueue(actor, .create)
        return try await store.claimReviewTask(reviewer: actor.user.id, cohorts: actor.trainedCohorts, lease: lease, now: now())
    }

    /// The unfinished trainer reviews of the cohorts `actor` trains, next first.
    public func queue(_ actor: Actor) async throws -> [ReviewTask] {
        try requireQueue(actor, .view)
        let trained = actor.trainedCohorts
        return trained.isEmpty ? [] : try await store.reviewQueue(cohorts: trained)
    }

    /// The queue with exercise titles and people's names.
    public func queueEntries(_ actor: Actor) async throws -> [Entry] {
        try requireQueue(actor, .view)
        return entries(try await store.reviewQueueEntries(cohorts: actor.trainedCohorts))
    }

    /// The peer and self reviews assigned to `actor`.
    public func assigned(_ actor: Actor) async throws -> [ReviewTask] {
        try await store.assignedReviewTasks(of: actor.user.id)
    }

    /// What `actor` gave and received in peer review.
    public func peerBalance(_ actor: Actor) async throws -> PeerBalance {
        try await store.peerBalance(of: actor.user.id)
    }

    /// The peer and self reviews assigned to `actor`, with titles and names.
    public func assignedEntries(_ actor: Actor) async throws -> [Entry] {
        entries(try await store.assignedReviewTaskEntries(of: actor.user.id))
    }

    /// The task `id`, if `actor` is (or was) its reviewer: the trainer holding it, the assigned
    /// peer, the author for a self review. Anyone else finds no such task.
    public func task(_ actor: Actor, _ id: ReviewTaskID, for action: Action = .view) async throws -> ReviewTask {
        guard let task = try await store.reviewTask(id) else { throw AppError.notFound(.reviewTask) }
        try AccessPolicy.require(actor, action, .reviewTask(task), .reviewTask)
        return task
    }

    /// The task `id` with what reviewing it needs, if `actor` holds it now and may review the
    /// attempt, or with the review `actor` sent on it (and until when they may change it).
    public func desk(_ actor: Actor, _ id: ReviewTaskID) async throws -> Desk {
        let task = try await task(actor, id)
        let sent = task.status == .done && task.assignee == actor.user.id
        guard sent || task.holder(at: now()) == actor.user.id else { throw AppError.notFound(.review) }
        let reached: Submissions.Reached
        do {
            reached = try await submissions.reach(actor, task.submissionID, for: sent ? .watch : .review)
        } catch is AppError {
            throw AppError.notFound(.review)
        }
        guard let learner = try await store.user(reached.submission.learnerID) else { throw AppError.notFound(.review) }
        var desk = Desk(task: task, submission: reached.submission, exercise: reached.exercise, learner: learner)
        if sent, let review = try await store.reviews(of: task.submissionID).first(where: { $0.taskID == task.id }) {
            desk.review = review
            desk.versions = try await store.reviewVersions(review.id)
            let until = review.submittedAt.addingTimeInterval(editWindow)
            desk.editableUntil = until > now() ? until : nil
        }
        return desk
    }

    /// Opens one particular attempt for `actor` to review: its trainer task in a cohort they
    /// train, held for them if nobody else holds it. A reviewed attempt's task is returned as it
    /// is (the page shows the review, changeable by its reviewer for a while).
    /// - Throws: not found for an attempt outside the cohorts `actor` trains;
    ///   ``ProblemKind/heldElsewhere`` (naming the trainer) while another trainer holds it.
    public func open(_ actor: Actor, attempt id: SubmissionID) async throws -> ReviewTask {
        try requireQueue(actor, .create)
        let trained = actor.trainedCohorts
        guard let task = try await store.reviewTasks(of: id).first(where: { $0.kind == .trainer && trained.contains($0.cohortID) }) else {
            throw AppError.notFound(.attempt)
        }
        if task.status == .done { return task }
        do {
            return try await store.claimReviewTask(task.id, reviewer: actor.user.id, lease: lease, now: now())
        } catch StoreError.refused(.heldElsewhere) {
            let holder = try await task.assignee.asyncMap { try await store.user($0) }
            throw AppError(.heldElsewhere, ["name": .text(holder??.displayName ?? "")])
        }
    }

    /// Changes the review `actor` sent on task `id`: new scores and comment, scored again; the
    /// earlier version is kept and the learner's levels follow the new scores.
    /// - Throws: ``ProblemKind/reviewLocked`` once ``AppSettings/reviewEditWindow`` has passed
    ///   since sending, or before anything was sent.
    public func revise(
        _ actor: Actor, _ id: ReviewTaskID, scores: [String: Int], comment: String?
    ) async throws -> (review: Review, rubric: Rubric) {
        let task = try await task(actor, id, for: .review)
        guard task.status == .done, task.assignee == actor.user.id,
            let review = try await store.reviews(of: task.submissionID).first(where: { $0.taskID == task.id && $0.reviewerID == actor.user.id })
        else { throw AppError(.reviewLocked) }
        let now = now()
        guard now < review.submittedAt.addingTimeInterval(editWindow) else { throw AppError(.reviewLocked) }
        guard let submission = try await store.submission(task.submissionID), let exercise = try await store.exercise(submission.exerciseID)
        else { throw AppError.notFound(.reviewTask) }
        let revised = try review.revised(scores: scores, comment: comment ?? "", rubric: exercise.rubric, at: now)
        try await store.reviseReview(revised, now: now)
        return (revised, exercise.rubric)
    }

    /// The enabled learners of the cohorts `actor` trains, by name (the choices of a list's filter).
    public func learners(_ actor: Actor) async throws -> [User] {
        try requireQueue(actor, .view)
        var found: [UserID: User] = [:]
        for cohort in actor.trainedCohorts {
            for id in try await store.activeLearners(in: cohort) where found[id] == nil { found[id] = try await store.user(id) }
        }
        return found.values.sorted { ($0.displayName, $0.id.description) < ($1.displayName, $1.id.description) }
    }

    /// The attempts of the cohorts `actor` trains with their trainer task, newest first,
    /// narrowed by `filter` ("reviewed by me" sets its reviewer to the actor).
    public func attempts(_ actor: Actor, _ filter: AttemptFilter) async throws -> [AttemptEntry] {
        try requireQueue(actor, .view)
        return try await store.attemptEntries(cohorts: actor.trainedCohorts, filter: filter, now: now())
    }

    /// Holds a claimed review for another lease. - Throws: ``ProblemKind/holdExpired`` and the other hold problems.
    public func renew(_ actor: Actor, _ id: ReviewTaskID) async throws -> ReviewTask {
        let task = try await task(actor, id, for: .update)
        return try await store.renewReviewTask(task.id, reviewer: actor.user.id, lease: lease, now: now())
    }

    /// Gives a claimed review back to the queue.
    public func release(_ actor: Actor, _ id: ReviewTaskID) async throws {
        let task = try await task(actor, id, for: .update)
        try await store.releaseReviewTask(task.id, reviewer: actor.user.id, now: now())
    }

    /// Submits the review: a score per rubric criterion and a comment (the total is computed).
    /// A self review is a reflection on the recording: at least one timed comment first.
    public func submit(
        _ actor: Actor, _ id: ReviewTaskID, scores: [String: Int], comment: String?
    ) async throws -> (review: Review, rubric: Rubric) {
        let task = try await task(actor, id, for: .review)
        guard let submission = try await store.submission(task.submissionID), let exercise = try await store.exercise(submission.exerciseID)
        else { throw AppError.notFound(.reviewTask) }
        if task.kind == .selfReview {
            let reflections = try await store.annotations(of: submission.id)
                .filter { $0.authorID == actor.user.id && $0.parentID == nil && !$0.isDeleted }
            if reflections.isEmpty { throw AppError.invalid("reflections", Message("validation.reflections")) }
        }
        let now = now()
        let review = try Review(
            task: task, reviewerID: actor.user.id, scores: scores, comment: comment ?? "", rubric: exercise.rubric, submittedAt: now)
        try await store.submitReview(review, now: now)
        return (review, exercise.rubric)
    }

    /// A cohort's score sheet for one exercise as CSV: one row per learner and attempt, with the
    /// latest trainer review's score per criterion and weighted total (trainers of the cohort,
    /// administrators). - Returns: a file name and the text.
    public func scoreSheet(_ actor: Actor, cohort: CohortID, exercise exerciseID: ExerciseID) async throws -> (name: String, csv: String) {
        guard let found = try await store.cohort(cohort) else { throw AppError.notFound(.cohort) }
        guard AccessPolicy.decide(actor, .view, .cohort(found)) == .allow else { throw AppError.notFound(.cohort) }
        guard AccessPolicy.decide(actor, .view, .scoreSheet(cohort: cohort)) == .allow else { throw AppError(.scoresTrainersOnly) }
        guard let exercise = try await store.exercise(exerciseID), exercise.cohorts.contains(cohort) else {
            throw AppError.notFound(.exerciseInThisCohort)
        }
        var lines = [
            (["learner", "email", "attempt", "submission", "submitted", "status", "reviewer", "reviewed"] + exercise.rubric.criteria.map(\.key)
                + ["total", "percent", "points", "possible", "passed"] + exercise.rubric.criteria.map { $0.key + " label" })
                .map(CSV.field).joined(separator: ",")
        ]
        var reviewers: [UserID: String] = [:]
        let iso = Date.ISO8601FormatStyle()
        for (learner, submission, review) in try await store.scoreSheet(cohort: cohort, exercise: exercise.id) {
            var reviewer = ""
            if let id = review?.reviewerID {
                if reviewers[id] == nil { reviewers[id] = try await store.user(id)?.displayName ?? "" }
                reviewer = reviewers[id] ?? ""
            }
            var fields = [
                learner.displayName, learner.email, String(submission.attempt), submission.id.description, submission.createdAt.formatted(iso),
                submission.status.rawValue, reviewer, review?.submittedAt.formatted(iso) ?? "",
            ]
            fields += exercise.rubric.criteria.map { criterion in review?.scores[criterion.key].map(String.init) ?? "" }
            fields.append(review.map { String(format: "%.4f", $0.result.total) } ?? "")
            // The same in words and points: the percentage, the points of the weights, whether it
            // reached the pass mark, and each criterion's step label.
            let breakdown = review.map { exercise.rubric.breakdown($0.scores) }
            fields += [
                review.map { String(Int(($0.result.total * 100).rounded())) } ?? "",
                breakdown.map { String(format: "%.1f", $0.points) } ?? "", breakdown.map { String(format: "%.1f", $0.possible) } ?? "",
                review.map { exercise.policy.passes(total: $0.result.total, lowest: $0.result.lowest) ? "yes" : "no" } ?? "",
            ]
            let labels = Dictionary(uniqueKeysWithValues: (breakdown?.lines ?? []).map { ($0.key, $0.label) })
            let firstLabel = fields.count
            fields += exercise.rubric.criteria.map { labels[$0.key] ?? "" }
            // Names, emails and labels are text a spreadsheet could run; the rest are numbers, ids and dates.
            lines.append(
                fields.enumerated().map { index, field in
                    index < 2 || index == 6 || index >= firstLabel ? CSV.textField(field) : CSV.field(field)
                }.joined(separator: ","))
        }
        return ("scores-\(exercise.skillKey).csv", lines.joined(separator: "\r\n") + "\r\n")
    }

    private func requireQueue(_ actor: Actor, _ action: Action) throws(AppError) {
        guard AccessPolicy.decide(actor, action, .reviewQueue) == .allow else { throw AppError(.noQueue) }
    }

    /// The entries as people read them: a trainer's task shows its holder only while the hold lasts.
    private func entries(_ rows: [ReviewTaskEntry]) -> [Entry] {
        let now = now()
        return rows.map { row in
            let held = row.task.kind == .trainer && row.task.holder(at: now) != nil
            return Entry(task: row.task, exerciseTitle: row.exerciseTitle, learnerName: row.learnerName, holderName: held ? row.assigneeName : nil)
        }
    }
}
