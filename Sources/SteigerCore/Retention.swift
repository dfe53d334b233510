import Foundation

/// How long a recording's media (original, web rendition, poster, storyboard) are kept: a number
/// of days after the attempt was reviewed, or after the programme of its cohort ended. The
/// evidence that outlives the video (scores, comments with their times, scaffolding decisions)
/// is kept whatever the policy.
public struct RetentionPolicy: Sendable, Codable, Equatable {
    /// From when the days are counted.
    public enum Start: String, Sendable, Codable, CaseIterable {
        /// The attempt's last review; a practice take that nobody reviews counts from its recording,
        /// and so does an attempt that could not be used.
        case reviewed
        /// The end of the programme of the cohort the attempt was made in; an attempt in no cohort
        /// with an end date is kept.
        case programmeEnded
    }

    /// The longest a policy may keep media for: a hundred years.
    public static let maximumDays = 36_500

    /// Days the media are kept after ``start``.
    public var days: Int
    /// From when the days are counted.
    public var start: Start

    /// Creates a policy after checking the number of days (1 to ``maximumDays``).
    public init(days: Int, start: Start) throws(ValidationError) {
        var validator = Validator()
        validator.check(
            (1...Self.maximumDays).contains(days), "days", Message("validation.range", ["min": 1, "max": .integer(Self.maximumDays)]))
        try validator.finish()
        self.days = days
        self.start = start
    }
}

/// A stop on removal: while a cohort or a person is on legal hold, none of the media of their
/// attempts are removed, whatever the policy says.
public struct LegalHold: Sendable, Equatable {
    /// What is held.
    public enum Subject: Sendable, Hashable {
        case cohort(CohortID)
        case person(UserID)
    }

    /// What is held.
    public var subject: Subject
    /// Why, in the administrator's words (a case, a complaint, a request from the works council).
    public var reason: String
    /// When it was placed, and by whom.
    public var placedAt: Date
    public var placedBy: UserID?

    /// Creates a hold after checking the reason (required, so that whoever lifts it knows why it stands).
    public init(subject: Subject, reason: String, placedAt: Date, placedBy: UserID?) throws(ValidationError) {
        let reason = reason.trimmed
        var validator = Validator()
        validator.check(!reason.isEmpty, "reason", Message("validation.empty"))
        validator.check(reason.unicodeScalars.count <= 500, "reason", Message("validation.maxCharacters", ["max": 500]))
        try validator.finish()
        self.subject = subject
        self.reason = reason
        self.placedAt = placedAt.wholeMilliseconds
        self.placedBy = placedBy
    }
}

/// What is left of a recording whose media were removed under a retention policy: when, and
/// which policy (the organisation's, or a named cohort's) with its terms at the time.
public struct MediaRemoval: Sendable, Codable, Equatable {
    /// When the media were removed.
    public var at: Date
    /// The policy they were removed under.
    public var policy: RetentionPolicy
    /// The cohort whose policy it was, by name at the time (nil: the organisation's).
    public var cohortName: String?

    /// Creates the note.
    public init(at: Date, policy: RetentionPolicy, cohortName: String?) {
        self.at = at.wholeMilliseconds
        self.policy = policy
        self.cohortName = cohortName
    }
}

/// The retention rule: when a recording's media may go.
public enum Retention {
    /// One cohort in which an attempt was made, as retention sees it.
    public struct Place: Sendable, Equatable {
        public var cohortID: CohortID
        public var cohortName: String
        /// The cohort's own policy (nil: the organisation's).
        public var policy: RetentionPolicy?
        /// When its programme ends, if set.
        public var endsAt: Date?
        /// Whether the cohort is on legal hold.
        public var held: Bool

        /// Creates the value.
        public init(cohortID: CohortID, cohortName: String, policy: RetentionPolicy?, endsAt: Date?, held: Bool) {
            self.cohortID = cohortID
            self.cohortName = cohortName
            self.policy = policy
            self.endsAt = endsAt
            self.held = held
        }
    }

    /// An attempt whose media are still there, as retention sees it.
    public struct Candidate: Sendable, Equatable {
        public var submissionID: SubmissionID
        public var status: Submission.Status
        public var audience: Audience
        public var recordedAt: Date
        /// When its last review was sent, if any.
        public var lastReviewAt: Date?
        /// Whether its learner is on legal hold.
        public var learnerHeld: Bool
        /// The cohorts in which the learner practises the attempt's exercise.
        public var places: [Place]

