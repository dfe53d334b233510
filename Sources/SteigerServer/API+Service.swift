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
                method: .get, path: "/readyz", operationID: "ready", tag: "service",
                summary: "The database answers; `degraded` when the data volume has fallen into its reserve", access: .anyone,
                replies: [
                    .init(
                        status: 200, description: "Ready, or running degraded (uploads refused, processing waiting for room).",
                        schema: object([
                            "status": ["type": "string", "enum": ["ready", "degraded"]],
                            "disk": object([
                                "freeBytes": ["type": ["integer", "null"]], "totalBytes": ["type": ["integer", "null"]],
                                "reserveBytes": ["type": "integer"], "low": ["type": "boolean"],
                            ]),
                        ]))
                ],
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
        let volume: Health.Volume
        do {
            volume = try await health.check()
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
            throw error
        }
        let number = { (value: Int64?) in value.map { JSONValue.number(Double($0)) } ?? .null }
        let disk: JSONValue = .object([
            "freeBytes": number(volume.free), "totalBytes": number(volume.total), "reserveBytes": number(volume.reserve),
            "low": .bool(volume.isLow),
        ])
        return try .json(JSONValue.object(["status": .string(volume.isLow ? "degraded" : "ready"), "disk": disk]))
    }

    func prometheus(_ request: inout Request, _ context: AppContext) async throws -> Response {
        metrics.record(volume: health.volume)
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
