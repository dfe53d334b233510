import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

struct LoginBody: RequestBody {
    var email: String
    var password: String
    static let properties: [String: JSONValue] = ["email": ["type": "string"], "password": ["type": "string"]]
    static let schema = object(properties)
}

struct NewTokenBody: RequestBody {
    var name: String
    var password: String
    var expiresInDays: Int?
    static let properties: [String: JSONValue] = [
        "name": ["type": "string", "minLength": 1, "maxLength": 100],
        "password": ["type": "string", "description": "The caller's password, asked again: a token outlives the session it is made from."],
        "expiresInDays": [
            "type": "integer", "minimum": 1, "maximum": .number(Double(Accounts.tokenLifetime.longest)),
            "description": .string("Days the token lives; \(Accounts.tokenLifetime.standard) when left out."),
        ],
    ]
    static let schema = object(properties, optional: ["expiresInDays"])
}

/// The session cookie and its CSRF companion, for the API and the pages.
struct SessionCookies: Sendable {
    static let session = "steiger_session"
    static let csrf = "steiger_csrf"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    let lifetime: TimeInterval
    let secure: Bool
    /// The host (and port) of the public address, when one is configured: behind a proxy that
    /// rewrites `Host`, the browser's `Origin` names this one.
    var publicHost: String? = nil

    /// The session cookie (HttpOnly) and the CSRF cookie scripts read to send `X-CSRF-Token`;
    /// an empty secret clears both.
    func fields(_ secret: String) -> HTTPFields {
        let age = secret.isEmpty ? 0 : Int(lifetime)
        let session = Cookie(name: Self.session, value: secret, maxAge: age, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
        let csrf = Cookie(
            name: Self.csrf, value: secret.isEmpty ? "" : Self.csrfToken(session: secret), maxAge: age, path: "/", secure: secure,
            httpOnly: false, sameSite: .strict)
        var fields = HTTPFields()
        fields.append(HTTPField(name: .setCookie, value: session.description))
        fields.append(HTTPField(name: .setCookie, value: csrf.description))
        return fields
    }

    /// Whether a browser says `request` comes from another site: its `Origin` (sent with every
    /// cross-site change) names a host other than the one asked or the public address, or its
    /// `Sec-Fetch-Site` says `cross-site` or `same-site` (a sibling subdomain is another site's
    /// page too).
    func isCrossSite(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site == "cross-site" || site == "same-site" { return true }
        guard let origin = request.headers[.origin] else { return false }
        guard let originHost = URLComponents(string: origin).map({ Self.authority($0) }) else { return true }
        return originHost != request.head.authority && originHost != publicHost
    }

    /// `host` or `host:port` of an address.
    static func authority(_ components: URLComponents) -> String {
        (components.host ?? "") + (components.port.map { ":\($0)" } ?? "")
    }

    /// The CSRF token of a session: derived from its secret, so only pages and scripts of this
    /// origin (which can read the cookie or the page) know it.
    static func csrfToken(session secret: String) -> String {
        SHA256.hash(data: Array("steiger-csrf:\(secret)".utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}

/// Signing in and out, the caller, and their API tokens over HTTP.
struct AuthController: Sendable {
    let accounts: Accounts
    let cookies: SessionCookies

    var operations: [Operation] {
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
                handler: login),
            Operation(
                method: .post, path: "/api/v1/auth/logout", operationID: "logout", tag: "auth",
                summary: "End the current session", replies: [.init(status: 204, description: "Logged out; the cookie is cleared.")],
                handler: logout),
            Operation(
                method: .get, path: "/api/v1/me", operationID: "getMe", tag: "auth",
                summary: "The logged-in person and their cohorts", replies: [.init(status: 200, description: "The caller.", schema: ref("Me"))],
                handler: me),
            Operation(
                method: .get, path: "/api/v1/me/tokens", operationID: "listTokens", tag: "auth",
                summary: "The caller's API tokens (never their secrets)",
                replies: [.init(status: 200, description: "Tokens, newest first.", schema: PageView<TokenView>.schema(of: "Token"))],
                handler: tokens),
            Operation(
                method: .post, path: "/api/v1/me/tokens", operationID: "createToken", tag: "auth",
                summary: "Make an API token; its secret is shown in this response only", body: NewTokenBody.schema,
                replies: [.init(status: 201, description: "The token and its secret.", schema: ref("NewToken"))],
                errors: [403: "The password is wrong.", 429: "Too many wrong passwords; see Retry-After."],
                handler: createToken),
            Operation(
                method: .delete, path: "/api/v1/me/tokens/{tokenId}", operationID: "revokeToken", tag: "auth",
                summary: "Revoke one of the caller's tokens", replies: [.init(status: 204, description: "Revoked.")],
                handler: revokeToken),
        ]
    }

    func login(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let body = try await request.decodeJSON(as: LoginBody.self, context: context)
        let (secret, actor) = try await signIn(email: body.email, password: body.password, request: request, context: context)
        return try .json(Self.meView(actor), headers: cookies.fields(secret))
    }

    /// Signs in (for the API and the sign-in page), logging a failure.
    func signIn(email: String, password: String, request: Request, context: AppContext) async throws -> (String, Actor) {
        do {
            return try await accounts.signIn(
                email: email, password: password, address: context.remoteAddress, userAgent: request.headers[.userAgent])
        } catch let error as AppError where error.kind == .wrongLogin {
            context.logger.notice("login failed", metadata: ["email": .string(email.trimmingCharacters(in: .whitespaces).lowercased())])
            throw error
        }
    }

    func logout(_ request: inout Request, _ context: AppContext) async throws -> Response {
        if case .session(let secret) = context.credential { try await accounts.signOut(session: secret) }
        return .noContent(headers: cookies.fields(""))
    }

    func me(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(Self.meView(try context.requireActor()))
    }

    func tokens(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(PageView(items: try await accounts.tokens(try context.requireActor()).map(TokenView.init)))
    }

    func createToken(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: NewTokenBody.self, context: context)
        let (token, secret) = try await accounts.createToken(
            actor, name: body.name, expiresInDays: body.expiresInDays, password: body.password, address: context.remoteAddress)
        return try .json(NewTokenView(token: TokenView(token), secret: secret), status: .created)
    }

    func revokeToken(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await accounts.revokeToken(try context.requireActor(), id: context.parameters.get("tokenId") ?? "")
        return .noContent()
    }

    static func meView(_ actor: Actor) -> MeView {
        MeView(actor: actor)
    }
}