        /// Creates the value.
        public init(
            submissionID: SubmissionID, status: Submission.Status, audience: Audience, recordedAt: Date, lastReviewAt: Date?, learnerHeld: Bool,
            places: [Place]
        ) {
            self.submissionID = submissionID
            self.status = status
            self.audience = audience
            self.recordedAt = recordedAt
            self.lastReviewAt = lastReviewAt
            self.learnerHeld = learnerHeld
            self.places = places
        }
    }

    /// What retention decides for one attempt.
    public enum Decision: Sendable, Equatable {
        /// Keep the media: no policy removes them, or not yet.
        case keep
        /// A legal hold keeps media that a policy would otherwise have removed by now.
        case held
        /// Remove them now; the note says under which policy.
        case remove(MediaRemoval)
    }

    /// When the media of `candidate` may go under `policy`, or nil while nothing says they may:
    /// an attempt still waiting for its review, or in no cohort whose programme has an end date.
    public static func removalDate(of candidate: Candidate, under policy: RetentionPolicy, endsAt: Date?) -> Date? {
        let start: Date?
        switch policy.start {
        case .reviewed:
            if let reviewed = candidate.lastReviewAt {
                start = reviewed
            } else if candidate.status == .failed || (!candidate.audience.isReviewed && candidate.status == .ready) {
                start = candidate.recordedAt
            } else {
                start = nil
            }
        case .programmeEnded:
            start = endsAt
        }
        return start.map { $0.addingTimeInterval(Double(policy.days) * 86400) }
    }

    /// Decides for `candidate` at `now` under `organisation`'s policy (nil: keep until removed by
    /// hand) and each of its cohorts' own. When the attempt stands in several cohorts, the longest
    /// keeping wins: its media go only once every policy that applies lets them go. A hold on the
    /// learner or on any of those cohorts keeps them.
    public static func decision(for candidate: Candidate, organisation: RetentionPolicy?, now: Date) -> Decision {
        guard candidate.status == .reviewed || candidate.status == .failed || candidate.status == .ready else { return .keep }
        // Each policy that applies, with the cohort it belongs to (nil: the organisation's).
        var applying: [(policy: RetentionPolicy?, place: Place?)] = candidate.places.map { ($0.policy ?? organisation, $0) }
        if applying.isEmpty { applying = [(organisation, nil)] }
        var latest: (date: Date, note: MediaRemoval)?
        for (policy, place) in applying {
            guard let policy, let date = removalDate(of: candidate, under: policy, endsAt: place?.endsAt) else { return .keep }
            if let current = latest, current.date >= date { continue }
            latest = (date, MediaRemoval(at: now, policy: policy, cohortName: place?.policy == nil ? nil : place?.cohortName))
        }
        guard let latest, latest.date <= now else { return .keep }
        if candidate.learnerHeld || candidate.places.contains(where: \.held) { return .held }
        return .remove(latest.note)
    }
}

extension RetentionPolicy {
    /// The policy in words: "kept 90 days after the review".
    public var message: Message {
        Message(start == .reviewed ? "retention.afterReview" : "retention.afterProgramme", ["days": .integer(days)])
    }
}

extension MediaRemoval {
    /// The note in words: "The video was removed on 4 March 2027 under the retention policy of
    /// Sales spring: kept 90 days after the review."
    public var message: Message {
        if let cohortName {
            return Message("retention.removedCohort", ["date": .date(at), "cohort": .text(cohortName), "policy": .message(policy.message)])
        }
        return Message("retention.removedOrganisation", ["date": .date(at), "policy": .message(policy.message)])
    }
}

extension RetentionPolicy {
    /// The policy in the audit log's own terms: `90d:reviewed`, `30d:programmeEnded`; `keep` for none.
    public static func auditText(_ policy: RetentionPolicy?) -> String {
        policy.map { "\($0.days)d:\($0.start.rawValue)" } ?? "keep"
    }

    /// The policy an audit text names (nil for `keep` or anything else).
    public init?(auditText: some StringProtocol) {
        let parts = auditText.split(separator: ":")
        guard parts.count == 2, parts[0].hasSuffix("d"), let days = Int(parts[0].dropLast()),
            let start = Start(rawValue: String(parts[1])), let policy = try? RetentionPolicy(days: days, start: start)
        else { return nil }
        self = policy
    }
}
