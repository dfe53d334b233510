import Foundation
import SteigerCore
import SteigerStore

/// A person to invite: their address, name, role and (optionally) cohort and language.
public struct Invitee: Sendable, Equatable {
    public var email: String
    public var displayName: String
    public var role: Role
    public var cohort: CohortID?
    /// The language of the invitation and of their pages (nil: the service's default).
    public var language: Language?

    public init(email: String, displayName: String, role: Role, cohort: CohortID?, language: Language? = nil) {
        self.email = email
        self.displayName = displayName
        self.role = role
        self.cohort = cohort
        self.language = language
    }
}

/// What came of inviting one person.
public struct InvitationResult: Sendable, Equatable {
    public enum Outcome: String, Sendable, Equatable {
        /// A new account; the invitation is on its way.
        case invited
        /// They had been invited and had not accepted yet: a new invitation replaces the old one.
        case invitedAgain
        /// They already had an account and were put in the cohort.
        case added
        /// They already had an account and were in the cohort: nothing to do.
        case unchanged
        /// Not invited; ``problem`` says why.
        case refused
    }

    /// The line of the list it came from (1 is the first line), nil for a single invitation.
    public var line: Int?
    public var email: String
    public var displayName: String
    public var outcome: Outcome
    /// Why it was refused.
    public var problem: AppError?
    /// The invitation's path with its secret, only when this service cannot send e-mail: the
    /// person inviting then passes it on themselves.
    public var link: String?
    /// When the invitation runs out.
    public var expiresAt: Date?

    public init(
        line: Int?, email: String, displayName: String, outcome: Outcome, problem: AppError? = nil, link: String? = nil, expiresAt: Date? = nil
    ) {
        self.line = line
        self.email = email
        self.displayName = displayName
        self.outcome = outcome
        self.problem = problem
        self.link = link
        self.expiresAt = expiresAt
    }
}

// MARK: - Accounts by e-mail

extension Accounts {
    /// The most people one list may invite, and the longest list (in characters).
    public static let invitationListLimit = 1000
    public static let invitationListLength = 80_000

    /// Whether this service sends e-mail (otherwise invitations hand over their link, and a
    /// forgotten password is an administrator's to reset).
    public var sendsMail: Bool { mail != nil }

    /// The path of a link, with its secret, on this service.
    public static func linkPath(_ purpose: AccountLinkPurpose, secret: String) -> String {
        switch purpose {
        case .invitation: "/welcome?t=" + secret
        case .passwordReset: "/password/reset?t=" + secret
        case .emailChange: "/email/confirm?t=" + secret
        }
    }

    /// Invites one person: administrators anyone, a trainer learners into the cohorts they train.
    /// A new address gets an account without a password and a link (by e-mail) to choose one;
    /// someone who was invited and has not accepted gets a new link; someone with an account is
    /// put in the cohort.
    /// - Throws: field problems, ``ProblemKind/notAllowed``, not found for a cohort out of reach.
    public func invite(_ actor: Actor, _ invitee: Invitee) async throws -> InvitationResult {
        try await invite(actor, invitee, line: nil)
    }

    /// Invites everyone on a list of comma- (or semicolon-) separated values with the columns
    /// name, e-mail, role, cohort and, optionally, language (`nl`, `en`); a first line of
    /// column names is skipped. The role may be empty (a learner); the cohort is a name or an id of
    /// a cohort the actor may invite into, or empty for `defaultCohort`. Each line is invited on
    /// its own: a line with a problem is refused with the reason and the others go ahead.
    /// - Throws: ``ProblemKind/notAllowed`` for someone who may invite no one; field `csv`
    ///   problems when the list is empty or longer than ``invitationListLimit``.
    public func invite(_ actor: Actor, csv: String, defaultCohort: CohortID? = nil) async throws -> [InvitationResult] {
        let cohorts = try await invitationChoices(actor).cohorts
        if csv.unicodeScalars.count > Self.invitationListLength {
            throw AppError.invalid("csv", Message("validation.maxCharacters", ["max": .integer(Self.invitationListLength)]))
        }
        var rows = CSV.records(csv).map { (line: $0.line, fields: $0.fields.map { $0.trimmingCharacters(in: .whitespaces) }) }
        if let first = rows.first, first.fields.contains(where: { Self.columnNames.contains($0.lowercased()) }) { rows.removeFirst() }
        if rows.isEmpty { throw AppError.invalid("csv", Message("validation.csvEmpty")) }
        if rows.count > Self.invitationListLimit {
            throw AppError.invalid("csv", Message("validation.csvRows", ["max": .integer(Self.invitationListLimit)]))
        }
        var results: [InvitationResult] = []
        var seen: [String: Int] = [:]
        for row in rows {
            let field = { (index: Int) in index < row.fields.count ? row.fields[index] : "" }
            let email = field(1)
            let name = field(0)
            do {
                // The same person twice: the first line counts (a second invitation would end the first one's link).
                let address = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                if let earlier = seen[address] {
                    throw AppError.invalid("email", Message("validation.csvDuplicate", ["line": .integer(earlier)]))
                }
                seen[address] = row.line
                let role = try Self.role(named: field(2))
                let cohort = try field(3).isEmpty ? defaultCohort : Self.cohort(named: field(3), in: cohorts)
                let language = try Self.language(named: field(4))
                results.append(
                    try await invite(
                        actor, Invitee(email: email, displayName: name, role: role, cohort: cohort, language: language), line: row.line))
            } catch {
                results.append(
                    InvitationResult(line: row.line, email: email, displayName: name, outcome: .refused, problem: AppError(from: error)))
            }
        }
        return results
    }

