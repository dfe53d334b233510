import Foundation
import Hummingbird
import NIOCore
import SteigerApp
import SteigerCore

/// The audit log over HTTP (administrators): as JSON pages and as CSV.
struct AuditController: Sendable {
    let log: AuditLog

    static let filters: [Operation.QueryParameter] = [
        .id("actor", "Only what this person did."), .id("owner", "Only entries about this person's data."),
        .init(
            name: "action", description: "Only this kind of action.",
            schema: ["type": "string", "enum": .array(AuditEntry.Action.allCases.map { .string($0.rawValue) })]),
        .init(name: "subject", description: "Only entries about this record (its id).", schema: ["type": "string"]),
        .init(name: "from", description: "From this day on (YYYY-MM-DD, UTC).", schema: ["type": "string", "format": "date"]),
        .init(name: "to", description: "Up to and including this day (YYYY-MM-DD, UTC).", schema: ["type": "string", "format": "date"]),
    ]

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/audit", operationID: "listAudit", tag: "privacy",
                summary:
                    "The audit log (administrators): who watched or downloaded which recording, who changed an audience or a consent, and what administrators changed",
                query: [.limit, .cursor] + Self.filters,
                replies: [.init(status: 200, description: "Entries, newest first.", schema: PageView<AuditEntryView>.schema(of: "AuditEntry"))],
                handler: list),
            Operation(
                method: .get, path: "/api/v1/audit.csv", operationID: "auditCSV", tag: "privacy",
                summary: "The audit log as CSV (administrators), with the same filters", query: Self.filters,
                replies: [.init(status: 200, description: "CSV with a header row.", schema: ["type": "string"], contentType: "text/csv")],
                handler: csv),
        ]
    }

    static func filter(_ request: Request) throws -> AuditFilter {
        AuditFilter(
            actor: try request.queryID("actor"), owner: try request.queryID("owner"),
            action: try request.queryEnum("action", as: AuditEntry.Action.self), subjectID: request.query("subject"),
            from: try request.queryDate("from"), until: try request.queryDate("to").map { $0.addingTimeInterval(86400) })
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let page = try await log.lines(try context.requireActor(), filter: try Self.filter(request), page: try request.pageRequest())
        return try .json(PageView(page, AuditEntryView.init))
    }

    func csv(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let text = try await log.csv(try context.requireActor(), filter: try Self.filter(request))
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: ContentDisposition.attachment("audit.csv")],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// One line of the audit log.
struct AuditEntryView: JSONView {
    let line: AuditLog.Line

    init(_ line: AuditLog.Line) { self.line = line }

    static let fields: [JSONField<Self>] = [
        .init("id", ["type": "string"]) { $0.line.entry.id },
        .init("at", dateTime) { $0.line.entry.at },
        .nullable("actorId", uuid) { $0.line.entry.actorID?.description },
        .nullable("actorName", ["type": "string", "description": "Null for Steiger itself or an account that is gone."]) { $0.line.actorName },
        .init("action", ["type": "string", "enum": .array(AuditEntry.Action.allCases.map { .string($0.rawValue) })]) {
            $0.line.entry.action.rawValue
        },
        .init("subjectType", ["type": "string"]) { $0.line.entry.subjectType },
        .init("subjectId", ["type": "string"]) { $0.line.entry.subjectID },
        .nullable("ownerId", uuid) { $0.line.entry.ownerID?.description },
        .nullable("ownerName", ["type": "string"]) { $0.line.ownerName },
        .init("detail", ["type": "string"]) { $0.line.entry.detail },
    ]
}
