import Foundation

/// Identifies a trainer's placement of a learner on a ladder.
public typealias ScaffoldOverrideID = Identifier<IdentifierTag.ScaffoldOverride>

extension IdentifierTag {
    /// Trainers' placements.
    public enum ScaffoldOverride {}
}

/// One entry of a learner's scaffolding log for one skill: everything the engine decides from.
///
/// The log is append-only and ordered; each entry carries the facts as they were when it was
/// recorded (the level an attempt was made at, the ladder's height, the policy and its version),
/// so replaying it later gives the same decisions even after the exercise changed.
public enum ScaffoldEvent: Sendable, Equatable {
    /// A review of an attempt was submitted.
    case assessed(ScaffoldAssessment)
    /// A trainer set the level by hand.
    case override(ScaffoldOverride)

    /// When it was recorded.
    public var at: Date {
        switch self {
        case .assessed(let assessment): assessment.at
        case .override(let override): override.at
        }
    }

    /// The exercise it happened on.
    public var exerciseID: ExerciseID {
        switch self {
        case .assessed(let assessment): assessment.exerciseID
        case .override(let override): override.exerciseID
        }
    }

    /// The height of that exercise's ladder when it happened.
    public var top: Int {
        switch self {
        case .assessed(let assessment): assessment.top
        case .override(let override): override.top
        }
    }
}

/// A submitted review of one attempt, with what the engine needs to judge it.
public struct ScaffoldAssessment: Sendable, Equatable, Codable {
    /// The review.
    public var reviewID: ReviewID
    /// Who reviewed: trainer, peer or the learner themselves.
    public var reviewerKind: ReviewTask.Kind
    /// The attempt reviewed.
    public var submissionID: SubmissionID
    /// Its exercise.
    public var exerciseID: ExerciseID
    /// Its attempt number.
    public var attempt: Int
    /// The level the attempt was made at.
    public var attemptLevel: Int
    /// When the attempt was made.
    public var attemptMadeAt: Date
    /// The exercise ladder's top level at the time.
    public var top: Int
    /// The review's normalised weighted score (0…1).
    public var total: Double
    /// Its lowest normalised criterion score (0…1).
    public var lowest: Double
    /// The exercise's policy when the review came in.
    public var policy: ScaffoldPolicy
    /// That policy's version (1 for the first; each change adds one).
    public var policyVersion: Int
    /// When the review was submitted.
    public var at: Date
    /// Set when the reviewer changed the review's scores after sending it: this assessment then
    /// takes the place of the review's earlier one (see ``ScaffoldEngine/corrected(_:)``).
    public var isCorrection: Bool?
    /// What the attempt was for; nil for practice (and for every attempt recorded before attempts had purposes).
    public var purpose: AttemptPurpose?
    /// For a kick-off: each criterion's normalised score, in the rubric's order (its development points come from them).
    public var criteria: [ScaffoldCriterionScore]?

    /// Creates an assessment.
    public init(
        reviewID: ReviewID = ReviewID(), reviewerKind: ReviewTask.Kind = .trainer, submissionID: SubmissionID = SubmissionID(),
        exerciseID: ExerciseID, attempt: Int, attemptLevel: Int, attemptMadeAt: Date, top: Int, total: Double, lowest: Double,
        policy: ScaffoldPolicy, policyVersion: Int, at: Date
    ) {
        self.reviewID = reviewID
        self.reviewerKind = reviewerKind
        self.submissionID = submissionID
        self.exerciseID = exerciseID
        self.attempt = attempt
        self.attemptLevel = attemptLevel
        self.attemptMadeAt = attemptMadeAt.wholeMilliseconds
        self.top = top
        self.total = total
        self.lowest = lowest
        self.policy = policy
        self.policyVersion = policyVersion
        self.at = at.wholeMilliseconds
    }
}

/// A trainer setting a learner's level by hand, with a reason.
public struct ScaffoldOverride: Sendable, Equatable, Codable {
    /// The placement's identifier.
    public var id: ScaffoldOverrideID
    /// The trainer (or administrator).
    public var trainerID: UserID
    /// The exercise it was made on.
    public var exerciseID: ExerciseID
    /// The level chosen.
    public var level: Int
    /// The exercise ladder's top level at the time.
    public var top: Int
    /// Why, in the trainer's words.
    public var reason: String
    /// When.
    public var at: Date

    /// Creates a placement after checking it: a level on the ladder and a reason of 1 to 2000 characters.
    public init(
        id: ScaffoldOverrideID = ScaffoldOverrideID(), trainerID: UserID, exerciseID: ExerciseID, level: Int, top: Int, reason: String,
        at: Date
    ) throws(ValidationError) {
        let reason = reason.trimmed
        var validator = Validator()
        validator.check((0...max(top, 0)).contains(level), "level", Message("validation.levelRange", ["top": .integer(top)]))
        validator.check(!reason.isEmpty, "reason", Message("validation.reasonNeeded"))
        validator.check(reason.unicodeScalars.count <= 2000, "reason", Message("validation.maxCharacters", ["max": 2000]))
        try validator.finish()
        self.id = id
        self.trainerID = trainerID
        self.exerciseID = exerciseID
        self.level = level
        self.top = top
        self.reason = reason
        self.at = at.wholeMilliseconds
    }
}

/// One criterion's normalised score (0…1) in a review, as the log keeps it for a kick-off.
public struct ScaffoldCriterionScore: Sendable, Equatable, Codable {
    /// The criterion's key.
    public var key: String
    /// Its normalised score.
    public var score: Double

    /// Creates the value.
    public init(key: String, score: Double) {
        self.key = key
        self.score = score
    }
}
