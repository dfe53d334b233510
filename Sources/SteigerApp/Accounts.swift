import Crypto
import Foundation
internal import HummingbirdBcrypt
import Logging
import NIOPosix
import SteigerCore
import SteigerStore
import Synchronization

/// People and their ways in: accounts, passwords, sign-in and sessions, API tokens. Shared by
/// the API, the pages and `steiger admin`.
public struct Accounts: Sendable {
    let store: Store
    let bcryptCost: UInt8
    let sessionLifetime: TimeInterval
    let throttle: LoginThrottle
    let now: @Sendable () -> Date
    /// A hash of a random secret, checked against when an account is unknown, so that the answer
    /// takes as long as for a known account.
    let unusableHash: String
    /// The key that signs form tokens, read from the store once.
    let formKey = SharedKey()
    /// E-mail (nil: this service sends none).
    let mail: MailSettings?
    /// Password-reset mails per account, and requests per client, within an hour.
    let resetsPerAccount = RateWindow(limit: 3, window: 3600)
    let resetsPerAddress = RateWindow(limit: 20, window: 3600)
    /// Requests to change one's own address, per account within an hour.
    let emailChanges = RateWindow(limit: 3, window: 3600)

    /// Creates the use case over `store` with `settings` (bcrypt cost, session lifetime, sign-in limits).
    public init(store: Store, settings: AppSettings = AppSettings()) {
        self.store = store
        bcryptCost = settings.bcryptCost
        sessionLifetime = settings.sessionLifetime
        throttle = LoginThrottle(
            perAccount: settings.loginFailuresPerAccount, perAddress: settings.loginFailuresPerAddress, window: settings.loginWindow)
        now = settings.now
        mail = settings.mail
        unusableHash = Bcrypt.hash(SecretToken.generate(prefix: ""), cost: settings.bcryptCost)
    }

    /// Creates the use case with the bcrypt work factor `bcryptCost` and the other settings' defaults.
    public init(store: Store, bcryptCost: UInt8) {
        var settings = AppSettings()
        settings.bcryptCost = bcryptCost
        self.init(store: store, settings: settings)
    }

    /// How long a sign-in form's token is good for.
    static let formTokenLifetime: TimeInterval = 3600

    /// A token for a form that has no session yet (the sign-in page): a random nonce and its
    /// expiry, signed with the service's key, so only tokens this service issued are accepted.
    public func formToken() async throws -> String {
        let body = "\(Int(now().timeIntervalSince1970 + Self.formTokenLifetime)).\(SecretToken.generate(prefix: ""))"
        return body + "." + (try await formSignature(body))
    }

    /// Whether `token` is one ``formToken()`` issued and it has not expired.
    public func isFormToken(_ token: String) async throws -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expires = Int(parts[0]), Double(expires) > now().timeIntervalSince1970 else { return false }
        let expected = try await formSignature(parts[0] + "." + parts[1])
        return SecretToken.matches(parts[2], expected)
    }

    private func formSignature(_ body: String) async throws -> String {
        let key = SymmetricKey(data: try await formKey.load { Data(try await store.serverKey(named: "form-token").utf8) })
        return SecretToken.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data(("sign-in:" + body).utf8), using: key)))
    }

    /// A random password of 20 letters and digits (about 119 bits).
    public static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// bcrypt, off the event loops.
    public func hash(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Checks a new password: 10 to 1000 characters.
    public static func checkPassword(_ password: String, field: String = "password") throws(ValidationError) {
        if password.unicodeScalars.count < 10 { throw ValidationError(field: field, Message("validation.minCharacters", ["min": 10])) }
        if password.unicodeScalars.count > 1000 { throw ValidationError(field: field, Message("validation.maxCharacters", ["max": 1000])) }
    }

    /// Adds a user with a password; `actor` is who made the account (nil: the command line).
    /// - Throws: ``ProblemKind/emailTaken``, or field problems.
    public func createUser(
        email: String, displayName: String, roles: Set<Role>, password: String?, by actor: UserID? = nil,
        now: Date? = nil
    ) async throws -> User {
        let user = try User(email: email, displayName: displayName, roles: roles, createdAt: now ?? self.now())
        if let password { try Self.checkPassword(password) }
        let hash = try await password.asyncMap { try await self.hash($0) }
        do {
            try await store.createUser(user, passwordHash: hash, by: actor)
        } catch StoreError.conflict {
            throw AppError(.emailTaken, ["email": .text(user.email)])
        }
        if let actor {
            let roles = user.roles.map(\.rawValue).sorted().joined(separator: ",")
            try await store.audit(actor, .accountCreated, "user", user.id.description, owner: user.id, detail: "roles=\(roles)", at: user.createdAt)
        }
        return user
    }

    /// Sets a user's password, ending their sessions and revoking their API tokens (unless
    /// `keepTokens`: a person changing their own password may keep them).
    public func setPassword(_ password: String, for user: UserID, keepTokens: Bool = false) async throws {
        try Self.checkPassword(password)
        try await store.setPasswordHash(try await hash(password), for: user, revokeTokens: !keepTokens, now: now())
    }

    /// The user with `email`, or a not-found error naming it.
    public func user(email: String) async throws -> User {
        guard let found = try await store.userForLogin(email: email)?.user else {
            throw StoreError.notFound("no user has the email address \(email)")
        }
        return found
    }

    /// On a database without users, creates the first administrator with a generated password,
    /// writes the credentials to `credentialsFile` (mode 0600) and returns them.
    public func ensureFirstAdmin(email: String, credentialsFile: String, logger: Logger) async throws -> (email: String, password: String)? {
        guard try await store.userCount() == 0 else { return nil }
        let password = Self.generatePassword()
        _ = try await createUser(email: email, displayName: "Administrator", roles: [.admin], password: password)
        let text = "email: \(email)\npassword: \(password)\n"
        try Self.writePrivateFile(credentialsFile, text)
        logger.notice("created the first administrator", metadata: ["email": .string(email), "credentials": .string(credentialsFile)])
        return (email, password)
    }
}

