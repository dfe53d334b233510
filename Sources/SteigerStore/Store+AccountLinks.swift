import Foundation
import SteigerCore

/// A new account link: the SHA-256 of its secret and where it goes.
public struct NewAccountLink: Sendable {
    public var tokenHash: String
    public var link: AccountLink
    public var createdBy: UserID?

    public init(tokenHash: String, link: AccountLink, createdBy: UserID?) {
        self.tokenHash = tokenHash
        self.link = link
        self.createdBy = createdBy
    }
}

extension Store {
    // MARK: - Account links

    /// Invites a person in one transaction: makes their account (when `isNew`; nil password, so
    /// they cannot sign in before they chose one), puts them in a cohort, and adds the link and
    /// its mail (``addAccountLink(_:mail:now:)``).
    /// - Throws: ``StoreError/conflict(_:)`` when a new account's address is taken.
    public func invite(
        _ user: User, isNew: Bool, membership: Membership?, link: NewAccountLink?, mail: QueuedMail?, by actor: UserID?, now: Date
    ) async throws {
        try await write { session in
            if isNew { try await Self.insert(user, passwordHash: nil, by: actor, in: session) }
            if let membership {
                _ = try await session.query(
                    """
                    INSERT INTO memberships (cohort_id, user_id, part, created_at)
                    VALUES (\(bind: membership.cohortID.description), \(bind: membership.userID.description), \(bind: membership.part.rawValue),
                            \(bind: now))
                    ON CONFLICT (cohort_id, user_id) DO NOTHING
                    """)
            }
            if let link {
                // Someone who chose a password meanwhile is not invited again.
                if !isNew,
                    try await session.query(
                        "SELECT 1 AS yes FROM users WHERE id = \(bind: user.id.description) AND password_hash IS NULL"
                    ).isEmpty
                {
                    throw StoreError.conflict("\(user.email) accepted an invitation meanwhile")
                }
                try await Self.insert(link, mail: mail, now: now, in: session)
            }
        }
    }

    /// Adds a link and queues its mail in one transaction; the person's earlier live links for
    /// the same purpose stop working (only the newest mail's link does).
    public func addAccountLink(_ link: NewAccountLink, mail: QueuedMail?, now: Date) async throws {
        try await write { session in try await Self.insert(link, mail: mail, now: now, in: session) }
    }

    static func insert(_ link: NewAccountLink, mail: QueuedMail?, now: Date, in session: any DatabaseSession) async throws {
        try await revokeAccountLinks(of: link.link.userID, purpose: link.link.purpose, now: now, in: session)
        _ = try await session.query(
            """
            INSERT INTO account_links (token_hash, purpose, user_id, email, created_by, created_at, expires_at)
            VALUES (\(bind: link.tokenHash), \(bind: link.link.purpose.rawValue), \(bind: link.link.userID.description), \(bind: link.link.email),
                    \(bind: link.createdBy?.description), \(bind: now), \(bind: link.link.expiresAt))
            """)
        if let mail { try await insert(mail, now: now, in: session) }
    }

    /// Revokes the person's live links (of `purpose` only, when given): a newer link replaces
    /// them, and a new password, a new address or a disabled account ends them all.
    static func revokeAccountLinks(of user: UserID, purpose: AccountLinkPurpose? = nil, now: Date, in session: any DatabaseSession) async throws {
        let only: SQLStatement = purpose.map { " AND purpose = \(bind: $0.rawValue)" } ?? ""
        _ = try await session.query(
            """
            UPDATE account_links SET revoked_at = \(bind: now)
            WHERE user_id = \(bind: user.description) AND used_at IS NULL AND revoked_at IS NULL\(only)
            """)
    }

    /// What makes a link live: not used, not revoked, not expired, its person's account enabled,
    /// and (for a link that sets a password) still the person's address.
    static func live(now: Date) -> SQLStatement {
        """
        account_links.used_at IS NULL AND account_links.revoked_at IS NULL AND account_links.expires_at > \(bind: now)
        AND EXISTS (
            SELECT 1 FROM users u WHERE u.id = account_links.user_id AND u.disabled = 0
              AND (account_links.purpose = 'email-change' OR u.email = account_links.email))
        """
    }

