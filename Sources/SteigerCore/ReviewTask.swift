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
        /// One of the learner's managers, on a closing proficiency test (see ``ReviewSettings/closingTest``).
        case manager
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

/// What a person gave and received in peer review: the peer reviews assigned to them, and those
/// assigned on their own attempts.
public struct PeerBalance: Sendable, Equatable {
    public var given: Int
    public var received: Int

    public init(given: Int = 0, received: Int = 0) {
        self.given = given
        self.received = received
    }

    /// Given − received: above zero they gave more than they got.
    public var balance: Int { given - received }
}

/// What peer assignment knows of a cohort's learners: their give/take balances, the criteria each
/// is strong on, and the criterion each most needs help with.
public struct PeerPool: Sendable, Equatable {
    public var balances: [UserID: PeerBalance]
    /// The criteria each learner's own last trainer review scored at the mastery threshold or above.
    public var strengths: [UserID: Set<String>]
    /// The criterion each learner's last trainer review scored lowest, when below the mastery threshold.
    public var needs: [UserID: String]

    public init(balances: [UserID: PeerBalance] = [:], strengths: [UserID: Set<String>] = [:], needs: [UserID: String] = [:]) {
        self.balances = balances
        self.strengths = strengths
        self.needs = needs
    }

    /// The pool from each learner's last trainer review (criterion → normalised score, 0…1),
    /// read against the rubric's criteria (in order, which breaks ties) and the policy's mastery threshold.
    public init(balances: [UserID: PeerBalance], lastScores: [UserID: [String: Double]], criteria: [String], mastery: Double) {
        var strengths: [UserID: Set<String>] = [:]
        var needs: [UserID: String] = [:]
        for (learner, scores) in lastScores {
            strengths[learner] = Set(criteria.filter { (scores[$0] ?? 0) >= mastery })
            let scored = criteria.compactMap { key in scores[key].map { (key, $0) } }
            if let weakest = scored.min(by: { $0.1 < $1.1 }), weakest.1 < mastery { needs[learner] = weakest.0 }
        }
        self.init(balances: balances, strengths: strengths, needs: needs)
    }
}

/// Chooses peer reviewers so that what each person gives and receives stays even, preferring
/// reviewers strong where the author is weakest.
public enum PeerAssignment {
    /// Picks `count` reviewers for `author`'s attempt from `candidates` (the cohort's learners),
    /// never the author, one after another: the lowest give/take balance first (they owe the most
    /// reviews), then the fewest given, then someone strong on the criterion the author most needs
    /// help with, then `candidates`' order (e.g. a shuffled or stable list). Fewer are returned
    /// when the cohort is small.
    ///
    /// The balance comes first, so when every learner sends an attempt in a round, with up to two
    /// peers per attempt, everyone's given − received is within one of zero at the round's end.
    /// The promise on strength: whenever the people the balance allows (tied on balance and
    /// reviews given) include one strong on the author's weakest criterion, one such is chosen.
    public static func choose(count: Int, author: UserID, candidates: [UserID], pool: PeerPool) -> [UserID] {
        var eligible = candidates.filter { $0 != author }
        var seen = Set<UserID>()
        eligible = eligible.filter { seen.insert($0).inserted }
        let order = Dictionary(eligible.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let need = pool.needs[author]
        var balances = pool.balances
        var chosen: [UserID] = []
        while chosen.count < count, !eligible.isEmpty {
            func rank(_ id: UserID) -> (Int, Int, Int, Int) {
                let balance = balances[id, default: PeerBalance()]
                let strong = need.map { pool.strengths[id]?.contains($0) == true } ?? false
                return (balance.balance, balance.given, strong ? 0 : 1, order[id]!)
            }
            let best = eligible.min { rank($0) < rank($1) }!
            chosen.append(best)
            balances[best, default: PeerBalance()].given += 1
            eligible.removeAll { $0 == best }
        }
        return chosen
    }
}

/// The review tasks an attempt gets when it becomes ready, per its exercise's settings.
public enum ReviewPlan {
    /// A trainer task in the cohort's pool; `peerReviewers` peer tasks for the cohort's other
    /// learners chosen by ``PeerAssignment`` from `peers`; a self-review task when the exercise asks for one (the
    /// queue holds the trainer task back until it is done); on a closing test, a task for each of
    /// `managers`. All due `dueHours` after `now`.
    public static func tasks(
        for submission: Submission, cohort: CohortID, settings: ReviewSettings, learners: [UserID],
        peers: PeerPool = PeerPool(), managers: [UserID] = [], now: Date
    ) -> [ReviewTask] {
        let due = settings.dueHours.map { now.addingTimeInterval(Double($0) * 3600) }
        var tasks = [ReviewTask(submissionID: submission.id, cohortID: cohort, kind: .trainer, dueAt: due, createdAt: now)]
        for peer in PeerAssignment.choose(count: settings.peerReviewers, author: submission.learnerID, candidates: learners, pool: peers) {
            tasks.append(ReviewTask(submissionID: submission.id, cohortID: cohort, kind: .peer, assignee: peer, dueAt: due, createdAt: now))
        }
        if settings.closingTest {
            // A closing test is reviewed with management too.
            for manager in managers {
                tasks.append(
                    ReviewTask(submissionID: submission.id, cohortID: cohort, kind: .manager, assignee: manager, dueAt: due, createdAt: now))
            }
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
