import Foundation
import SteigerCore
import SteigerStore

/// Timed comments on attempts: reviewers comment, the learner reflects and replies.
public struct Annotations: Sendable {
    let store: Store
    let submissions: Submissions
    let now: @Sendable () -> Date

    /// A new comment: at a moment (`at`), over a span (`from`, `to`), or neither; a reply names its `parent`.
    public struct Draft: Sendable {
        public var at: Int?
        public var from: Int?
        public var to: Int?
        public var text: String
        public var tag: String?
        public var criterion: String?
        public var parent: AnnotationID?

        public init(
            at: Int? = nil, from: Int? = nil, to: Int? = nil, text: String, tag: String? = nil, criterion: String? = nil,
            parent: AnnotationID? = nil
        ) {
            self.at = at
            self.from = from
            self.to = to
            self.text = text
            self.tag = tag
            self.criterion = criterion
            self.parent = parent
        }
    }

    /// Adds `actor`'s comment to attempt `id`: its reviewers (trainers of the cohort, assigned
    /// peers) comment; its learner reflects and replies. Only a comment the actor can see can be answered.
    public func add(_ actor: Actor, to id: SubmissionID, _ draft: Draft) async throws -> Annotation {
        let reached = try await submissions.reach(actor, id)
        let submission = reached.submission, exercise = reached.exercise
        try Self.requireVoice(actor, reached)
        if let parent = draft.parent, !(try await submissions.feedback(actor, reached).annotations.contains { $0.id == parent }) {
            throw AppError.invalid("parentId", Message("validation.parentMissing"))
        }
        if draft.at != nil, draft.from != nil || draft.to != nil { throw AppError.invalid("at", Message("validation.atOrSpan")) }
        if (draft.from == nil) != (draft.to == nil) {
            throw AppError.invalid(draft.from == nil ? "from" : "to", Message("validation.fromAndTo"))
        }
        let span: Annotation.Span? =
            if let at = draft.at {
                .point(at: at)
            } else if let from = draft.from, let to = draft.to {
                .range(from: from, to: to)
            } else {
                nil
            }
        let annotation = try Annotation(
            submissionID: submission.id, authorID: actor.user.id, parentID: draft.parent, span: span, text: draft.text, tag: draft.tag,
            criterion: draft.criterion, createdAt: now(), durationMilliseconds: try await store.submissionMedia(submission.id)?.durationMilliseconds,
            tags: exercise.review.tags, rubric: exercise.rubric)
        try await store.addAnnotation(annotation)
        return annotation
    }

    /// Changes the text of `actor`'s own comment (the earlier text is kept).
    /// - Throws: not found for anyone else's, ``ProblemKind/commentDeleted`` for a deleted one.
    public func edit(_ actor: Actor, _ id: AnnotationID, text: String) async throws -> Annotation {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.unicodeScalars.count <= 5000 else {
            throw AppError.invalid("text", Message("validation.charactersBetween", ["min": 1, "max": 5000]))
        }
        return try await own(actor, id) { try await store.editAnnotation(id, author: actor.user.id, text: text, now: now()) }
    }

    /// Deletes `actor`'s own comment (it shows as deleted; its replies stay).
    public func delete(_ actor: Actor, _ id: AnnotationID) async throws {
        try await own(actor, id) { try await store.deleteAnnotation(id, author: actor.user.id, now: now()) }
    }

    /// Who may speak on an attempt: its learner, and whoever may review it now.
    private static func requireVoice(_ actor: Actor, _ reached: Submissions.Reached) throws {
        guard actor.user.id != reached.submission.learnerID else { return }
        try AccessPolicy.require(
            actor, .review, .submission(reached.submission, exercise: reached.exercise, learnerMemberships: reached.learnerMemberships),
            .submission)
    }

    /// Runs a change to the actor's own comment on an attempt they may still comment on: someone
    /// else's comment, or one on an attempt no longer theirs to review (a trainer or peer taken
    /// out of the cohort), is not found.
    private func own<T>(_ actor: Actor, _ id: AnnotationID, _ body: () async throws -> T) async throws -> T {
        do {
            guard let annotation = try await store.annotation(id), annotation.authorID == actor.user.id else {
                throw AppError.notFound(.commentOfYours)
            }
            try Self.requireVoice(actor, try await submissions.reach(actor, annotation.submissionID))
            return try await body()
        } catch StoreError.notFound {
            throw AppError.notFound(.commentOfYours)
        } catch let error as AppError where error.kind == .notFound || error.kind == .notAllowed {
            throw AppError.notFound(.commentOfYours)
        }
    }
}