extension Accounts {
    /// Writes a file only its owner can read, created with that mode (never readable by others,
    /// not even for a moment); an existing file is replaced.
    static func writePrivateFile(_ path: String, _ text: String) throws {
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw StoreError.configuration("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else {
            throw StoreError.configuration("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

/// A key read once and shared by copies of a use case.
final class SharedKey: Sendable {
    private let key = Mutex<Data?>(nil)

    /// The key, read with `read` the first time and kept.
    func load(_ read: () async throws -> Data) async throws -> Data {
        if let known = key.withLock({ $0 }) { return known }
        let secret = try await read()
        key.withLock { $0 = secret }
        return secret
    }
}

// MARK: - Signing in

extension Accounts {
    /// Checks a password (throttled per account and address, the same bcrypt work for unknown
    /// accounts) and opens a session.
    /// - Returns: the session's secret and who signed in.
    /// - Throws: ``ProblemKind/throttled`` (with `seconds`), ``ProblemKind/wrongLogin``, ``ProblemKind/accountDisabled``.
    public func signIn(email: String, password: String, address: String?, userAgent: String?) async throws -> (secret: String, actor: Actor) {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        let now = now()
        if let wait = throttle.attempt(email: email, address: address, now: now) {
            throw AppError(.throttled, ["seconds": .integer(wait)])
        }
        let found = try await store.userForLogin(email: email)
        // The same bcrypt work whether or not the account exists, so timing does not tell.
        let matches = try await verify(password, hash: found?.passwordHash ?? unusableHash) && found?.passwordHash != nil
        guard matches, let user = found?.user else { throw AppError(.wrongLogin) }
        throttle.succeed(email: email, address: address)
        guard !user.isDisabled else { throw AppError(.accountDisabled) }
        let secret = try await store.createSession(
            for: user.id, expiresAt: now.addingTimeInterval(sessionLifetime), address: address, userAgent: userAgent, now: now)
        return (secret, try await store.actor(for: user, now: now))
    }

    /// The person a session belongs to, or nil when it ended, expired or their account is disabled.
    public func actor(session secret: String) async throws -> Actor? {
        guard let user = try await store.sessionUser(secret: secret, now: now()), !user.isDisabled else { return nil }
        let actor = try await store.actor(for: user, now: now())
        return actor.user.isDisabled ? nil : actor
    }

    /// The person an API token belongs to. - Throws: ``ProblemKind/tokenInvalid``.
    public func actor(token secret: String) async throws -> Actor {
        guard let user = try await store.tokenUser(secret: secret, now: now()), !user.isDisabled else { throw AppError(.tokenInvalid) }
        return try await store.actor(for: user, now: now())
    }

    /// Ends a session.
    public func signOut(session secret: String) async throws {
        try await store.deleteSession(secret: secret)
    }

    /// Checks `password` as `user`'s, counted in the sign-in throttle (per account and address):
    /// over the limit, ``ProblemKind/throttled`` without checking; wrong, `wrong`.
    func checkPassword(_ password: String, of user: User, address: String?, wrong: ProblemKind) async throws {
        if let wait = throttle.attempt(email: user.email, address: address, now: now()) {
            throw AppError(.throttled, ["seconds": .integer(wait)])
        }
        let hash = try await store.userForLogin(email: user.email)?.passwordHash ?? unusableHash
        guard try await verify(password, hash: hash) else { throw AppError(wrong) }
        throttle.succeed(email: user.email, address: address)
    }

    /// Checks a password against its bcrypt hash, off the event loops.
    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}

// MARK: - API tokens

extension Accounts {
    /// The actor's tokens, newest first (never their secrets).
    public func tokens(_ actor: Actor) async throws -> [APIToken] {
        try await store.tokens(of: actor.user.id)
    }

    /// How long a personal token lives, in days: when none is asked for, and at most.
    public static let tokenLifetime = (standard: 90, longest: 365)

    /// Makes a token for the actor named `name` (1 to 100 characters), valid for `expiresInDays`
    /// (1 to ``tokenLifetime``'s longest; nil: the standard lifetime). A token outlives the
    /// session it is made from, so the actor's password is asked again and checked in the
    /// sign-in throttle: a stolen session alone cannot turn into a lasting key.
    /// - Returns: the token and its secret, shown once.
    public func createToken(
        _ actor: Actor, name: String, expiresInDays: Int?, password: String, address: String?
    ) async throws -> (token: APIToken, secret: String) {
        let (name, days) = try Self.tokenRequest(name: name, expiresInDays: expiresInDays)
        try await checkPassword(password, of: actor.user, address: address, wrong: .wrongPassword)
        return try await store.createToken(for: actor.user.id, name: name, expiresAt: now().addingTimeInterval(Double(days) * 86400), now: now())
    }

    /// Makes a token for `user` from the machine the service runs on (`steiger admin create-token`),
    /// under the same rules for its name and lifetime.
    public func createToken(for user: User, name: String, expiresInDays: Int?) async throws -> String {
        let (name, days) = try Self.tokenRequest(name: name, expiresInDays: expiresInDays)
        return try await store.createToken(for: user.id, name: name, expiresAt: now().addingTimeInterval(Double(days) * 86400), now: now()).secret
    }

    static func tokenRequest(name: String, expiresInDays: Int?) throws(ValidationError) -> (name: String, days: Int) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [ValidationError.Problem] = []
        if name.isEmpty || name.unicodeScalars.count > 100 {
            problems.append(.init(field: "name", message: Message("validation.charactersBetween", ["min": 1, "max": 100])))
        }
        let days = expiresInDays ?? tokenLifetime.standard
        if !(1...tokenLifetime.longest).contains(days) {
            problems.append(.init(field: "expiresInDays", message: Message("validation.range", ["min": 1, "max": .integer(tokenLifetime.longest)])))
        }
        if !problems.isEmpty { throw ValidationError(problems) }
        return (name, days)
    }

    /// Revokes one of the actor's live tokens. - Throws: not found for anyone else's, or one already revoked.
    public func revokeToken(_ actor: Actor, id: String) async throws {
        guard try await store.revokeToken(id: id.lowercased(), of: actor.user.id, now: now()) else { throw AppError.notFound(.liveToken) }
    }
}

// MARK: - People

/// What a change to a user may carry; nil leaves a field as it is.
public struct UserUpdate: Sendable {
    public var email: String?
    public var displayName: String?
    public var roles: Set<Role>?
    public var disabled: Bool?
    public var password: String?
    /// The person's own password, needed to change it.
    public var currentPassword: String?
    /// On changing one's own password, keep one's API tokens (otherwise they are revoked with the sessions).
    public var keepTokens: Bool?
    /// `nl`, `en`, or `auto` (follow the browser).
    public var language: String?

    public init(
        email: String? = nil, displayName: String? = nil, roles: Set<Role>? = nil, disabled: Bool? = nil, password: String? = nil,
        currentPassword: String? = nil, keepTokens: Bool? = nil, language: String? = nil
    ) {
        self.email = email
        self.displayName = displayName
        self.roles = roles
        self.disabled = disabled
        self.password = password
        self.currentPassword = currentPassword
        self.keepTokens = keepTokens
        self.language = language
    }
}

extension Accounts {
    /// The users `actor` may see (admins: everyone; trainers: their cohorts' members; others:
    /// themselves), newest first, optionally only those holding `role`.
    public func users(_ actor: Actor, role: Role? = nil, page: PageRequest) async throws -> Page<User> {
        try await store.users(scope: AccessPolicy.listScope(for: actor), role: role, page: page)
    }

    /// The user `id`, if `actor` may do `action` to them.
    public func user(_ actor: Actor, _ id: UserID, for action: Action = .view) async throws -> User {
        guard let user = try await store.user(id) else { throw AppError.notFound(.user) }
        try AccessPolicy.require(actor, action, .user(user, memberships: try await store.memberships(of: id)), .user)
        return user
    }

    /// Adds a user (administrators).
    public func createUser(_ actor: Actor, email: String, displayName: String, roles: Set<Role>, password: String?) async throws -> User {
        try AccessPolicy.require(actor, .create, .newRecord, .user)
        return try await createUser(email: email, displayName: displayName, roles: roles, password: password, by: actor.user.id)
    }

    /// Changes a user: anyone their own name, password, language and e-mail address;
    /// administrators everything (but never disabling themselves or dropping their own admin
    /// role). Changing one's own password or address needs the current password; one's own new
    /// address takes effect once confirmed from a link mailed to it (an administrator's change of
    /// someone else's address takes effect at once); a new password ends the user's sessions and revokes their
    /// tokens (a person changing their own may keep the tokens); disabling an account ends both
    /// for good.
    /// `address` is where the request came from: a wrong current password counts against the
    /// account and the address in the same throttle as sign-in.
    public func update(_ actor: Actor, _ id: UserID, _ update: UserUpdate, address: String? = nil) async throws -> User {
        let user = try await user(actor, id, for: .update)
        let isSelf = user.id == actor.user.id
        // One's own new address waits for its confirmation; an administrator sets anyone else's.
        let newOwnEmail =
            isSelf ? update.email.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.flatMap { $0 == user.email ? nil : $0 } : nil
        var update = update
        if isSelf { update.email = nil }
        if update.email != nil || update.roles != nil || update.disabled != nil {
            guard AccessPolicy.decide(actor, .update, .accountSettings) == .allow else { throw AppError(.adminFields) }
        }
        if update.disabled == true, isSelf { throw AppError.invalid("disabled", Message("validation.disableSelf")) }
        if let roles = update.roles, isSelf, !roles.contains(.admin) { throw AppError.invalid("roles", Message("validation.adminSelf")) }
        if let password = update.password { try Self.checkPassword(password) }
        if isSelf, update.password != nil || newOwnEmail != nil {
            // A stolen session or token alone must not be enough to take over the account.
            guard let current = update.currentPassword else {
                throw AppError.invalid("currentPassword", Message("validation.currentPassword"))
            }
            try await checkPassword(current, of: user, address: address, wrong: .wrongPassword)
        }
        let confirmEmail = try newOwnEmail.map { try checkEmailChange(of: user, to: $0) }
        var language: Language??
        if let code = update.language {
            guard code == "auto" || Language(rawValue: code) != nil else { throw AppError.invalid("language", Message("validation.language")) }
            language = .some(Language(rawValue: code))
        }
        // Validated as a whole, written field by field.
        let merged = try User(
            id: user.id, email: update.email ?? user.email, displayName: update.displayName ?? user.displayName,
            roles: update.roles ?? user.roles, isDisabled: update.disabled ?? user.isDisabled, createdAt: user.createdAt)
        let changes = UserChanges(
            email: update.email.map { _ in merged.email }, displayName: update.displayName.map { _ in merged.displayName },
            roles: update.roles.map { _ in merged.roles }, isDisabled: update.disabled, language: language)
        let stored: User
        do {
            stored = try await store.updateUser(user.id, changes: changes, by: actor.user.id, now: now())
        } catch StoreError.conflict {
            throw AppError(.emailTaken, ["email": .text(merged.email)])
        }
        if !isSelf {
            // What someone else changed of a person's account: the fields, and the new roles and state.
            var fields: [String] = []
            if update.email != nil { fields.append("email") }
            if update.displayName != nil { fields.append("displayName") }
            if let roles = update.roles { fields.append("roles=" + roles.map(\.rawValue).sorted().joined(separator: ",")) }
            if let disabled = update.disabled { fields.append("disabled=\(disabled)") }
            if update.password != nil { fields.append("password") }
            if update.language != nil { fields.append("language") }
            try await store.audit(
                actor.user.id, .accountChanged, "user", user.id.description, owner: user.id, detail: fields.joined(separator: "; "), at: now())
        }
        if let password = update.password {
            // Ends the user's sessions, including the caller's own if it is them.
            try await setPassword(password, for: user.id, keepTokens: isSelf && update.keepTokens == true)
        }
        // Last, so the link is mailed only for a change that was made.
        if let confirmEmail { try await requestEmailChange(of: stored, to: confirmEmail) }
        return stored
    }

    /// Keeps the language the actor chose (nil: follow the browser) with their account.
    public func setLanguage(_ actor: Actor, _ language: Language?) async throws {
        try await store.updateUser(actor.user.id, changes: UserChanges(language: .some(language)))
    }
}
