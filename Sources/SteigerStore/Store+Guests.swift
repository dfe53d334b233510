import Foundation
import SteigerCore

extension Store {
    // MARK: - Guest reviewers

    /// Invites a guest reviewer in one transaction: their account, their review task, the
    /// invitation with its link's hash, the mail that carries the link, and the audit line.
    public func inviteGuest(
        _ invitation: GuestInvitation, account: User, task: ReviewTask, tokenHash: String, mail: QueuedMail?, now: Date
    ) async throws {
        try await write { session in
            try await Self.insert(account, passwordHash: nil, by: invitation.invitedBy, in: session)
            try await Self.insert([task], now: now, in: session)
            _ = try await session.query(
                """
                INSERT INTO guest_invitations (id, submission_id, task_id, guest_id, invited_by, name, email, token_hash, created_at, expires_at)
                VALUES (\(bind: invitation.id.description), \(bind: invitation.submissionID.description), \(bind: invitation.taskID.description),
                        \(bind: invitation.guestID.description), \(bind: invitation.invitedBy.description), \(bind: invitation.name),
                        \(bind: invitation.email), \(bind: tokenHash), \(bind: invitation.createdAt), \(bind: invitation.expiresAt))
                """)
            if let mail { try await Self.insert(mail, now: now, in: session) }
            let learner = try await Self.learner(of: invitation.submissionID, in: session)
            _ = try await Self.audit(
                AuditEntry(
                    at: now, actorID: invitation.invitedBy, action: .guestInvited, subjectType: "submission",
                    subjectID: invitation.submissionID.description, ownerID: learner,
                    detail: "\(invitation.name) until \(invitation.expiresAt.formatted(.iso8601))"), in: session)
        }
    }

    /// The invitation whose link has the hash `tokenHash`, live or not.
    public func guestInvitation(tokenHash: String) async throws -> GuestInvitation? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.guestColumns) FROM guest_invitations WHERE token_hash = \(bind: tokenHash)")
                .first.map(Self.guestInvitation)
        }
    }

    /// The invitation that made the guest account `guest`.
    public func guestInvitation(guest: UserID) async throws -> GuestInvitation? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.guestColumns) FROM guest_invitations WHERE guest_id = \(bind: guest.description)")
                .first.map(Self.guestInvitation)
        }
    }

    /// The guest invitations of an attempt, oldest first.
    public func guestInvitations(of submission: SubmissionID) async throws -> [GuestInvitation] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.guestColumns) FROM guest_invitations WHERE submission_id = \(bind: submission.description)
                ORDER BY created_at, id
                """
            ).map(Self.guestInvitation)
        }
    }

    /// Notes the first time a guest opened their link.
    public func noteGuestOpened(_ id: GuestInvitationID, now: Date) async throws {
        try await write { session in
            _ = try await session.query(
                "UPDATE guest_invitations SET opened_at = \(bind: now) WHERE id = \(bind: id.description) AND opened_at IS NULL")
        }
    }

    /// Withdraws an invitation: its link and the guest's sessions stop working; a review they
    /// sent stays. An unfinished review task goes with it. - Returns: false when it was withdrawn already.
    @discardableResult
    public func withdrawGuest(_ invitation: GuestInvitation, by actor: UserID, now: Date) async throws -> Bool {
        try await write { session in
            guard
                try await session.query(
                    """
                    UPDATE guest_invitations SET revoked_at = \(bind: now)
                    WHERE id = \(bind: invitation.id.description) AND revoked_at IS NULL RETURNING id
                    """
                ).first != nil
            else { return false }
            _ = try await session.query("DELETE FROM sessions WHERE user_id = \(bind: invitation.guestID.description)")
            _ = try await session.query("DELETE FROM review_tasks WHERE id = \(bind: invitation.taskID.description) AND status <> 'done'")
            let learner = try await Self.learner(of: invitation.submissionID, in: session)
            _ = try await Self.audit(
                AuditEntry(
                    at: now, actorID: actor, action: .guestWithdrawn, subjectType: "submission", subjectID: invitation.submissionID.description,
                    ownerID: learner, detail: invitation.name), in: session)
            return true
        }
    }

    /// The learner of an attempt, for the audit line's owner.
    private static func learner(of submission: SubmissionID, in session: any DatabaseSession) async throws -> UserID? {
        try await session.query("SELECT learner_id FROM submissions WHERE id = \(bind: submission.description)").first.map { try $0.id("learner_id") }
    }

    static let guestColumns = "id, submission_id, task_id, guest_id, invited_by, name, email, created_at, expires_at, revoked_at, opened_at"

    @Sendable static func guestInvitation(_ row: SQLRow) throws -> GuestInvitation {
        GuestInvitation(
            id: try row.id("id"), submissionID: try row.id("submission_id"), taskID: try row.id("task_id"), guestID: try row.id("guest_id"),
            invitedBy: try row.id("invited_by"), name: try row.string("name"), email: try row.optionalString("email"),
            createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"), revokedAt: try row.optionalDate("revoked_at"),
            openedAt: try row.optionalDate("opened_at"))
    }
}
