import Foundation
import SteigerCore

extension Store {
    // MARK: - Users

    /// Adds a user; `passwordHash` is a bcrypt hash (nil: cannot log in with a password yet).
    /// Records `user.created`, caused by `actor` (nil: the command line or Steiger itself).
    /// - Throws: ``StoreError/conflict(_:)`` when the email address is taken.
    public func createUser(_ user: User, passwordHash: String?, by actor: UserID? = nil) async throws {
        try await write { session in try await Self.insert(user, passwordHash: passwordHash, by: actor, in: session) }
    }

    /// Adds a user and records `user.created` in `session` (see ``createUser(_:passwordHash:by:)``).
    static func insert(_ user: User, passwordHash: String?, by actor: UserID?, in session: any DatabaseSession) async throws {
        _ = try await session.query(
            """
            INSERT INTO users (id, email, display_name, roles, disabled, password_hash, created_at, updated_at, language)
            VALUES (\(bind: user.id.description), \(bind: user.email), \(bind: user.displayName), \(bind: Self.rolesText(user.roles)),
                    \(bind: user.isDisabled), \(bind: passwordHash), \(bind: user.createdAt), \(bind: user.createdAt),
                    \(bind: user.language?.rawValue))
            """)
        try await record(
            DomainEvent(
                .userCreated, at: user.createdAt, by: actor, subjects: ["user": user.id.description],
                data: ["roles": user.roles.map(\.rawValue).sorted().joined(separator: ",")]), in: session)
    }

