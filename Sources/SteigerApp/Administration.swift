import Foundation
import SteigerCore
import SteigerStore

/// The administrator's overview: everyone, every cohort, every exercise.
public struct Administration: Sendable {
    let store: Store
    let health: Health
    let mail: MailSettings?
    let now: @Sendable () -> Date

    /// What the administration page lists (up to 200 of each, newest first).
    public struct Overview: Sendable {
        public var users: [User]
        public var cohorts: [Cohort]
        public var exercises: [Exercise]
        /// The data volume: free space, and whether it has fallen into the database's reserve.
        public var volume: Health.Volume
        /// The latest attempts whose processing failed (up to 200, newest first), the server's
        /// trouble told apart from the recording's by ``Submission/failureKind``.
        public var failures: [Submission]
        /// The learners' names and the exercises' titles of the latest ten failures (whoever
        /// they are, not only among the 200 listed).
        public var failureNames: [UserID: String]
        public var failureTitles: [ExerciseID: String]
        /// E-mail: the mail server (nil: not set up, notifications show in the app only), the
        /// mails by state, and the addresses the server refused for good.
        public var mailServer: String?
        public var mails: [MailStatus: Int]
        public var refusedAddresses: [MailFailure]
        /// The people invited who have not accepted yet, and when their invitation runs out.
        public var openInvitations: [UserID: Date]
        /// How many trainers and learners each cohort has.
        public var memberCounts: [CohortID: [Membership.Part: Int]] = [:]
    }

    /// How many of the latest failures the page names.
    public static let namedFailures = 10

    /// Goes on only for an administrator. - Throws: ``ProblemKind/adminsOnly``.
    public func open(_ actor: Actor) throws(AppError) {
        guard AccessPolicy.decide(actor, .view, .administration) == .allow else { throw AppError(.adminsOnly) }
    }

    /// Everyone, every cohort and every exercise.
    public func overview(_ actor: Actor) async throws -> Overview {
        try open(actor)
        let page = PageRequest(limit: 200)
        let failures = try await store.submissions(scope: .everything, filter: SubmissionFilter(status: .failed), page: page).items
        var names: [UserID: String] = [:], titles: [ExerciseID: String] = [:]
        for failed in failures.prefix(Self.namedFailures) {
            if names[failed.learnerID] == nil { names[failed.learnerID] = try await store.user(failed.learnerID)?.displayName }
            if titles[failed.exerciseID] == nil { titles[failed.exerciseID] = try await store.exercise(failed.exerciseID)?.title }
        }
        let users = try await store.users(scope: .everything, page: page).items
        return Overview(
            users: users,
            cohorts: try await store.cohorts(scope: .everything, page: page).items,
            exercises: try await store.exercises(scope: .everything, page: page).items, volume: health.volume,
            failures: failures, failureNames: names, failureTitles: titles,
            mailServer: mail.map { "\($0.smtp.host):\($0.smtp.port)" }, mails: try await store.mailCounts(),
            refusedAddresses: try await store.mailFailures(),
            openInvitations: try await store.openInvitations(of: users.map(\.id), now: now()),
            memberCounts: try await store.memberCounts())
    }

    /// A person as an administrator manages them: their account, the cohorts they are in and
    /// their part there, the other cohorts, and an invitation still open.
    public struct Person: Sendable {
        public var user: User
        public var memberships: [(cohort: Cohort, part: Membership.Part)]
        public var otherCohorts: [Cohort]
        public var invitedUntil: Date?
        /// The parts they can have in a cohort (a trainer's needs the trainer role).
        public var parts: [Membership.Part]
    }

    /// One person (administrators). - Throws: not found for an unknown id.
    public func person(_ actor: Actor, _ id: UserID) async throws -> Person {
        try open(actor)
        guard let user = try await store.user(id) else { throw AppError.notFound(.user) }
        let cohorts = try await store.cohorts(scope: .everything, page: PageRequest(limit: 200)).items
        let parts = Dictionary(try await store.memberships(of: id).map { ($0.cohortID, $0.part) }, uniquingKeysWith: { first, _ in first })
        return Person(
            user: user, memberships: cohorts.compactMap { cohort in parts[cohort.id].map { (cohort, $0) } },
            otherCohorts: cohorts.filter { parts[$0.id] == nil },
            invitedUntil: try await store.openInvitations(of: [id], now: now())[id],
            parts: Membership.Part.allCases.reversed().filter { (try? Membership.check($0, for: user, field: "part")) != nil })
    }

    /// A cohort as an administrator manages it: its trainers and learners, the people who could
    /// join it, and the cohorts its learners could move to.
    public struct Roster: Sendable {
        public var cohort: Cohort
        public var trainers: [User]
        public var learners: [User]
        /// Everyone else with an enabled account, by name.
        public var others: [User]
        public var otherCohorts: [Cohort]
    }

    /// One cohort's roster (administrators). - Throws: not found for an unknown id.
    public func roster(_ actor: Actor, _ id: CohortID) async throws -> Roster {
        try open(actor)
        guard let cohort = try await store.cohort(id) else { throw AppError.notFound(.cohort) }
        let members = try await store.members(of: id, scope: .everything)
        let inCohort = Set(members.map(\.user.id))
        let everyone = try await store.users(scope: .everything, page: PageRequest(limit: 200)).items
        return Roster(
            cohort: cohort, trainers: members.filter { $0.membership.part == .trainer }.map(\.user),
            learners: members.filter { $0.membership.part == .learner }.map(\.user),
            others: everyone.filter { !inCohort.contains($0.id) && !$0.isDisabled }.sorted { $0.displayName < $1.displayName },
            otherCohorts: try await store.cohorts(scope: .everything, page: PageRequest(limit: 200)).items.filter { $0.id != id })
    }
}
