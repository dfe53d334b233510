import Foundation

/// One recorded attempt at an exercise.
public struct Submission: Sendable, Codable, Equatable, Identifiable {
    /// Where an attempt is on its way from upload to feedback.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// The file is still arriving.
        case uploading
        /// Arrived; being checked and converted.
        case processing
        /// Playable and waiting for review.
        case ready
        /// Reviewed; feedback is available.
        case reviewed
        /// Could not be used; ``Submission/failureReason`` says why.
        case failed

        /// Whether a move from this status to `next` is allowed.
        public func canMove(to next: Status) -> Bool {
            switch (self, next) {
            case (.uploading, .processing), (.uploading, .failed),
                (.processing, .ready), (.processing, .failed),
                (.ready, .reviewed), (.reviewed, .ready):
                true
            default:
                false
            }
        }
    }

    /// The submission's identifier.
    public var id: SubmissionID
    /// Who made the attempt.
    public var learnerID: UserID
    /// The exercise attempted.
    public var exerciseID: ExerciseID
    /// 1 for the first attempt at this exercise, 2 for the next, …
    public var attempt: Int
    /// Where it is on its way.
    public var status: Status
    /// The scaffold level the learner practised at.
    public var scaffoldLevel: Int
    /// What the attempt was for: practice, a kick-off or a recheck.
    public var purpose: AttemptPurpose
    /// Why it failed, in words for the learner.
    public var failureReason: String?

    /// The stable name of the failure reason when it was stored as a message (`reason.notMedia`
    /// → `notMedia`); nil for none, and for reasons stored as plain text by older versions.
    public var failureCode: String? {
        failureReason.flatMap(Message.init(stored:)).map { String($0.key.dropFirst("reason.".count)) }
    }

    /// Whose trouble a failure was: the recording's (damaged, not media, too long…) or the
    /// server's (stopped at its deadline or by a crash on every try, out of room, an error of its own).
    public enum FailureKind: String, Sendable {
        case recording, server
    }

    /// The failure reasons that are the server's fault.
    public static let serverFailures: Set<String> = ["gaveUp", "serverNoSpace", "serverError"]

    /// Whose trouble the failure was; nil unless it failed.
    public var failureKind: FailureKind? {
        guard status == .failed else { return nil }
        return failureCode.map { Self.serverFailures.contains($0) } == true ? .server : .recording
    }
    /// Other users it is shared with (peer reviewers).
    public var sharedWith: Set<UserID>
    /// Who may watch it, as its learner chose.
    public var audience: Audience
    /// When a trainer approved it for the cohort's library (for exercises that ask for approval).
    public var libraryApprovedAt: Date?
    /// Whether the feedback on it is shown with it in the library, as its learner chose.
    public var sharesFeedback: Bool
    /// Whether its learner let their manager watch it (with the feedback on it).
    public var sharedWithManager: Bool
    /// When it was created.
    public var createdAt: Date

    /// Whether it waits for a trainer's approval before it stands in the library of `exercise`.
    public func awaitsApproval(in exercise: Exercise) -> Bool {
        audience == .cohort && exercise.review.cohortLibrary && exercise.review.libraryApproval && libraryApprovedAt == nil
    }

    /// Whether it stands in the cohort's library of `exercise`: shared there while the exercise
    /// keeps a library, playable, and approved by a trainer when the exercise asks for that.
    public func isInLibrary(of exercise: Exercise) -> Bool {
        audience == .cohort && exercise.review.cohortLibrary && (status == .ready || status == .reviewed)
            && (!exercise.review.libraryApproval || libraryApprovedAt != nil)
    }

    /// Creates a submission after checking the fields.
    public init(
        id: SubmissionID = SubmissionID(), learnerID: UserID, exerciseID: ExerciseID, attempt: Int,
        status: Status = .uploading, scaffoldLevel: Int, failureReason: String? = nil, sharedWith: Set<UserID> = [],
        audience: Audience = .peers, libraryApprovedAt: Date? = nil, sharesFeedback: Bool = false, purpose: AttemptPurpose = .practice,
        sharedWithManager: Bool = false, createdAt: Date = Date()
    ) throws(ValidationError) {
        var validator = Validator()
        validator.check(attempt >= 1, "attempt", Message("validation.atLeast", ["min": 1]))
        validator.check(scaffoldLevel >= 0, "scaffoldLevel", Message("validation.atLeast", ["min": 0]))
        validator.check(status != .failed || !(failureReason ?? "").trimmed.isEmpty, "failureReason", Message("validation.failureReason"))
        try validator.finish()
        self.id = id
        self.learnerID = learnerID
        self.exerciseID = exerciseID
        self.attempt = attempt
        self.status = status
        self.scaffoldLevel = scaffoldLevel
        self.purpose = purpose
        self.sharedWithManager = sharedWithManager
        self.failureReason = failureReason
        self.sharedWith = sharedWith
        self.audience = audience
        self.libraryApprovedAt = libraryApprovedAt?.wholeMilliseconds
        self.sharesFeedback = sharesFeedback
        self.createdAt = createdAt.wholeMilliseconds
    }

    /// Moves to `next`, if the move is allowed.
    public mutating func move(to next: Status, reason: String? = nil) throws(ValidationError) {
        guard status.canMove(to: next) else {
            throw ValidationError(field: "status", Message("validation.statusChange", ["from": .text(status.rawValue), "to": .text(next.rawValue)]))
        }
        if next == .failed, (reason ?? "").trimmed.isEmpty {
            throw ValidationError(field: "failureReason", Message("validation.failureReason"))
        }
        status = next
        failureReason = next == .failed ? reason : nil
    }
}
