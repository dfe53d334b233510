import Foundation

/// Identifies a review.
public typealias ReviewID = Identifier<IdentifierTag.Review>

extension IdentifierTag {
    /// Reviews.
    public enum Review {}
}

/// A submitted review: a score per rubric criterion, an overall comment, and the weighted total
/// the core computed from the rubric (never taken from the client).
public struct Review: Sendable, Equatable, Codable, Identifiable {
    public var id: ReviewID
    public var taskID: ReviewTaskID
    public var submissionID: SubmissionID
    public var reviewerID: UserID
    public var kind: ReviewTask.Kind
    /// Score per criterion key.
    public var scores: [String: Int]
    public var comment: String
    /// The rubric's verdict on the scores.
    public var result: Rubric.Result
    public var submittedAt: Date
    /// When its reviewer last changed it after sending (nil: as sent).
    public var revisedAt: Date?

    /// Scores a review against `rubric`.
    /// - Throws: ``ValidationError`` for a missing, unknown or off-scale score or an over-long comment.
    public init(
        id: ReviewID = ReviewID(), task: ReviewTask, reviewerID: UserID, scores: [String: Int], comment: String, rubric: Rubric,
        submittedAt: Date = Date()
    ) throws(ValidationError) {
        self.init(
            id: id, taskID: task.id, submissionID: task.submissionID, reviewerID: reviewerID, kind: task.kind, scores: scores,
            comment: comment.trimmed, result: try Self.score(scores, comment: comment, rubric: rubric),
            submittedAt: submittedAt.wholeMilliseconds)
    }

    /// The rubric's verdict on `scores`, once they and the comment are checked (for reviews of attempts and of reports from work).
    static func score(_ scores: [String: Int], comment: String, rubric: Rubric) throws(ValidationError) -> Rubric.Result {
        var validator = Validator()
        validator.check(comment.unicodeScalars.count <= 20_000, "comment", Message("validation.maxCharacters", ["max": 20_000]))
        var result = Rubric.Result(total: 0, normalised: [:], lowest: 0)
        do {
            result = try rubric.score(scores)
        } catch {
            validator.merge(error, prefix: "")
        }
        try validator.finish()
        return result
    }

    /// A review as stored (scored when it was submitted).
    public static func stored(
        id: ReviewID, task: ReviewTask, reviewerID: UserID, scores: [String: Int], comment: String, result: Rubric.Result,
        submittedAt: Date, revisedAt: Date? = nil
    ) -> Review {
        var review = Review(
            id: id, taskID: task.id, submissionID: task.submissionID, reviewerID: reviewerID, kind: task.kind, scores: scores,
            comment: comment, result: result, submittedAt: submittedAt)
        review.revisedAt = revisedAt
        return review
    }

    /// The same review with new scores and comment from its reviewer, scored against `rubric`;
    /// it keeps its identity and the time it was sent.
    /// - Throws: ``ValidationError`` as the initialiser does.
    public func revised(scores: [String: Int], comment: String, rubric: Rubric, at now: Date) throws(ValidationError) -> Review {
        var review = Review(
            id: id, taskID: taskID, submissionID: submissionID, reviewerID: reviewerID, kind: kind, scores: scores, comment: comment.trimmed,
            result: try Self.score(scores, comment: comment, rubric: rubric), submittedAt: submittedAt)
        review.revisedAt = now.wholeMilliseconds
        return review
    }

    /// A version of a review as it was before a change.
    public struct Version: Sendable, Equatable {
        public var scores: [String: Int]
        public var comment: String
        public var result: Rubric.Result
        /// When this version was replaced.
        public var replacedAt: Date

        public init(scores: [String: Int], comment: String, result: Rubric.Result, replacedAt: Date) {
            self.scores = scores
            self.comment = comment
            self.result = result
            self.replacedAt = replacedAt
        }
    }

    private init(
        id: ReviewID, taskID: ReviewTaskID, submissionID: SubmissionID, reviewerID: UserID, kind: ReviewTask.Kind,
        scores: [String: Int], comment: String, result: Rubric.Result, submittedAt: Date
    ) {
        self.id = id
        self.taskID = taskID
        self.submissionID = submissionID
        self.reviewerID = reviewerID
        self.kind = kind
        self.scores = scores
        self.comment = comment
        self.result = result
        self.submittedAt = submittedAt
    }
}
