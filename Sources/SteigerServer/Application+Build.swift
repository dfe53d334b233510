import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus
import ServiceLifecycle
import SteigerApp
import SteigerCore

/// Builds the Steiger application: the API, health and metrics endpoints, and request logging.
/// Tests call this too and drive the result in process.
public func buildApplication(
    app: Services, configuration: ServerConfiguration, logger: Logger,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    services: [any Service] = [],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let resources = try WebResources.bundled()
    let api = SteigerAPI(
        services: app, configuration: configuration, registry: registry,
        localization: resources.localization(defaultLanguage: configuration.defaultLanguage))
    let router = Router(context: AppContext.self)
    router.add(
        middleware: RequestLogMiddleware(
            metrics: api.metrics, routes: RouteTable(api.operations), localization: api.localization,
            proxies: configuration.connections.trustedProxies, proxied: ConnectionCounts(limit: configuration.connections.perAddress)))
    for operation in api.operations {
        router.on(RouterPath(operation.path), method: operation.method) { request, context in
            await api.run(operation, request, context)
        }
    }
    WebPages(
        app: api.services, auth: api.auth, cookies: api.cookies, localization: api.localization, resources: resources,
        publicURL: configuration.publicURL?.base, demoVideo: configuration.demoVideo
    ).register(on: router)
    // The sample programme, when a video to make it from is at hand.
    let demo: [any Service] =
        configuration.demoVideo.map { video in
            [
                DemoService(
                    demo: app.demo, programmes: resources.demoProgrammes, video: video,
                    loadAtStart: configuration.loadsDemo ? configuration.defaultLanguage : nil,
                    credentialsFile: configuration.dataDirectory + "/sample-accounts.txt", logger: logger)
            ]
        } ?? []
    return Application(
        router: router,
        server: HTTPServerBuilder { [rules = configuration.connections] responder in
            GuardedHTTP1Channel(responder: responder, rules: rules, logger: logger)
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Steiger"),
        services: services + [UploadSweeper(api: api)] + demo
            + (configuration.runsBackgroundWork
                ? app.backgroundWork(
                    logger: logger, words: { [localization = api.localization] in localization.words($0 ?? localization.defaultLanguage) }) : []),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Gives each request an id (kept from a sane `X-Request-Id`, else new), logs one structured line
/// per request, records metrics, picks the language of its answer (until the person is known),
/// and answers what no route matched as a problem.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let metrics: HTTPMetrics
    let routes: RouteTable
    let localization: Localization
    /// Proxies whose `X-Forwarded-For` names the client.
    let proxies: TrustedProxies
    /// Requests in flight per client that came through a trusted proxy (the connection limit
    /// counts the proxy's connections, not its clients').
    let proxied: ConnectionCounts
    static let requestIDHeader = HTTPField.Name("X-Request-Id")!
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let incoming = request.headers[Self.requestIDHeader]
        let id =
            incoming.flatMap { $0.count <= 64 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? $0 : nil }
            ?? UUIDText.lowercase(UUID())
        context.logger[metadataKey: "request_id"] = .string(id)
        context.words = localization.words(localization.language(for: request))
        let peer = context.remoteAddress
        if !proxies.isEmpty { context.remoteAddress = proxies.client(peer: peer, forwardedFor: request.headers[Self.forwardedFor]) }
        let countedClient = peer.map(proxies.contains) == true ? context.remoteAddress : nil
        var response: Response
        do {
            if let client = countedClient {
                guard proxied.admit(client) else { throw Problem(.busyAddress, ["limit": .integer(proxied.limit)]) }
            }
            defer { if let client = countedClient { proxied.release(client) } }
            response = try await next(request, context)
        } catch {
            // Only errors outside the operations reach here: no route (404), or a known path
            // asked with a method it does not take (405, with the methods it does).
            var problem = Problem(from: error)
            if problem.status == .notFound, let allowed = routes.methods(for: request.uri.path), !allowed.isEmpty {
                problem = Problem(
                    .methodNotAllowed,
                    ["allowed": .text(allowed.joined(separator: ", ")), "method": .text(request.method.rawValue)],
                    headers: [.allow: allowed.joined(separator: ", ")])
            }
            response = (try? problem.response(from: request, context: context)) ?? Response(status: .internalServerError)
        }
        // The route template the router matched (Hummingbird's endpoint path), for metrics and logs.
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        response.headers[Self.requestIDHeader] = id
        let duration = ContinuousClock.now - start
        metrics.record(method: request.method.rawValue, route: route, status: Int(response.status.code), duration: duration)
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "route": .string(route),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(
                    String(format: "%.2f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)),
            ])
        return response
    }
}

/// The operations' path templates, to tell "no such address" (404) from "not with this method" (405).
struct RouteTable: Sendable {
    private let routes: [(segments: [Substring], method: String)]

    init(_ operations: [Operation]) {
        routes = operations.map { ($0.path.split(separator: "/"), $0.method.rawValue) }
    }

    /// The methods `path` takes, or nil when no template matches it.
    func methods(for path: String) -> [String]? {
        let parts = path.split(separator: "/")
        let matching = routes.filter { route in
            route.segments.count == parts.count
                && zip(route.segments, parts).allSatisfy { template, part in template.hasPrefix("{") || template == part }
        }
        return matching.isEmpty ? nil : Array(Set(matching.map(\.method))).sorted()
    }
}

/// Removes unfinished uploads whose expiry has passed (rows and files), every ten minutes
/// (``ServerConfiguration/sweepInterval``).
struct UploadSweeper: Service {
    let api: SteigerAPI

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await sweep()
            try? await gracefulShutdown(for: api.configuration.sweepInterval)
        }
    }

    func sweep() async {
        // What fails is tried again at the next sweep.
        try? await api.services.uploads.sweep()
    }
}

/// Waits `duration` or until a graceful shutdown begins, whichever is first.
private func gracefulShutdown(for duration: Duration) async throws {
    try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
