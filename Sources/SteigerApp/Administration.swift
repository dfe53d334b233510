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
            openInvitations: try await store.openInvitations(of: users.map(\.id), now: now()))
    }
}