    /// The live link with this secret's hash and its person, or nil when it is unknown, used,
    /// expired or revoked, its person's account is disabled, or (for a password link) their
    /// address is no longer the one it went to.
    public func accountLink(tokenHash: String, now: Date) async throws -> (link: AccountLink, user: User)? {
        try await read { session in
            guard
                let row = try await session.query(
                    """
                    SELECT account_links.purpose, account_links.email AS link_email, account_links.expires_at AS link_expires,
                           \(raw: Self.userColumns)
                    FROM account_links JOIN users ON users.id = account_links.user_id
                    WHERE account_links.token_hash = \(bind: tokenHash) AND \(Self.live(now: now))
                    """
                ).first
            else { return nil }
            return try Self.accountLink(row)
        }
    }

    /// Uses a link once: for an invitation or a password reset sets the password hash (ending the
    /// person's sessions and revoking their tokens), for an address change sets the address.
    /// Either way every other live link of the person stops working.
    /// - Returns: the person afterwards, or nil when the link is not live (see ``accountLink(tokenHash:now:)``).
    /// - Throws: ``StoreError/conflict(_:)`` when the new address has been taken meanwhile.
    public func useAccountLink(tokenHash: String, passwordHash: String?, now: Date) async throws -> (link: AccountLink, user: User)? {
        try await write { session in
            guard
                let row = try await session.query(
                    """
                    UPDATE account_links SET used_at = \(bind: now)
                    WHERE token_hash = \(bind: tokenHash) AND \(Self.live(now: now))
                    RETURNING purpose, user_id, email, expires_at
                    """
                ).first
            else { return nil }
            let link = AccountLink(
                purpose: try Self.purpose(row), userID: try row.id("user_id"), email: try row.string("email"),
                expiresAt: try row.date("expires_at"))
            let user = link.userID.description
            if link.purpose.setsPassword {
                guard let passwordHash else { throw StoreError.configuration("a password link needs a password") }
                _ = try await session.query(
                    "UPDATE users SET password_hash = \(bind: passwordHash), updated_at = \(bind: now) WHERE id = \(bind: user)")
                try await Self.endCredentials(of: link.userID, revokingTokens: true, in: session, now: now)
            } else {
                _ = try await session.query("UPDATE users SET email = \(bind: link.email), updated_at = \(bind: now) WHERE id = \(bind: user)")
                try await Self.revokeAccountLinks(of: link.userID, now: now, in: session)
            }
            guard let stored = try await session.query("SELECT \(raw: Self.userColumns) FROM users WHERE id = \(bind: user)").first else {
                throw StoreError.notFound("user \(user)")
            }
            return (link, try Self.user(stored))
        }
    }

    /// Whether `user` has a password (an invited person has none until they accept).
    public func hasPassword(_ user: UserID) async throws -> Bool {
        try await read { session in
            try await session.query("SELECT 1 AS yes FROM users WHERE id = \(bind: user.description) AND password_hash IS NOT NULL").isEmpty
                == false
        }
    }

    /// The people among `users` with an invitation still open, and when it runs out.
    public func openInvitations(of users: [UserID], now: Date) async throws -> [UserID: Date] {
        guard !users.isEmpty else { return [:] }
        return try await read { session in
            var found: [UserID: Date] = [:]
            for row in try await session.query(
                """
                SELECT account_links.user_id, MAX(account_links.expires_at) AS expires FROM account_links
                JOIN users ON users.id = account_links.user_id
                WHERE \(SQLStatement.isIn("account_links.user_id", users.map(\.description))) AND account_links.purpose = 'invitation'
                  AND \(Self.live(now: now)) AND users.password_hash IS NULL
                GROUP BY account_links.user_id
                """)
            {
                found[try row.id("user_id")] = try row.date("expires")
            }
            return found
        }
    }

    static func purpose(_ row: SQLRow) throws -> AccountLinkPurpose {
        guard let purpose = AccountLinkPurpose(rawValue: try row.string("purpose")) else {
            throw StoreError.corrupt("account link purpose \(row["purpose"])")
        }
        return purpose
    }

    static func accountLink(_ row: SQLRow) throws -> (link: AccountLink, user: User) {
        let user = try Self.user(row)
        return (
            AccountLink(
                purpose: try Self.purpose(row), userID: user.id,
                email: try row.string("link_email"), expiresAt: try row.date("link_expires")), user
        )
    }
}
