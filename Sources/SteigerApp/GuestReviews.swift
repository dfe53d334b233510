import Foundation
import SteigerCore
import SteigerStore

/// Guest reviewers: an attempt's learner or trainer invites someone without an account to
/// review it through a link that expires; the guest opens the link, comments and scores on the
/// review page like any reviewer, and reaches nothing else.
public struct GuestReviews: Sendable {
    let store: Store
    let submissions: Submissions
    let mail: MailSettings?
    let sessionLifetime: TimeInterval
    let now: @Sendable () -> Date

    /// The most invitations an attempt may have live at once.
    public static let liveLimit = 10

    /// What an inviter types.
    public struct Invitee: Sendable {
        public var name: String
        /// Where to send the link (nil: the inviter passes it on).
        public var email: String?
        /// How many days the link works (see ``GuestInvitation/days``).
        public var days: Int
        /// The language of the mail (nil: the service's); the guest's pages follow their browser.
        public var language: Language?

        public init(name: String, email: String? = nil, days: Int = GuestInvitation.defaultDays, language: Language? = nil) {
            self.name = name
            self.email = email
            self.days = days
            self.language = language
        }
    }

    /// One invitation as its inviters see it.
    public struct Entry: Sendable {
        public var invitation: GuestInvitation
        /// Who invited them, by name.
        public var inviterName: String
        /// The review they sent (nil: none yet).
        public var review: Review?
    }

    /// Invites a guest to review attempt `id`. - Returns: the invitation as listed and the path of its
    /// link with its secret (shown once; only its hash is kept), also mailed when an address was given.
    /// - Throws: not found outside the actor's reach; not allowed for someone who may not invite
    ///   to it (a peer, a manager, anyone on a private practice take); ``ProblemKind/notReady``
    ///   before the recording is ready; ``ProblemKind/tooManyGuests``; invalid input.
    public func invite(_ actor: Actor, to id: SubmissionID, _ invitee: Invitee) async throws -> (entry: Entry, link: String) {
        let reached = try await submissions.reach(actor, id)
        let (submission, exercise) = (reached.submission, reached.exercise)
        try AccessPolicy.require(
            actor, .create, .guestReviewers(submission, exercise: exercise, learnerMemberships: reached.learnerMemberships), .guest)
        guard submission.status == .ready || submission.status == .reviewed else { throw AppError(.notReady) }
        let now = now()
        let invitations = try await store.guestInvitations(of: id)
        if invitations.filter({ $0.isLive(at: now) }).count >= Self.liveLimit {
            throw AppError(.tooManyGuests, ["limit": .integer(Self.liveLimit)])
        }
        // The cohort in which the learner practises the exercise (the task's pool).
        guard
            let cohort = reached.learnerMemberships.first(where: { $0.part == .learner && exercise.cohorts.contains($0.cohortID) })?.cohortID
                ?? exercise.cohorts.first
        else { throw AppError.notFound(.submission) }
        let guestID = UserID()
        let taskID = ReviewTaskID()
        let invitation = try GuestInvitation(
            submissionID: id, taskID: taskID, guestID: guestID, invitedBy: actor.user.id, name: invitee.name, email: invitee.email,
            days: invitee.days, now: now)
        // Their pages follow their own browser; the mail is in the inviter's language.
        let account = try invitation.guestAccount(language: nil)
        let task = ReviewTask(
            id: taskID, submissionID: id, cohortID: cohort, kind: .guest, assignee: guestID, createdAt: now)
        let secret = SecretToken.generate(prefix: "")
        let path = Self.linkPath(secret: secret)
        var queued: QueuedMail?
        if let mail, let address = invitation.email {
            var reader = account
            reader.language = invitee.language
            let content = mail.texts.guestInvitation(
                to: reader, link: mail.publicURL + path, expires: invitation.expiresAt, inviter: actor.user.displayName,
                exercise: exercise.title)
            let mailID = "guest-" + UUIDText.lowercase(UUID())
            queued = QueuedMail(
                id: mailID, userID: nil, address: address, purpose: "guest",
                message: MailMessage.compose(
                    id: mailID, from: mail.smtp.from, fromName: mail.smtp.fromName, to: address, toName: invitation.name, content: content,
                    unsubscribe: nil, date: now),
                notBefore: now)
        }
        try await store.inviteGuest(invitation, account: account, task: task, tokenHash: SecretToken.hash(secret), mail: queued, now: now)
        return (Entry(invitation: invitation, inviterName: actor.user.displayName, review: nil), path)
    }

    /// The path of a guest's link with its secret.
    public static func linkPath(secret: String) -> String { "/guest?t=" + secret }

