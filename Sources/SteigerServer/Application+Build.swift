import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import SteigerStore

/// Builds the Steiger application: the API, health and metrics endpoints, and request logging.
/// Tests call this too and drive the result in process.
public func buildApplication(store: Store, configuration: ServerConfiguration, logger: Logger,
                             registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let api = SteigerAPI(store: store, configuration: configuration, registry: registry)
    let router = Router(context: AppContext.self)
    router.add(middleware: RequestLogMiddleware(metrics: api.metrics))
    for operation in api.operations {
        router.on(RouterPath(operation.routerPath), method: operation.method) { request, context in
            await api.run(operation, request, context)
        }
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Steiger"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Gives each request an id (kept from a sane `X-Request-Id`, else new), logs one structured line
/// per request, records metrics, and answers what no route matched as a problem.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let metrics: HTTPMetrics
    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        let incoming = request.headers[Self.requestIDHeader]
        let id = incoming.flatMap { $0.count <= 64 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? $0 : nil }
            ?? UUID().uuidString.lowercased()
        context.logger[metadataKey: "request_id"] = .string(id)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Only errors outside the operations reach here: no route (404) or method (405).
            response = (try? Problem(from: error).response(from: request, context: context)) ?? Response(status: .internalServerError)
        }
        let route = response.headers[SteigerAPI.routeHeader] ?? "unmatched"
        response.headers[SteigerAPI.routeHeader] = nil
        response.headers[Self.requestIDHeader] = id
        let duration = ContinuousClock.now - start
        metrics.record(method: request.method.rawValue, route: route, status: Int(response.status.code), duration: duration)
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "route": .string(route),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(String(format: "%.2f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000)),
        ])
        return response
    }
}