    /// The user with `id`.
    public func user(_ id: UserID) async throws -> User? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.userColumns) FROM users WHERE id = \(bind: id.description)").first.map(Self.user)
        }
    }

    /// The user with `email` (any case) and their password hash, for logging in.
    public func userForLogin(email: String) async throws -> (user: User, passwordHash: String?)? {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        return try await read { session in
            guard
                let row = try await session.query(
                    """
                    SELECT \(raw: Self.userColumns), password_hash FROM users WHERE email = \(bind: email)
                    """
                ).first
            else { return nil }
            return (try Self.user(row), try row.optionalString("password_hash"))
        }
    }

    /// Changes only the given fields of a user, in one statement, so that concurrent changes to
    /// other fields (an administrator disabling the account, say) are never written back over.
    /// - Returns: the user as stored afterwards.
    /// - Throws: ``StoreError/notFound(_:)``, or ``StoreError/conflict(_:)`` when the new email is taken.
    /// Disabling an account records `user.disabled`, caused by `actor`.
    @discardableResult
    public func updateUser(_ id: UserID, changes: UserChanges, by actor: UserID? = nil, now: Date = Date()) async throws -> User {
        var assignments: [SQLStatement] = ["updated_at = \(bind: now)"]
        if let email = changes.email { assignments.append("email = \(bind: email)") }
        if let displayName = changes.displayName { assignments.append("display_name = \(bind: displayName)") }
        if let roles = changes.roles { assignments.append("roles = \(bind: Self.rolesText(roles))") }
        if let disabled = changes.isDisabled { assignments.append("disabled = \(bind: disabled)") }
        if let language = changes.language { assignments.append("language = \(bind: language?.rawValue)") }
        let statement: SQLStatement = """
            UPDATE users SET \(SQLStatement.joined(assignments, separator: ", ")) WHERE id = \(bind: id.description)
            RETURNING \(raw: Self.userColumns.replacingOccurrences(of: "users.", with: ""))
            """
        return try await write { session in
            let wasDisabled =
                changes.isDisabled == true
                ? try await session.query("SELECT disabled FROM users WHERE id = \(bind: id.description)").first?.bool("disabled") : nil
            guard let row = try await session.query(statement).first else { throw StoreError.notFound("user \(id)") }
            let user = try Self.user(row)
            // Links mailed to the old address stop working.
            if changes.email != nil { try await Self.revokeAccountLinks(of: id, now: now, in: session) }
            if wasDisabled == false {
                // For good: enabling the account again does not bring back what it held.
                try await Self.endCredentials(of: id, revokingTokens: true, in: session, now: now)
                try await Self.record(DomainEvent(.userDisabled, at: now, by: actor, subjects: ["user": id.description]), in: session)
            }
            return user
        }
    }

    /// Sets a new password hash and ends every session of the user, and revokes their API tokens
    /// when `revokeTokens`.
    public func setPasswordHash(_ hash: String, for id: UserID, revokeTokens: Bool = true, now: Date = Date()) async throws {
        try await write { session in
            let rows = try await session.query(
                """
                UPDATE users SET password_hash = \(bind: hash), updated_at = \(bind: now) WHERE id = \(bind: id.description) RETURNING id
                """)
            if rows.isEmpty { throw StoreError.notFound("user \(id)") }
            try await Self.endCredentials(of: id, revokingTokens: revokeTokens, in: session, now: now)
        }
    }

    /// Ends every session of the user and every link mailed to them (an invitation, a reset, an
    /// address change) and, when `revokingTokens`, revokes their live API tokens.
    static func endCredentials(of id: UserID, revokingTokens: Bool, in session: any DatabaseSession, now: Date) async throws {
        _ = try await session.query("DELETE FROM sessions WHERE user_id = \(bind: id.description)")
        try await revokeAccountLinks(of: id, now: now, in: session)
        if revokingTokens {
            _ = try await session.query(
                "UPDATE api_tokens SET revoked_at = \(bind: now) WHERE user_id = \(bind: id.description) AND revoked_at IS NULL")
        }
    }

    /// How many users exist.
    public func userCount() async throws -> Int {
        try await read { session in Int(try await session.query("SELECT COUNT(*) AS n FROM users").first?.int("n") ?? 0) }
    }

    /// Users within `scope`, newest first, optionally only those holding `role`.
    public func users(scope: ListScope, role: Role? = nil, page: PageRequest) async throws -> Page<User> {
        // The accounts that stand in for erased people are nobody's to list.
        var filters: [SQLStatement] = ["users.email NOT LIKE \(bind: "%@" + User.erasedDomain)"]
        switch scope {
        case .nothing: return Page(items: [], next: nil)
        case .everything: break
        case .reach(let reach):
            filters.append(
                """
                (users.id = \(bind: reach.user.description) OR users.id IN (SELECT user_id FROM memberships WHERE \(SQLStatement.isIn("cohort_id", reach.trains))))
                """)
        }
        if let role { filters.append("(',' || users.roles || ',') LIKE \(bind: "%,\(role.rawValue),%")") }
        return try await self.page("SELECT \(raw: Self.userColumns) FROM users", table: "users", filters: filters, request: page, decode: Self.user)
    }

    /// The actor for `user`: the user with their memberships and, for a manager, their team.
    /// A guest reviewer's account acts only while their invitation is live (otherwise it can do nothing).
    public func actor(for user: User, now: Date = Date()) async throws -> Actor {
        if user.isGuest {
            var user = user
            let invitation = try await guestInvitation(guest: user.id)
            let live = invitation.map { $0.isLive(at: now) } ?? false
            user.isDisabled = user.isDisabled || !live
            return Actor(user: user, memberships: [], guest: live ? invitation : nil)
        }
        return Actor(
            user: user, memberships: try await memberships(of: user.id),
            team: user.has(.manager) ? Set(try await team(of: user.id)) : [])
    }

    static let userColumns =
        "users.id, users.email, users.display_name, users.roles, users.disabled, users.created_at, users.language, users.time_zone"

    static func rolesText(_ roles: Set<Role>) -> String { roles.sorted().map(\.rawValue).joined(separator: ",") }

    @Sendable static func user(_ row: SQLRow) throws -> User {
        let roles = try row.string("roles").split(separator: ",").compactMap { Role(rawValue: String($0)) }
        do {
            return try User(
                id: row.id("id"), email: row.string("email"), displayName: row.string("display_name"),
                roles: Set(roles), isDisabled: row.bool("disabled"), createdAt: row.date("created_at"),
                language: try row.optionalString("language").flatMap(Language.init(rawValue:)),
                timeZone: try row.optionalString("time_zone") ?? "UTC")
        } catch let error as ValidationError {
            throw StoreError.corrupt("user \(try row.string("id")): \(error)")
        }
    }
}