    /// Whether invitations are mailed (otherwise the inviter passes the link on).
    public var sendsMail: Bool { mail != nil }

    /// The guests invited to attempt `id`, oldest first, for those who may see them (its
    /// learner, its trainers, administrators).
    public func guests(_ actor: Actor, of id: SubmissionID) async throws -> [Entry] {
        let reached = try await submissions.reach(actor, id)
        try AccessPolicy.require(
            actor, .view, .guestReviewers(reached.submission, exercise: reached.exercise, learnerMemberships: reached.learnerMemberships),
            .guest)
        let invitations = try await store.guestInvitations(of: id)
        // Most attempts have no guest: their reviews are read only for the guests' lines.
        let reviews = invitations.isEmpty ? [] : try await store.reviews(of: id)
        var names: [UserID: String] = [:]
        var entries: [Entry] = []
        for invitation in invitations {
            if names[invitation.invitedBy] == nil {
                names[invitation.invitedBy] = try await store.user(invitation.invitedBy).map { $0.isErased ? "" : $0.displayName } ?? ""
            }
            entries.append(
                Entry(
                    invitation: invitation, inviterName: names[invitation.invitedBy] ?? "",
                    review: reviews.first { $0.taskID == invitation.taskID }))
        }
        return entries
    }

    /// Withdraws guest `guest`'s invitation to attempt `id`: the link and the guest's sessions
    /// stop working at once; a review they sent stays.
    /// - Throws: not found for an invitation of another attempt or out of reach.
    public func withdraw(_ actor: Actor, _ guest: GuestInvitationID, of id: SubmissionID) async throws {
        let reached = try await submissions.reach(actor, id)
        try AccessPolicy.require(
            actor, .delete, .guestReviewers(reached.submission, exercise: reached.exercise, learnerMemberships: reached.learnerMemberships),
            .guest)
        guard let invitation = try await store.guestInvitations(of: id).first(where: { $0.id == guest }) else {
            throw AppError.notFound(.guest)
        }
        try await store.withdrawGuest(invitation, by: actor.user.id, now: now())
    }

    /// What a guest's link leads to, before they start: the invitation, who invited them and to
    /// which exercise. - Throws: as ``open(secret:address:userAgent:)`` does.
    public func welcome(secret: String) async throws -> (invitation: GuestInvitation, inviter: String, exercise: String) {
        let invitation = try await live(secret: secret)
        let inviter = try await store.user(invitation.invitedBy).map { $0.isErased ? "" : $0.displayName } ?? ""
        guard let submission = try await store.submission(invitation.submissionID), let exercise = try await store.exercise(submission.exerciseID)
        else { throw AppError(.linkInvalid) }
        return (invitation, inviter, exercise.title)
    }

    /// Opens a guest's link: a session for the guest that ends with the invitation.
    /// - Returns: the session's secret, the guest as an actor, and their review task.
    /// - Throws: ``ProblemKind/linkInvalid`` for an unknown link; ``ProblemKind/guestLinkEnded``
    ///   (naming the inviter and when it ended) for one that expired or was withdrawn.
    public func open(secret: String, address: String?, userAgent: String?) async throws -> (session: String, actor: Actor, task: ReviewTaskID) {
        let invitation = try await live(secret: secret)
        guard let user = try await store.user(invitation.guestID) else { throw AppError(.linkInvalid) }
        let now = now()
        try await store.noteGuestOpened(invitation.id, now: now)
        let ends = min(invitation.expiresAt, now.addingTimeInterval(sessionLifetime))
        let session = try await store.createSession(for: user.id, expiresAt: ends, address: address, userAgent: userAgent, now: now)
        return (session, try await store.actor(for: user, now: now), invitation.taskID)
    }

    /// The live invitation of a link. - Throws: ``ProblemKind/linkInvalid`` for an unknown link,
    /// ``ProblemKind/guestLinkEnded`` (naming the inviter and when) for one that expired or was withdrawn.
    private func live(secret: String) async throws -> GuestInvitation {
        guard !secret.isEmpty, let invitation = try await store.guestInvitation(tokenHash: SecretToken.hash(secret)) else {
            throw AppError(.linkInvalid)
        }
        guard invitation.isLive(at: now()) else {
            let inviter = try await store.user(invitation.invitedBy)
            throw AppError(
                .guestLinkEnded,
                [
                    "inviter": .text(inviter.map { $0.isErased ? "" : $0.displayName } ?? ""),
                    "date": .dateTime(invitation.revokedAt ?? invitation.expiresAt),
                ])
        }
        return invitation
    }
}
