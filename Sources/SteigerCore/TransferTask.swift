import Foundation

extension IdentifierTag {
    /// Transfer tasks.
    public enum TransferTask {}
}

/// Identifies a transfer task.
public typealias TransferTaskID = Identifier<IdentifierTag.TransferTask>

/// A request to apply a skill at work and report on it: after a support is withdrawn, or every
/// so many days, as the exercise sets. The learner reports in a short reflection; a trainer of
/// their cohort or their manager reviews the report with the exercise's rubric.
public struct TransferTask: Sendable, Equatable, Identifiable {
    /// Why the task was given.
    public enum Cause: String, Sendable, Codable, CaseIterable {
        /// A support was withdrawn: try with less help at work.
        case withdrawal
        /// The exercise asks for it every so many days.
        case schedule
    }

    /// Where a task is.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting for the learner's report.
        case open
        /// Reported, waiting for a review.
        case reported
        /// Reviewed.
        case reviewed
    }

    public var id: TransferTaskID
    public var learnerID: UserID
    public var exerciseID: ExerciseID
    public var cause: Cause
    /// The level the learner reached when a withdrawal gave the task.
    public var level: Int?
    /// What to try at work, in the exercise's words.
    public var prompt: String
    public var createdAt: Date
    /// When the report is asked for.
    public var dueAt: Date
    public var report: TransferReport?
    public var review: TransferReview?

    public init(
        id: TransferTaskID = TransferTaskID(), learnerID: UserID, exerciseID: ExerciseID, cause: Cause, level: Int? = nil, prompt: String,
        createdAt: Date, dueAt: Date, report: TransferReport? = nil, review: TransferReview? = nil
    ) {
        self.id = id
        self.learnerID = learnerID
        self.exerciseID = exerciseID
        self.cause = cause
        self.level = level
        self.prompt = prompt
        self.createdAt = createdAt.wholeMilliseconds
        self.dueAt = dueAt.wholeMilliseconds
        self.report = report
        self.review = review
    }

    public var status: Status { review != nil ? .reviewed : report != nil ? .reported : .open }

    /// Whether the report is late at `now`.
    public func isOverdue(at now: Date) -> Bool { report == nil && dueAt <= now }
}

/// A learner's report of trying a skill at work.
public struct TransferReport: Sendable, Equatable {
    /// What they did and how it went: 1 to 5,000 characters.
    public var text: String
    public var at: Date

    public static let maxCharacters = 5000

    public init(text: String, at: Date) throws(ValidationError) {
        let text = text.trimmed
        var validator = Validator()
        validator.check(
            !text.isEmpty && text.unicodeScalars.count <= Self.maxCharacters, "text",
            Message("validation.charactersBetween", ["min": 1, "max": .integer(Self.maxCharacters)]))
        validator.check(!text.unicodeScalars.contains("\0"), "text", Message("validation.nul"))
        try validator.finish()
        self.text = text
        self.at = at.wholeMilliseconds
    }

    /// A report as stored.
    public init(stored text: String, at: Date) {
        self.text = text
        self.at = at.wholeMilliseconds
    }
}

/// A trainer's or manager's review of a transfer report, scored with the exercise's rubric.
public struct TransferReview: Sendable, Equatable {
    public var reviewerID: UserID
    public var scores: [String: Int]
    public var comment: String
    public var result: Rubric.Result
    public var at: Date

    /// Scores `scores` against `rubric`. - Throws: ``ValidationError`` as a review's scores and comment are checked.
    public init(reviewerID: UserID, scores: [String: Int], comment: String, rubric: Rubric, at: Date) throws(ValidationError) {
        let result = try Review.score(scores, comment: comment, rubric: rubric)
        self.init(stored: reviewerID, scores: scores, comment: comment.trimmed, result: result, at: at)
    }

    /// A review as stored.
    public init(stored reviewerID: UserID, scores: [String: Int], comment: String, result: Rubric.Result, at: Date) {
        self.reviewerID = reviewerID
        self.scores = scores
        self.comment = comment
        self.result = result
        self.at = at.wholeMilliseconds
    }
}

/// When a learner is asked to apply a skill at work.
public enum TransferPlan {
    /// Days a learner has to report.
    public static let daysToReport = 14

    /// The task a withdrawal gives under `settings`, unless the learner has one open for the
    /// exercise already (one at a time).
    public static func afterWithdrawal(
        _ transition: ScaffoldTransition, learner: UserID, settings: ReviewSettings, hasOpen: Bool
    ) -> TransferTask? {
        guard settings.transferAfterWithdrawal, transition.rule == .withdrawal, !hasOpen else { return nil }
        return TransferTask(
            learnerID: learner, exerciseID: transition.exerciseID, cause: .withdrawal, level: transition.to, prompt: settings.transferPrompt,
            createdAt: transition.at, dueAt: transition.at.addingTimeInterval(Double(daysToReport) * 86_400))
    }

    /// Whether the schedule gives `learner` a task at `now`: the exercise asks every
    /// `transferEveryDays`, the learner has practised it (their first reviewed attempt is at least
    /// that long ago), has no task open, and their last task is that long ago.
    public static func scheduled(settings: ReviewSettings, firstReviewed: Date?, lastTask: Date?, hasOpen: Bool, now: Date) -> Bool {
        guard let days = settings.transferEveryDays, let first = firstReviewed, !hasOpen else { return false }
        let interval = Double(days) * 86_400
        return now.timeIntervalSince(lastTask ?? first) >= interval
    }
}
