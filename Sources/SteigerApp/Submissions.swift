import Foundation
import SteigerCore
import SteigerStore

/// Attempts, their media and the feedback on them, as each person may see them.
public struct Submissions: Sendable {
    let store: Store

    /// An attempt with what deciding about it needs: its exercise and its learner's memberships.
    public struct Reached: Sendable {
        public var submission: Submission
        public var exercise: Exercise
        public var learnerMemberships: [Membership]
    }

    /// What a person may see of an attempt's feedback: the comments and reviews visible to them,
    /// with names as they should read them (peers anonymous to the learner when the exercise
    /// says so).
    public struct Feedback: Sendable {
        public var submission: Submission
        public var annotations: [Annotation]
        public var reviews: [Review]
        public var durationMilliseconds: Int?
        /// The exercise's rubric, to read the reviews' scores by.
        public var rubric: Rubric
        var names: [UserID: String]

        /// The name of a comment's author or a reviewer, as the reader should see it.
        public func name(_ id: UserID) -> String { names[id] ?? "Someone" }
    }

    /// The attempts `actor` may see (their own, those shared with them, and for trainers their
    /// cohorts' attempts), newest first.
    public func list(_ actor: Actor, filter: SubmissionFilter, page: PageRequest) async throws -> Page<Submission> {
        try await store.submissions(scope: AccessPolicy.listScope(for: actor), filter: filter, page: page)
    }

    /// The actor's own attempts at `exercise`, newest first (up to 200).
    public func attempts(_ actor: Actor, at exercise: ExerciseID) async throws -> [Submission] {
        try await store.submissions(
            scope: .everything, filter: SubmissionFilter(exercise: exercise, learner: actor.user.id), page: PageRequest(limit: 200)
        ).items
    }

    /// The attempt `id`, if `actor` may do `action` to it.
    public func reach(_ actor: Actor, _ id: SubmissionID, for action: Action = .view) async throws -> Reached {
        guard let submission = try await store.submission(id), let exercise = try await store.exercise(submission.exerciseID) else {
            throw AppError.notFound(.submission)
        }
        let memberships = try await store.memberships(of: submission.learnerID)
        try AccessPolicy.require(
            actor, action, .submission(submission, exercise: exercise, learnerMemberships: memberships), .submission)
        return Reached(submission: submission, exercise: exercise, learnerMemberships: memberships)
    }

    /// One of the actor's own attempts with its exercise; anyone else's is not found.
    public func own(_ actor: Actor, _ id: SubmissionID) async throws -> (Submission, Exercise) {
        guard let submission = try await store.submission(id), submission.learnerID == actor.user.id,
            let exercise = try await store.exercise(submission.exerciseID)
        else { throw AppError.notFound(.attempt) }
        return (submission, exercise)
    }

    /// Removes one of the actor's own attempts that could not be used (its recording was empty,
    /// cut short or not a video), so it no longer stands among their attempts.
    /// - Throws: not found for anyone else's; ``ProblemKind/attemptKept`` for one that is usable.
    public func removeFailed(_ actor: Actor, _ id: SubmissionID) async throws {
        let (submission, _) = try await own(actor, id)
        guard submission.status == .failed, try await store.removeFailedSubmission(id, learner: actor.user.id) else {
            throw AppError(.attemptKept)
        }
    }

    /// The attempt `id` and its media, if `actor` may view it. - Throws: ``ProblemKind/noRecording``.
    public func media(_ actor: Actor, _ id: SubmissionID) async throws -> (Submission, SubmissionMedia) {
        let submission = try await reach(actor, id).submission
        guard let media = try await store.submissionMedia(submission.id) else { throw AppError(.noRecording) }
        return (submission, media)
    }

    /// The feedback on attempt `id` that `actor` may see.
    public func feedback(_ actor: Actor, _ id: SubmissionID) async throws -> Feedback {
        try await feedback(actor, try await reach(actor, id))
    }

    /// The feedback on a reached attempt that `actor` may see.
    func feedback(_ actor: Actor, _ reached: Reached) async throws -> Feedback {
        let (submission, exercise) = (reached.submission, reached.exercise)
        let tasks = try await store.reviewTasks(of: submission.id)
        var reviews = try await store.reviews(of: submission.id)
        var annotations = try await store.annotations(of: submission.id)
        let isLearner = actor.user.id == submission.learnerID
        if isLearner, !exercise.review.showCommentsBeforeSubmit {
            // The learner sees a reviewer's comments once that reviewer has submitted.
            let submitted = Set(reviews.map(\.reviewerID))
            annotations = annotations.filter { $0.authorID == actor.user.id || submitted.contains($0.authorID) }
        }
        let trainsIt = reached.learnerMemberships.contains {
            $0.part == .learner && exercise.cohorts.contains($0.cohortID) && actor.trains($0.cohortID)
        }
        let isPeerOnly = !isLearner && !actor.user.has(.admin) && !trainsIt
        if isPeerOnly {
            // A peer sees the learner's own reflections and their own work, not the other reviewers'.
            annotations = annotations.filter { $0.authorID == actor.user.id || $0.authorID == submission.learnerID }
            reviews = reviews.filter { $0.reviewerID == actor.user.id }
        }
        // A reply whose comment is hidden is hidden too (its text may quote it).
        var visible = Set(annotations.map(\.id))
        while true {
            let kept = annotations.filter { $0.parentID.map(visible.contains) ?? true }
            if kept.count == annotations.count { break }
            annotations = kept
            visible = Set(kept.map(\.id))
        }
        var names: [UserID: String] = [:]
        let peers = tasks.filter { $0.kind == .peer }.compactMap(\.assignee)
        for id in Set(annotations.map(\.authorID) + reviews.map(\.reviewerID)) {
            if exercise.review.anonymousPeers, isLearner || isPeerOnly, id != actor.user.id, let index = peers.firstIndex(of: id) {
                names[id] = "Peer \(index + 1)"
            } else {
                names[id] = try await store.user(id)?.displayName
            }
        }
        return Feedback(
            submission: submission, annotations: annotations, reviews: reviews,
            durationMilliseconds: try await store.submissionMedia(submission.id)?.durationMilliseconds, rubric: exercise.rubric, names: names)
    }
}
