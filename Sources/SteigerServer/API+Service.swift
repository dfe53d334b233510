import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import SteigerApp

/// Health, readiness, metrics and the OpenAPI document.
struct ServiceController: Sendable {
    let health: Health
    let metrics: HTTPMetrics
    /// The document, made once the operations are known.
    let document: @Sendable () -> JSONValue

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/healthz", operationID: "health", tag: "service", summary: "The process is up", access: .anyone,
                replies: [.init(status: 200, description: "Up.", schema: object(["status": ["type": "string", "const": "ok"]]))],
                handler: alive),
            Operation(
                method: .get, path: "/readyz", operationID: "ready", tag: "service", summary: "The database answers", access: .anyone,
                replies: [.init(status: 200, description: "Ready.", schema: object(["status": ["type": "string", "const": "ready"]]))],
                errors: [503: "The database does not answer."],
                handler: ready),
            Operation(
                method: .get, path: "/metrics", operationID: "metrics", tag: "service", summary: "Metrics in Prometheus text format",
                access: .anyone,
                replies: [
                    .init(
                        status: 200, description: "Request counts and latencies.", schema: ["type": "string"],
                        contentType: "text/plain; version=0.0.4")
                ],
                handler: prometheus),
            Operation(
                method: .get, path: "/api/v1/openapi.json", operationID: "openapi", tag: "service",
                summary: "This document (OpenAPI 3.1)", access: .anyone,
                replies: [.init(status: 200, description: "The OpenAPI document.", schema: ["type": "object"])],
                handler: openAPI),
        ]
    }

    func alive(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(["status": "ok"])
    }

    func ready(_ request: inout Request, _ context: AppContext) async throws -> Response {
        do {
            try await health.check()
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
            throw error
        }
        return try .json(["status": "ready"])
    }

    func prometheus(_ request: inout Request, _ context: AppContext) async throws -> Response {
        var bytes: [UInt8] = []
        metrics.registry.emit(into: &bytes)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func openAPI(_ request: inout Request, _ context: AppContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document().encoded(pretty: true))))
    }
}
