import Foundation
import SteigerCore
import SteigerStore

/// Transfer to the job: learners asked to try a skill at work report on it; the trainers of
/// their cohort and their managers review the report with the exercise's rubric.
public struct Transfers: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    /// A task with what its pages show.
    public struct Entry: Sendable {
        public var task: TransferTask
        public var exercise: Exercise
        public var learner: User
        /// Who reviewed the report, by name (nil: not yet).
        public var reviewerName: String?
        /// Whether the reader may write the report now, or review it now.
        public var mayReport: Bool
        public var mayReview: Bool
        /// What the policy decided on, kept so a change to the task asks it again without reading the people twice.
        let resource: Resource
    }

    /// `actor`'s own tasks, newest first, with their exercises (without those reviewed already, when `reviewed` is false).
    public func mine(_ actor: Actor, reviewed: Bool = true) async throws -> [Entry] {
        var entries: [Entry] = []
        for task in try await store.transferTasks(of: actor.user.id) where reviewed || task.status != .reviewed {
            entries.append(try await entry(actor, task))
        }
        return entries
    }

    /// One task, for its learner, the trainers who train them in the exercise and their managers.
    /// - Throws: not found for anyone else.
    public func task(_ actor: Actor, _ id: TransferTaskID) async throws -> Entry {
        guard let task = try await store.transferTask(id) else { throw AppError.notFound(.transferTask) }
        return try await entry(actor, task)
    }

    /// The reports waiting for `actor`'s review: of the learners they train in the exercise, and of their people.
    public func toReview(_ actor: Actor) async throws -> [Entry] {
        var learners = actor.team.filter { actor.manages($0) }
        for cohort in actor.trainedCohorts { learners.formUnion(try await store.activeLearners(in: cohort)) }
        var entries: [Entry] = []
        for task in try await store.transferReportsToReview(learners: learners) {
            if let entry = try? await entry(actor, task), entry.mayReview { entries.append(entry) }
        }
        return entries
    }

    /// The learner's report of task `id`: what they did at work and how it went.
    /// - Throws: not found for anyone else's; ``ProblemKind/reviewDone`` once reported; invalid text.
    public func report(_ actor: Actor, _ id: TransferTaskID, text: String) async throws -> Entry {
        let entry = try await task(actor, id)
        try AccessPolicy.require(actor, .update, entry.resource, .transferTask)
        guard entry.task.report == nil else { throw AppError(.reviewDone) }
        try await store.reportTransfer(entry.task, try TransferReport(text: text, at: now()))
        return try await task(actor, id)
    }

    /// Reviews a reported task with the exercise's rubric.
    /// - Throws: not found or not allowed by the policy; ``ProblemKind/notReady`` before the
    ///   report; ``ProblemKind/reviewDone`` once reviewed; invalid scores.
    public func review(_ actor: Actor, _ id: TransferTaskID, scores: [String: Int], comment: String?) async throws -> Entry {
        let entry = try await task(actor, id)
        try AccessPolicy.require(actor, .review, entry.resource, .transferTask)
        guard entry.task.report != nil else { throw AppError(.notReady) }
        guard entry.task.review == nil else { throw AppError(.reviewDone) }
        let review = try TransferReview(reviewerID: actor.user.id, scores: scores, comment: comment ?? "", rubric: entry.exercise.rubric, at: now())
        try await store.reviewTransfer(entry.task, review)
        return try await task(actor, id)
    }

    private func entry(_ actor: Actor, _ task: TransferTask) async throws -> Entry {
        guard let exercise = try await store.exercise(task.exerciseID), let learner = try await store.user(task.learnerID) else {
            throw AppError.notFound(.transferTask)
        }
        let resource = Resource.transferTask(task, exercise: exercise, learnerMemberships: try await store.memberships(of: task.learnerID))
        try AccessPolicy.require(actor, .view, resource, .transferTask)
        let reviewer = try await task.review.asyncMap { try await store.user($0.reviewerID) }
        return Entry(
            task: task, exercise: exercise, learner: learner, reviewerName: reviewer??.displayName,
            mayReport: task.report == nil && AccessPolicy.decide(actor, .update, resource) == .allow,
            mayReview: task.report != nil && task.review == nil && AccessPolicy.decide(actor, .review, resource) == .allow, resource: resource)
    }
}
