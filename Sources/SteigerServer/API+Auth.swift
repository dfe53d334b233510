import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SteigerApp
import SteigerCore
import SteigerStore

struct LoginBody: RequestBody {
    static let fields: Set<String> = ["email", "password"]
    var email: String
    var password: String
    static let schema = object(["email": ["type": "string"], "password": ["type": "string"]])
}

struct NewTokenBody: RequestBody {
    static let fields: Set<String> = ["name", "expiresInDays"]
    var name: String
    var expiresInDays: Int?
    static let schema = object(
        [
            "name": ["type": "string", "minLength": 1, "maxLength": 100],
            "expiresInDays": ["type": "integer", "minimum": 1, "maximum": 3650],
        ], optional: ["expiresInDays"])
}

extension SteigerAPI {
    var authOperations: [Operation] {
        [
            Operation(
                method: .post, path: "/api/v1/auth/login", operationID: "login", tag: "auth",
                summary: "Log in with email and password; sets the session cookie", access: .anyone, body: LoginBody.schema,
                replies: [
                    .init(
                        status: 200, description: "Logged in.", schema: ref("Me"),
                        headers: ["Set-Cookie": "The session cookie (HttpOnly, SameSite=Lax)."])
                ],
                errors: [401: "Wrong email or password.", 403: "The account is disabled.", 429: "Too many failed attempts; see Retry-After."],
                handler: { request, context in try await self.login(&request, context) }),
            Operation(
                method: .post, path: "/api/v1/auth/logout", operationID: "logout", tag: "auth",
                summary: "End the current session", replies: [.init(status: 204, description: "Logged out; the cookie is cleared.")],
                handler: { request, context in try await self.logout(request, context) }),
            Operation(
                method: .get, path: "/api/v1/me", operationID: "getMe", tag: "auth",
                summary: "The logged-in person and their cohorts", replies: [.init(status: 200, description: "The caller.", schema: ref("Me"))],
                handler: { _, context in try self.me(context) }),
            Operation(
                method: .get, path: "/api/v1/me/tokens", operationID: "listTokens", tag: "auth",
                summary: "The caller's API tokens (never their secrets)",
                replies: [.init(status: 200, description: "Tokens, newest first.", schema: PageView<TokenView>.schema(of: "Token"))],
                handler: { _, context in
                    let actor = try context.requireActor()
                    return try .json(PageView(items: try await self.store.tokens(of: actor.user.id).map(TokenView.init)))
                }),
            Operation(
                method: .post, path: "/api/v1/me/tokens", operationID: "createToken", tag: "auth",
                summary: "Make an API token; its secret is shown in this response only", body: NewTokenBody.schema,
                replies: [.init(status: 201, description: "The token and its secret.", schema: ref("NewToken"))],
                handler: { request, context in try await self.createToken(&request, context) }),
            Operation(
                method: .delete, path: "/api/v1/me/tokens/{tokenId}", operationID: "revokeToken", tag: "auth",
                summary: "Revoke one of the caller's tokens", replies: [.init(status: 204, description: "Revoked.")],
                handler: { _, context in
                    let actor = try context.requireActor()
                    let id = context.parameters.get("tokenId") ?? ""
                    guard try await self.store.revokeToken(id: id.lowercased(), of: actor.user.id, now: self.configuration.now()) else {
                        throw Problem.notFound(.liveToken)
                    }
                    return .noContent()
                }),
        ]
    }

    private func login(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let body = try await request.decodeJSON(as: LoginBody.self, context: context)
        let (secret, actor) = try await signIn(email: body.email, password: body.password, userAgent: request.headers[.userAgent], context: context)
        return try .json(Self.meView(actor), headers: sessionCookies(secret))
    }

