import Foundation

/// Identifies a review task.
public typealias ReviewTaskID = Identifier<IdentifierTag.ReviewTask>

extension IdentifierTag {
    /// Review tasks.
    public enum ReviewTask {}
}

/// One review owed on a submission: by a trainer from the cohort's pool, by an assigned peer,
/// or by the learner themselves.
public struct ReviewTask: Sendable, Equatable, Codable, Identifiable {
    /// Who reviews.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Any trainer of the cohort, through the queue (claim with a lease).
        case trainer
        /// An assigned learner of the same cohort.
        case peer
        /// The author, reflecting on their own attempt.
        case selfReview = "self"
        /// Someone without an account invited to review this one attempt (see ``GuestInvitation``).
        case guest
    }

    /// Where a task is.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting in the pool (trainer tasks) or for its assignee.
        case open
        /// A trainer holds it until `leaseExpires`.
        case claimed
        /// The review was submitted.
        case done
    }

    public var id: ReviewTaskID
    public var submissionID: SubmissionID
    /// The cohort whose trainers (or peers) review it.
    public var cohortID: CohortID
    public var kind: Kind
    public var status: Status
    /// The assigned peer, author or guest; for trainer tasks, the trainer holding the lease.
    public var assignee: UserID?
    /// When the review is due, if the exercise sets a due time.
    public var dueAt: Date?
    /// Until when a claimed trainer task is held.
    public var leaseExpires: Date?
    /// Reviews already submitted for the same submission (the queue prefers attempts with fewer).
    public var reviewsSoFar: Int
    public var createdAt: Date

    public init(
        id: ReviewTaskID = ReviewTaskID(), submissionID: SubmissionID, cohortID: CohortID, kind: Kind, status: Status = .open,
        assignee: UserID? = nil, dueAt: Date? = nil, leaseExpires: Date? = nil, reviewsSoFar: Int = 0, createdAt: Date = Date()
    ) {
        self.id = id
        self.submissionID = submissionID
        self.cohortID = cohortID
        self.kind = kind
        self.status = status
        self.assignee = assignee
        self.dueAt = dueAt?.wholeMilliseconds
        self.leaseExpires = leaseExpires?.wholeMilliseconds
        self.reviewsSoFar = reviewsSoFar
        self.createdAt = createdAt.wholeMilliseconds
    }

    /// Who holds the task at `now`: the trainer who claimed a trainer task, while the claim's
    /// lease lasts; the assignee of a peer or self review, until it is done. Nil for a task in
    /// the pool, one whose hold ran out (it is, to everyone, back in the pool), or one that is done.
    /// The one statement of the hold rule: the store checks a change against it, the API and the
    /// pages show what it says.
    public func holder(at now: Date) -> UserID? {
        guard status != .done, let assignee else { return nil }
        guard kind == .trainer else { return assignee }
        guard status == .claimed, let expires = leaseExpires, expires > now else { return nil }
        return assignee
    }

    /// Whether the task is past its due time and not done.
    public func isOverdue(at now: Date) -> Bool {
        status != .done && (dueAt.map { $0 <= now } ?? false)
    }
}

/// Chooses peer reviewers so that the load stays even.
public enum PeerAssignment {
    /// Picks `count` reviewers for `author`'s attempt from `candidates` (the cohort's learners),
    /// never the author: those with the fewest reviews assigned so far (`load`), ties broken by
    /// `tieBreak` order (e.g. a shuffled or stable list). Fewer are returned when the cohort is small.
    ///
    /// Assigning attempt after attempt this way keeps every learner's load within one of every
    /// other's whenever each attempt can be given `count` distinct reviewers.
    public static func choose(count: Int, author: UserID, candidates: [UserID], load: [UserID: Int]) -> [UserID] {
        let eligible = candidates.filter { $0 != author }
        let order = Dictionary(eligible.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let ranked = Set(eligible).sorted { a, b in
            let (la, lb) = (load[a, default: 0], load[b, default: 0])
            return la != lb ? la < lb : order[a]! < order[b]!
        }
        return Array(ranked.prefix(max(count, 0)))
    }
}

/// The review tasks an attempt gets when it becomes ready, per its exercise's settings.
public enum ReviewPlan {
    /// A trainer task in the cohort's pool; `peerReviewers` peer tasks for the cohort's other
    /// learners with the lightest load; a self-review task when the exercise asks for one (the
    /// queue holds the trainer task back until it is done). All due `dueHours` after `now`.
    public static func tasks(
        for submission: Submission, cohort: CohortID, settings: ReviewSettings, learners: [UserID],
        peerLoad: [UserID: Int], now: Date
    ) -> [ReviewTask] {
        let due = settings.dueHours.map { now.addingTimeInterval(Double($0) * 3600) }
        var tasks = [ReviewTask(submissionID: submission.id, cohortID: cohort, kind: .trainer, dueAt: due, createdAt: now)]
        for peer in PeerAssignment.choose(count: settings.peerReviewers, author: submission.learnerID, candidates: learners, load: peerLoad) {
            tasks.append(ReviewTask(submissionID: submission.id, cohortID: cohort, kind: .peer, assignee: peer, dueAt: due, createdAt: now))
        }
        if settings.selfReviewRequired {
            tasks.append(
                ReviewTask(
                    submissionID: submission.id, cohortID: cohort, kind: .selfReview, assignee: submission.learnerID, dueAt: due,
                    createdAt: now))
        }
        return tasks
    }
}
