import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// A person's downloads of all their data over HTTP.
struct ExportsController: Sendable {
    let exports: DataExports

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/me/exports", operationID: "listExports", tag: "privacy",
                summary: "Your downloads of all your data, newest first",
                replies: [
                    .init(
                        status: 200, description: "The requests.",
                        schema: ["type": "object", "properties": ["items": ["type": "array", "items": ref("DataExport")]], "required": ["items"]])
                ], handler: list),
            Operation(
                method: .post, path: "/api/v1/me/exports", operationID: "requestExport", tag: "privacy",
                summary:
                    "Ask for all your data as one ZIP (recordings, feedback as WebVTT and Web Annotation, scores as CSV, scaffolding history, account); a notice tells when it is ready",
                replies: [.init(status: 202, description: "Asked for (or still being made).", schema: ref("DataExport"))], handler: request),
            Operation(
                method: .get, path: "/api/v1/me/exports/{exportId}/download", operationID: "downloadExport", tag: "privacy",
                summary: "The ZIP, once; afterwards, or once it ran out, 410",
                replies: [
                    .init(status: 200, description: "The archive.", schema: ["type": "string", "format": "binary"], contentType: "application/zip")
                ],
                errors: [410: "Downloaded already, run out, or not made."], handler: download),
        ]
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(["items": try await exports.list(try context.requireActor()).map(DataExportView.init)])
    }

    func request(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(DataExportView(try await exports.request(try context.requireActor())), status: .accepted)
    }

    func download(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let id = context.parameters.get("exportId") ?? ""
        let (export, path) = try await exports.download(try context.requireActor(), id)
        let body = try await FileIO().loadFile(path: path, context: context)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip", .cacheControl: "private, no-store",
                .contentDisposition: ContentDisposition.attachment("steiger-\(String(export.createdAt.iso8601Milliseconds.prefix(10))).zip"),
                .contentLength: String(export.size ?? 0),
            ], body: body)
    }
}

/// One request for all of a person's data.
struct DataExportView: JSONView {
    let export: DataExport
    init(_ export: DataExport) { self.export = export }

    static let fields: [JSONField<Self>] = [
        .init("id", ["type": "string"]) { $0.export.id },
        .init("status", ["type": "string", "enum": .array(DataExport.Status.allCases.map { .string($0.rawValue) })]) { $0.export.status.rawValue },
        .init("requestedAt", dateTime) { $0.export.createdAt },
        .nullable("readyAt", dateTime) { $0.export.readyAt },
        .nullable("expiresAt", dateTime) { $0.export.expiresAt },
        .nullable("size", ["type": "integer"]) { $0.export.size },
        .nullable("download", ["type": "string", "description": "Where to download it, while it is ready."]) {
            $0.export.status == .ready ? "/api/v1/me/exports/\($0.export.id)/download" : nil
        },
    ]
}