    /// The names a first line of column names may use, in English and Dutch.
    static let columnNames: Set<String> = [
        "name", "naam", "email", "e-mail", "email address", "e-mailadres", "emailadres", "mail", "role", "rol", "cohort", "groep",
        "language", "taal",
    ]

    private func invite(_ actor: Actor, _ invitee: Invitee, line: Int?) async throws -> InvitationResult {
        try AccessPolicy.require(actor, .create, .invitation(role: invitee.role, cohort: invitee.cohort), .cohort)
        var cohort: Cohort?
        if let id = invitee.cohort {
            guard let found = try await store.cohort(id) else { throw AppError.notFound(.cohort) }
            cohort = found
        }
        let now = now()
        var result = InvitationResult(line: line, email: invitee.email, displayName: invitee.displayName, outcome: .invited)
        // The request is checked as a whole first, whether or not the address has an account.
        let candidate = try User(
            email: invitee.email, displayName: invitee.displayName, roles: [invitee.role], createdAt: now, language: invitee.language)
        result.email = candidate.email
        result.displayName = candidate.displayName
        let existing = try await store.userForLogin(email: candidate.email)
        let user: User
        if let existing {
            user = existing.user
            result.email = user.email
            // Someone who already has an account is an administrator's to put in a cohort or to
            // invite again (the rules of changing a cohort's members and an account's own
            // fields): an invitation cannot pull anyone into a cohort, or hand out a link to
            // someone else's account. Disabled or not, the answer is the same.
            let mayManage =
                AccessPolicy.decide(actor, .update, .accountSettings) == .allow
                && (cohort.map { AccessPolicy.decide(actor, .update, .cohort($0)) == .allow } ?? true)
            guard mayManage else { throw AppError(.hasAccount, ["email": .text(user.email)]) }
            if user.isDisabled { throw AppError(.accountDisabled) }
        } else {
            user = candidate
        }
        let membership = invitee.cohort.map {
            Membership(cohortID: $0, userID: user.id, part: invitee.role == .trainer ? .trainer : .learner)
        }
        if let membership { try Membership.check(membership.part, for: user, field: "role") }
        let accepted = existing?.passwordHash != nil
        if accepted {
            let memberships = try await store.memberships(of: user.id)
            guard let membership, !memberships.contains(where: { $0.cohortID == membership.cohortID }) else {
                result.outcome = .unchanged
                return result
            }
            try await store.invite(user, isNew: false, membership: membership, link: nil, mail: nil, by: actor.user.id, now: now)
            result.outcome = .added
            return result
        }
        let secret = SecretToken.generate(prefix: "")
        let expires = now.addingTimeInterval(AccountLinkPurpose.invitation.lifetime)
        let link = NewAccountLink(
            tokenHash: SecretToken.hash(secret), link: AccountLink(purpose: .invitation, userID: user.id, email: user.email, expiresAt: expires),
            createdBy: actor.user.id)
        let mail = accountMail(.invitation, to: user, address: user.email, secret: secret, expires: expires, inviter: actor.user)
        do {
            try await store.invite(user, isNew: existing == nil, membership: membership, link: link, mail: mail, by: actor.user.id, now: now)
        } catch StoreError.conflict {
            // Taken at the same moment by someone else, or accepted meanwhile.
            throw AppError(.emailTaken, ["email": .text(user.email)])
        }
        result.outcome = existing == nil ? .invited : .invitedAgain
        result.expiresAt = expires
        if mail == nil { result.link = Self.linkPath(.invitation, secret: secret) }
        return result
    }