    /// Checks a password (throttled per account and address, the same bcrypt work for unknown
    /// accounts) and opens a session. - Returns: the session's secret and who signed in.
    /// - Throws: 401, 403 (disabled) or 429 problems.
    func signIn(email: String, password: String, userAgent: String?, context: AppContext) async throws -> (String, Actor) {
        let email = email.trimmingCharacters(in: .whitespaces).lowercased()
        let now = configuration.now()
        if let wait = throttle.attempt(email: email, address: context.remoteAddress, now: now) {
            throw Problem(.throttled, ["seconds": .integer(wait)], headers: [.retryAfter: String(wait)])
        }
        let found = try await store.userForLogin(email: email)
        // The same bcrypt work whether or not the account exists, so timing does not tell.
        let hash = found?.passwordHash ?? unusableHash
        let matches = try await verifyPassword(password, hash: hash) && found?.passwordHash != nil
        guard matches, let user = found?.user else {
            context.logger.notice("login failed", metadata: ["email": .string(email)])
            throw Problem.unauthenticated(.wrongLogin)
        }
        throttle.succeed(email: email, address: context.remoteAddress)
        guard !user.isDisabled else { throw Problem(.accountDisabled) }
        let expires = now.addingTimeInterval(configuration.sessionLifetime)
        let secret = try await store.createSession(for: user.id, expiresAt: expires, address: context.remoteAddress, userAgent: userAgent, now: now)
        return (secret, try await store.actor(for: user))
    }

    /// The session cookie (HttpOnly) and the CSRF cookie scripts read to send `X-CSRF-Token`;
    /// an empty secret clears both.
    func sessionCookies(_ secret: String) -> HTTPFields {
        let age = secret.isEmpty ? 0 : Int(configuration.sessionLifetime)
        let session = Cookie(
            name: Self.sessionCookie, value: secret, maxAge: age, path: "/", secure: configuration.secureCookies,
            httpOnly: true, sameSite: .lax)
        let csrf = Cookie(
            name: Self.csrfCookie, value: secret.isEmpty ? "" : Self.csrfToken(session: secret), maxAge: age, path: "/",
            secure: configuration.secureCookies, httpOnly: false, sameSite: .strict)
        var fields = HTTPFields()
        fields.append(HTTPField(name: .setCookie, value: session.description))
        fields.append(HTTPField(name: .setCookie, value: csrf.description))
        return fields
    }

    /// The CSRF token of a session: derived from its secret, so only pages and scripts of this
    /// origin (which can read the cookie or the page) know it.
    static func csrfToken(session secret: String) -> String {
        BlobStore.hex(SHA256.hash(data: Array("steiger-csrf:\(secret)".utf8))).prefix(32).description
    }

    private func logout(_ request: Request, _ context: AppContext) async throws -> Response {
        if case .session(let secret) = context.credential { try await store.deleteSession(secret: secret) }
        return .noContent(headers: sessionCookies(""))
    }

    private func me(_ context: AppContext) throws -> Response {
        try .json(Self.meView(try context.requireActor()))
    }

    private func createToken(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: NewTokenBody.self, context: context)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [ValidationError.Problem] = []
        if name.isEmpty || name.unicodeScalars.count > 100 {
            problems.append(.init(field: "name", message: Message("validation.charactersBetween", ["min": 1, "max": 100])))
        }
        if let days = body.expiresInDays, !(1...3650).contains(days) {
            problems.append(.init(field: "expiresInDays", message: Message("validation.range", ["min": 1, "max": 3650])))
        }
        if !problems.isEmpty { throw Problem.invalid(ValidationError(problems)) }
        let now = configuration.now()
        let (token, secret) = try await store.createToken(
            for: actor.user.id, name: name,
            expiresAt: body.expiresInDays.map { now.addingTimeInterval(Double($0) * 86400) }, now: now)
        return try .json(NewTokenView(token: TokenView(token), secret: secret), status: .created)
    }

    static func meView(_ actor: Actor) -> MeView {
        MeView(user: UserView(actor.user), memberships: actor.memberships.map { MembershipView($0) })
    }
}
