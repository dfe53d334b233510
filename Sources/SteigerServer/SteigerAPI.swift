import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOPosix
import Prometheus
import SteigerApp
import SteigerCore

/// The REST API under `/api/v1`: the per-feature controllers over the use cases, and what every
/// operation shares (authentication, turning errors into problems).
final class SteigerAPI: Sendable {
    let services: Services
    let configuration: ServerConfiguration
    let metrics: HTTPMetrics
    let files: UploadFiles
    let cookies: SessionCookies
    /// The catalogues and the rule that picks a request's language.
    let localization: Localization
    let auth: AuthController
    let users: UsersController
    let cohorts: CohortsController
    let exercises: ExercisesController
    let submissions: SubmissionsController
    let media: MediaController
    let reviews: ReviewsController
    let annotations: AnnotationsController
    let scaffolding: ScaffoldingController
    let uploads: UploadsController
    let webhooks: WebhooksController
    let notifications: NotificationsController
    let invitations: InvitationsController
    let library: LibraryController
    let audit: AuditController
    let retention: RetentionController
    let erasure: ErasureController
    let exports: ExportsController
    let team: TeamController
    let guests: GuestsController
    let transfers: TransfersController
    let dashboard: DashboardController
    let service: ServiceController

    init(services: Services, configuration: ServerConfiguration, registry: PrometheusCollectorRegistry, localization: Localization) {
        self.localization = localization
        self.configuration = configuration
        files = services.files
        self.services = services
        metrics = HTTPMetrics(registry: registry)
        cookies = SessionCookies(
            lifetime: configuration.sessionLifetime, secure: configuration.secureCookies,
            publicHost: configuration.publicURL.flatMap { URLComponents(string: $0.base) }.map(SessionCookies.authority))
        auth = AuthController(accounts: services.accounts, cookies: cookies)
        users = UsersController(accounts: services.accounts)
        cohorts = CohortsController(cohorts: services.cohorts)
        exercises = ExercisesController(exercises: services.exercises)
        submissions = SubmissionsController(submissions: services.submissions)
        media = MediaController(submissions: services.submissions, files: files)
        reviews = ReviewsController(desk: services.reviewDesk, now: configuration.now)
        annotations = AnnotationsController(
            annotations: services.annotations, submissions: services.submissions, links: Links(publicURL: configuration.publicURL))
        scaffolding = ScaffoldingController(scaffolding: services.scaffolding)
        uploads = UploadsController(uploads: services.uploads)
        webhooks = WebhooksController(webhooks: services.webhooks)
        notifications = NotificationsController(notifications: services.notifications)
        invitations = InvitationsController(accounts: services.accounts)
        library = LibraryController(library: services.mediaLibrary, uploads: services.uploads, media: media)
        audit = AuditController(log: services.auditLog)
        retention = RetentionController(retention: services.retention)
        erasure = ErasureController(erasure: services.erasure)
        exports = ExportsController(exports: services.exports)
        team = TeamController(team: services.team)
        transfers = TransfersController(transfers: services.transfers, now: configuration.now)
        dashboard = DashboardController(dashboards: services.dashboards)
        guests = GuestsController(guests: services.guests, links: Links(publicURL: configuration.publicURL), now: configuration.now)
        // The document describes every operation, its own included: made once, from their descriptions.
        let features =
            auth.operations + users.operations + cohorts.operations + exercises.operations + submissions.operations + media.operations
            + reviews.operations + [reviews.scoreSheetOperation] + annotations.operations + scaffolding.operations + uploads.operations
            + webhooks.operations + notifications.operations + invitations.operations + library.operations + audit.operations
            + retention.operations + erasure.operations + exports.operations
            + team.operations + guests.operations + transfers.operations + dashboard.operations
        let describing = ServiceController(health: services.health, metrics: metrics, document: { .null })
        let document = Self.document(for: features + describing.operations)
        service = ServiceController(health: services.health, metrics: metrics, document: { document })
        operations = features + service.operations
    }

    static let noSniff = HTTPField.Name("X-Content-Type-Options")!

    /// Every operation, in the order the document lists them.
    let operations: [Operation]

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
        if operation.path.hasPrefix("/api/v1/uploads") { response.headers[UploadsController.tusResumable] = UploadsController.tusVersion }
        // No browser guesses another type than the one given (an original that is not media stays a download).
        response.headers[Self.noSniff] = "nosniff"
        return response
    }

    /// Finds the person behind a bearer token or the session cookie; 401 when neither is valid.
    func authenticate(_ request: Request, _ context: inout AppContext) async throws {
        let accounts = services.accounts
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Problem.unauthenticated(.bearerFormat) }
            context.actor = try await accounts.actor(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
            context.credential = .token
        } else if let secret = request.cookies[SessionCookies.session]?.value, !secret.isEmpty {
            guard let actor = try await accounts.actor(session: secret) else { throw Problem.unauthenticated(.sessionEnded) }
            try refuseCrossSite(request, session: secret)
            context.actor = actor
            context.credential = .session(secret: secret)
        } else {
            throw Problem.unauthenticated()
        }
        context.logger[metadataKey: "user"] = .string(context.actor!.user.id.description)
        if let language = context.actor!.user.language { context.words = localization.words(language) }
        context.words = context.words.zoned(context.actor!)
    }

    /// A cookie-authenticated request that changes something must come from our own pages: it
    /// carries the session's CSRF token in `X-CSRF-Token`, and its Origin (which browsers send on
    /// such requests) must be this server.
    private func refuseCrossSite(_ request: Request, session secret: String) throws(Problem) {
        guard ![.get, .head, .options].contains(request.method) else { return }
        guard request.headers[SessionCookies.csrfHeader] == SessionCookies.csrfToken(session: secret) else {
            throw Problem(.csrfHeader)
        }
        if cookies.isCrossSite(request) { throw Problem(.crossSite) }
    }
}