    /// What a person may invite others as, and into which cohorts.
    public struct InvitationChoices: Sendable {
        /// The roles, the least powerful first.
        public var roles: [Role]
        /// The cohorts, by name.
        public var cohorts: [Cohort]
        /// Whether they may invite someone into no cohort.
        public var withoutCohort: Bool
    }

    /// What `actor` may invite people as, and into which cohorts.
    /// - Throws: ``ProblemKind/notAllowed`` for someone who may invite no one.
    public func invitationChoices(_ actor: Actor) async throws -> InvitationChoices {
        let cohorts = try await invitableCohorts(actor)
        let roles = Role.allCases.filter { role in
            AccessPolicy.decide(actor, .create, .invitation(role: role, cohort: nil)) == .allow
                || cohorts.contains { AccessPolicy.decide(actor, .create, .invitation(role: role, cohort: $0.id)) == .allow }
        }
        if roles.isEmpty { throw AppError.forbidden(.user) }
        return InvitationChoices(
            roles: roles.sorted(by: >), cohorts: cohorts,
            withoutCohort: AccessPolicy.decide(actor, .create, .invitation(role: .learner, cohort: nil)) == .allow)
    }

    /// The cohorts `actor` may invite into: every cohort for administrators, the ones they train for trainers.
    public func invitableCohorts(_ actor: Actor) async throws -> [Cohort] {
        try await store.allCohorts(scope: AccessPolicy.listScope(for: actor)).filter {
            AccessPolicy.decide(actor, .create, .invitation(role: .learner, cohort: $0.id)) == .allow
        }
    }

    /// A role as a list names it, in English or Dutch; empty is a learner.
    static func role(named name: String) throws(AppError) -> Role {
        switch name.lowercased() {
        case "", "learner", "deelnemer", "lerende", "leerling": return .learner
        case "trainer", "coach": return .trainer
        case "admin", "administrator", "beheerder": return .admin
        default: throw AppError.invalid("role", Message("validation.roleName", ["role": .text(name)]))
        }
    }

    /// A cohort by its id or its name (any case) among `cohorts`.
    static func cohort(named name: String, in cohorts: [Cohort]) throws(AppError) -> CohortID {
        if let id = CohortID(name), let found = cohorts.first(where: { $0.id == id }) { return found.id }
        let matching = cohorts.filter { $0.name.compare(name, options: [.caseInsensitive, .diacriticInsensitive]) == .orderedSame }
        guard let found = matching.first, matching.count == 1 else {
            throw AppError.invalid(
                "cohort", Message(matching.isEmpty ? "validation.cohortName" : "validation.cohortAmbiguous", ["cohort": .text(name)]))
        }
        return found.id
    }

    /// A language as a list or a form names it (`nl`, `en`); empty is the service's default.
    public static func language(named name: String) throws(AppError) -> Language? {
        guard !name.isEmpty else { return nil }
        guard let language = Language(rawValue: name.lowercased()) else { throw AppError.invalid("language", Message("validation.language")) }
        return language
    }

    // MARK: Links

    /// A mail carrying an account link, or nil when this service sends no e-mail. A mail to a
    /// new address is not tied to the account (whose address is still the old one).
    func accountMail(_ purpose: AccountLinkPurpose, to user: User, address: String, secret: String, expires: Date, inviter: User?) -> QueuedMail? {
        guard let mail else { return nil }
        let now = now()
        let content = mail.texts.account(
            purpose, to: user, link: mail.publicURL + Self.linkPath(purpose, secret: secret), expires: expires, inviter: inviter?.displayName)
        let id = purpose.rawValue + "-" + UUIDText.lowercase(UUID())
        return QueuedMail(
            id: id, userID: purpose == .emailChange ? nil : user.id, address: address, purpose: purpose.rawValue,
            message: MailMessage.compose(
                id: id, from: mail.smtp.from, fromName: mail.smtp.fromName, to: address, toName: user.displayName, content: content,
                unsubscribe: nil, date: now),
            notBefore: now)
    }

