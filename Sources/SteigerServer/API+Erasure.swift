import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// An erasure as asked.
struct ErasureBody: RequestBody {
    var keepContributions: Bool?
    static let properties: [String: JSONValue] = [
        "keepContributions": [
            "type": "boolean",
            "description":
                "Keep the texts of their comments and reviews on others' work, shown as from a former participant (default true); false keeps only the scores.",
        ]
    ]
}

/// Erasing a person over HTTP (administrators).
struct ErasureController: Sendable {
    let erasure: Erasure

    var operations: [Operation] {
        [
            Operation(
                method: .post, path: "/api/v1/users/{userId}/erasure", operationID: "erasePerson", tag: "privacy",
                summary:
                    "Erase a person (administrators): their recordings, media, account and scaffolding go; their contributions to others' work stay as a former participant's",
                body: object(ErasureBody.properties, optional: ["keepContributions"]),
                replies: [.init(status: 200, description: "What went.", schema: ErasureView.schema)],
                errors: [409: "A legal hold stands on the person, or it is the administrator's own account."], handler: erase)
        ]
    }

    func erase(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let id: UserID = try context.id("userId", of: .user)
        let body = try await request.decodeJSON(as: ErasureBody.self, context: context)
        let report = try await erasure.erase(try context.requireActor(), id, keepContributions: body.keepContributions ?? true)
        return try .json(ErasureView(report: report))
    }
}

/// What an erasure did.
struct ErasureView: JSONView {
    let report: Erasure.Report

    static let fields: [JSONField<Self>] = [
        .init("anonymousId", uuid) { $0.report.anonymous.description },
        .init("attempts", ["type": "integer", "description": "The person's attempts that went."]) { $0.report.attempts },
        .init("freedBytes", ["type": "integer"]) { $0.report.freed },
    ]
}
