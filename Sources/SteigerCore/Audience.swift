import Foundation

/// Who may watch a recording, chosen by its learner within what the exercise allows. Each
/// audience holds the one before it: the cohort's library also has the trainers and the
/// assigned peers.
public enum Audience: String, Sendable, Codable, CaseIterable, Comparable {
    /// Only me: a practice take that no trainer, peer, manager or administrator ever watches.
    case onlyMe = "private"
    /// The trainers of the cohort in which the learner practises the exercise.
    case trainers
    /// The trainers and the peers assigned to review it.
    case peers
    /// Also the cohort's library: everyone in a cohort that practises the exercise with the learner.
    case cohort

    /// Whether choosing this audience needs the learner's explicit consent, recorded with its
    /// time and wording: a recording in the library is watched by people who do not review it.
    public var needsConsent: Bool { self == .cohort }

    /// Whether a recording with this audience is sent for review.
    public var isReviewed: Bool { self != .onlyMe }

    /// Its place from narrowest to widest.
    private var rank: Int {
        switch self {
        case .onlyMe: 0
        case .trainers: 1
        case .peers: 2
        case .cohort: 3
        }
    }

    public static func < (lhs: Audience, rhs: Audience) -> Bool { lhs.rank < rhs.rank }
}

/// Why a learner cannot give a recording an audience.
public enum AudienceRefusal: Error, Sendable, Equatable {
    /// The exercise does not offer this audience.
    case notOffered
    /// The cohort library needs the learner's consent, which was not given.
    case needsConsent
    /// A recording sent for review stays with those it was sent to (its reviews and levels stand
    /// on it); only its place in the library can be taken back.
    case alreadySent
}

extension Exercise {
    /// The audiences this exercise lets a learner choose, narrowest first: only me when it
    /// allows practice takes, the trainers always, the peers when it has peer reviewers, the
    /// cohort's library when it keeps one.
    public var audiences: [Audience] {
        Audience.allCases.filter { audience in
            switch audience {
            case .onlyMe: review.privatePractice
            case .trainers: true
            case .peers: review.peerReviewers > 0
            case .cohort: review.cohortLibrary
            }
        }
    }

    /// The audience an attempt gets when its learner chooses none: the trainers and the peers
    /// when the exercise has peer reviewers, otherwise the trainers.
    public var defaultAudience: Audience { review.peerReviewers > 0 ? .peers : .trainers }

    /// The audience a new recording starts with: `chosen` (nil: the default), which must be one the
    /// exercise offers and, since consent is given on the recording itself once it is made, not the library.
    public func startingAudience(_ chosen: Audience?) throws(AudienceRefusal) -> Audience {
        guard let chosen else { return defaultAudience }
        guard audiences.contains(chosen) else { throw .notOffered }
        if chosen.needsConsent { throw .needsConsent }
        return chosen
    }

    /// Checks that `submission` may go from its audience to `next`: one the exercise offers, with
    /// consent for the library, and never below what it was sent for review with (the trainers, or
    /// the peers once peers are assigned to it). Practice takes may go to any audience.
    public func checkAudienceChange(of submission: Submission, to next: Audience, consented: Bool) throws(AudienceRefusal) {
        guard audiences.contains(next) || next == submission.audience else { throw .notOffered }
        if next.needsConsent, next != submission.audience, !consented { throw .needsConsent }
        if submission.audience.isReviewed {
            let lowest: Audience = submission.sharedWith.isEmpty ? .trainers : .peers
            if next < lowest { throw .alreadySent }
        }
    }
}

/// A learner's consent to show one of their recordings more widely, as they gave it: when, the
/// words they agreed to, and when they took it back.
public struct Consent: Sendable, Equatable, Codable {
    /// The recording.
    public var submissionID: SubmissionID
    /// Who consented (the recording's learner).
    public var userID: UserID
    /// The audience consented to.
    public var audience: Audience
    /// The sentence the learner agreed to, in the language they read it in.
    public var wording: String
    /// Whether the feedback on it was shared too.
    public var withFeedback: Bool
    /// When it was given.
    public var givenAt: Date
    /// When it was withdrawn; nil while it stands.
    public var withdrawnAt: Date?

    /// Creates a consent record.
    public init(
        submissionID: SubmissionID, userID: UserID, audience: Audience, wording: String, withFeedback: Bool, givenAt: Date,
        withdrawnAt: Date? = nil
    ) {
        self.submissionID = submissionID
        self.userID = userID
        self.audience = audience
        self.wording = wording
        self.withFeedback = withFeedback
        self.givenAt = givenAt.wholeMilliseconds
        self.withdrawnAt = withdrawnAt?.wholeMilliseconds
    }
}