    /// "Forgot password": mails a link to choose a new password, valid for an hour and once,
    /// when `email` is a live account's; says nothing either way, so the answer does not tell
    /// who has an account. At most three links per address an hour, and twenty requests per
    /// client (more are dropped without a word). Does nothing when this service sends no e-mail.
    public func requestPasswordReset(email: String, address: String?) async throws {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard mail != nil, !email.isEmpty else { return }
        let now = now()
        if let address, resetsPerAddress.take(address, now: now) != nil { return }
        guard let found = try await store.userForLogin(email: email), !found.user.isDisabled,
            resetsPerAccount.take(found.user.email, now: now) == nil
        else { return }
        let secret = SecretToken.generate(prefix: "")
        let expires = now.addingTimeInterval(AccountLinkPurpose.passwordReset.lifetime)
        try await store.addAccountLink(
            NewAccountLink(
                tokenHash: SecretToken.hash(secret),
                link: AccountLink(purpose: .passwordReset, userID: found.user.id, email: found.user.email, expiresAt: expires), createdBy: nil),
            mail: accountMail(.passwordReset, to: found.user, address: found.user.email, secret: secret, expires: expires, inviter: nil),
            now: now)
    }

    /// The live link with `secret` and whose it is, for the page that uses it.
    /// - Throws: ``ProblemKind/linkInvalid`` for a link that is unknown, used or expired.
    public func accountLink(secret: String) async throws -> (link: AccountLink, user: User) {
        guard let found = try await store.accountLink(tokenHash: SecretToken.hash(secret), now: now()) else { throw AppError(.linkInvalid) }
        return found
    }

    /// Uses an invitation or a password-reset link (`purpose`): sets `password` (checked first,
    /// so a weak one leaves the link usable), ends the person's other sessions and links, and
    /// signs them in.
    /// - Throws: ``ProblemKind/linkInvalid`` (also for a link of another purpose), or `password` problems.
    public func usePasswordLink(
        _ purpose: AccountLinkPurpose, secret: String, password: String, address: String?, userAgent: String?
    ) async throws -> (secret: String, actor: Actor) {
        let (link, _) = try await accountLink(secret: secret)
        guard purpose.setsPassword, link.purpose == purpose else { throw AppError(.linkInvalid) }
        try Self.checkPassword(password)
        let hash = try await hash(password)
        guard let (_, user) = try await store.useAccountLink(tokenHash: SecretToken.hash(secret), passwordHash: hash, now: now()) else {
            throw AppError(.linkInvalid)
        }
        let now = now()
        let session = try await store.createSession(
            for: user.id, expiresAt: now.addingTimeInterval(sessionLifetime), address: address, userAgent: userAgent, now: now)
        return (session, try await store.actor(for: user))
    }

    /// Confirms a new e-mail address from the link mailed to it; the person signs in with it from now on.
    /// - Throws: ``ProblemKind/linkInvalid``, ``ProblemKind/emailTaken`` when someone took the address meanwhile.
    public func confirmEmail(secret: String) async throws -> User {
        let (link, _) = try await accountLink(secret: secret)
        guard link.purpose == .emailChange else { throw AppError(.linkInvalid) }
        do {
            guard let (_, user) = try await store.useAccountLink(tokenHash: SecretToken.hash(secret), passwordHash: nil, now: now()) else {
                throw AppError(.linkInvalid)
            }
            return user
        } catch StoreError.conflict {
            throw AppError(.emailTaken, ["email": .text(link.email)])
        }
    }

    /// Checks a request to change `user`'s own address to `newEmail`: a plausible address, a
    /// service that sends e-mail, at most three requests an hour.
    /// - Returns: the address, normalised.
    func checkEmailChange(of user: User, to newEmail: String) throws -> String {
        let checked = try User(email: newEmail, displayName: user.displayName, roles: user.roles).email
        guard mail != nil else { throw AppError(.mailOff) }
        if let wait = emailChanges.take(user.id.description, now: now()) { throw AppError(.throttled, ["seconds": .integer(wait)]) }
        return checked
    }

    /// Mails a link to confirm `newEmail` (checked by ``checkEmailChange(of:to:)``) to that
    /// address; the address changes when it is used.
    func requestEmailChange(of user: User, to newEmail: String) async throws {
        let secret = SecretToken.generate(prefix: "")
        let expires = now().addingTimeInterval(AccountLinkPurpose.emailChange.lifetime)
        try await store.addAccountLink(
            NewAccountLink(
                tokenHash: SecretToken.hash(secret),
                link: AccountLink(purpose: .emailChange, userID: user.id, email: newEmail, expiresAt: expires), createdBy: user.id),
            mail: accountMail(.emailChange, to: user, address: newEmail, secret: secret, expires: expires, inviter: nil), now: now())
    }
}
