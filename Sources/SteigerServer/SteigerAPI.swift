import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Logging
import NIOPosix
import Prometheus
import SteigerApp
import SteigerCore
import SteigerStore

/// The REST API under `/api/v1`: its operations, and what every operation shares
/// (authentication, turning errors into problems, metrics).
final class SteigerAPI: Sendable {
    let store: Store
    let configuration: ServerConfiguration
    let throttle: LoginThrottle
    let metrics: HTTPMetrics
    let accounts: Accounts
    let files: UploadFiles
    /// Webhook endpoints (the use case).
    let webhooks: Webhooks
    /// The catalogues and the rule that picks a request's language.
    let localization: Localization
    /// A hash of a random secret, checked against when an account is unknown, so that the answer
    /// takes as long as for a known account.
    let unusableHash: String
    static let sessionCookie = "steiger_session"
    static let csrfCookie = "steiger_csrf"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    init(store: Store, configuration: ServerConfiguration, registry: PrometheusCollectorRegistry, localization: Localization) throws {
        self.store = store
        self.localization = localization
        self.configuration = configuration
        throttle = LoginThrottle(
            perAccount: configuration.loginFailuresPerAccount, perAddress: configuration.loginFailuresPerAddress,
            window: configuration.loginWindow)
        metrics = HTTPMetrics(registry: registry)
        accounts = Accounts(store: store, bcryptCost: configuration.bcryptCost)
        files = try UploadFiles(dataDirectory: configuration.dataDirectory)
        webhooks = Webhooks(store: store, settings: configuration.webhooks, now: configuration.now)
        unusableHash = Bcrypt.hash(SecretToken.generate(prefix: ""), cost: configuration.bcryptCost)
    }

    /// Every operation, in the order the document lists them.
    var operations: [Operation] {
        authOperations + userOperations + cohortOperations + exerciseOperations + submissionOperations + mediaOperations + reviewOperations + [
            scoreSheetOperation
        ] + annotationOperations + scaffoldingOperations + uploadOperations + webhookOperations + serviceOperations
    }

    /// Answers one request for `operation`: authenticates when needed, runs the handler, turns
    /// any error into a problem, and labels the response with the route for metrics and logs.
    func run(_ operation: Operation, _ request: Request, _ context: AppContext) async -> Response {
        var request = request
        var context = context
        var response: Response
        do {
            if operation.access == .authenticated {
                try await authenticate(request, &context)
            }
            response = try await operation.handler(&request, context)
        } catch {
            let problem = Problem(from: error)
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            response = (try? problem.response(from: request, context: context)) ?? Response(status: .internalServerError)
        }
        if operation.path.hasPrefix("/api/v1/uploads") { response.headers[Self.tusResumable] = Self.tusVersion }
        return response
    }

    /// Finds the person behind a bearer token or the session cookie; 401 when neither is valid.
    func authenticate(_ request: Request, _ context: inout AppContext) async throws {
        let now = configuration.now()
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw Problem.unauthenticated(.bearerFormat)
            }
            guard let user = try await store.tokenUser(secret: String(parts[1]).trimmingCharacters(in: .whitespaces), now: now), !user.isDisabled
            else {
                throw Problem.unauthenticated(.tokenInvalid)
            }
            context.actor = try await store.actor(for: user)
            context.credential = .token
        } else if let secret = request.cookies[Self.sessionCookie]?.value, !secret.isEmpty {
            guard let user = try await store.sessionUser(secret: secret, now: now), !user.isDisabled else {
                throw Problem.unauthenticated(.sessionEnded)
            }
            try refuseCrossSite(request, session: secret)
            context.actor = try await store.actor(for: user)
            context.credential = .session(secret: secret)
        } else {
            throw Problem.unauthenticated()
        }
        context.logger[metadataKey: "user"] = .string(context.actor!.user.id.description)
        if let language = context.actor!.user.language { context.words = localization.words(language) }
    }

    /// A cookie-authenticated request that changes something must come from our own pages: it
    /// carries the session's CSRF token in `X-CSRF-Token`, and its Origin (which browsers send on
    /// such requests) must be this server.
    private func refuseCrossSite(_ request: Request, session secret: String) throws(Problem) {
        guard ![.get, .head, .options].contains(request.method) else { return }
        guard request.headers[Self.csrfHeader] == Self.csrfToken(session: secret) else {
            throw Problem(.csrfHeader)
        }
        guard let origin = request.headers[.origin] else { return }
        let host = request.head.authority ?? ""
        guard
            let originHost = URLComponents(string: origin).map({ components in
                (components.host ?? "") + (components.port.map { ":\($0)" } ?? "")
            }), originHost == host
        else {
            throw Problem(.crossSite)
        }
    }

    /// The absolute address of `path`: under the configured public URL, else the address the
    /// request came to.
    func absoluteLink(_ path: String, request: Request) -> String {
        configuration.publicURL?.link(path) ?? "http://\(request.head.authority ?? "localhost")" + path
    }

    /// Checks a password against its bcrypt hash, off the event loops.
    func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
