import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// A learner's report from work, as sent.
struct TransferReportBody: RequestBody {
    var text: String
    static let properties: [String: JSONValue] = [
        "text": [
            "type": "string", "minLength": 1, "maxLength": .number(Double(TransferReport.maxCharacters)),
            "description": "What you tried at work, with whom, and how it went.",
        ]
    ]
}

/// A transfer task as its readers see it.
struct TransferTaskView: JSONView {
    let entry: Transfers.Entry
    let now: Date

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.entry.task.id.description },
        .init("learner", PersonView.schema) {
            PersonView(id: $0.entry.learner.id.description, displayName: $0.entry.learner.displayName)
        },
        .init("exerciseId", uuid) { $0.entry.exercise.id.description },
        .init("exerciseTitle", ["type": "string"]) { $0.entry.exercise.title },
        .init(
            "cause",
            [
                "type": "string", "enum": .array(TransferTask.Cause.allCases.map { .string($0.rawValue) }),
                "description": "withdrawal: a support was withdrawn; schedule: the exercise asks every so many days.",
            ]
        ) { $0.entry.task.cause.rawValue },
        .nullable("level", ["type": "integer", "minimum": 0, "description": "The level reached when a withdrawal gave the task."]) {
            $0.entry.task.level
        },
        .init("prompt", ["type": "string", "description": "What to try at work (empty: the general ask)."]) { $0.entry.task.prompt },
        .init("createdAt", dateTime) { $0.entry.task.createdAt },
        .init("dueAt", dateTime) { $0.entry.task.dueAt },
        .init("status", ["type": "string", "enum": .array(TransferTask.Status.allCases.map { .string($0.rawValue) })]) {
            $0.entry.task.status.rawValue
        },
        .init("overdue", ["type": "boolean"]) { $0.entry.task.isOverdue(at: $0.now) },
        .nullable("report", object(["text": ["type": "string"], "at": dateTime])) { view in
            view.entry.task.report.map { ReportView(text: $0.text, at: $0.at) }
        },
        .nullable(
            "review",
            object([
                "reviewer": ["type": "string"], "scores": ["type": "object", "additionalProperties": ["type": "integer"]],
                "comment": ["type": "string"], "total": ["type": "number", "minimum": 0, "maximum": 1], "at": dateTime,
            ])
        ) { view in
            view.entry.task.review.map {
                ReviewOfReport(reviewer: view.entry.reviewerName ?? "", scores: $0.scores, comment: $0.comment, total: $0.result.total, at: $0.at)
            }
        },
        .init("mayReport", ["type": "boolean", "description": "Whether you may write its report now."]) { $0.entry.mayReport },
        .init("mayReview", ["type": "boolean", "description": "Whether you may review its report now."]) { $0.entry.mayReview },
    ]

    struct ReportView: Encodable, Sendable {
        var text: String
        var at: Date
    }

    struct ReviewOfReport: Encodable, Sendable {
        var reviewer: String
        var scores: [String: Int]
        var comment: String
        var total: Double
        var at: Date
    }
}

/// Transfer to the job over HTTP.
struct TransfersController: Sendable {
    let transfers: Transfers
    let now: @Sendable () -> Date

    var operations: [Operation] {
        let list = Operation.Reply(
            status: 200, description: "The tasks.",
            schema: ["type": "object", "properties": ["items": ["type": "array", "items": TransferTaskView.schema]], "required": ["items"]])
        let one = Operation.Reply(status: 200, description: "The task.", schema: TransferTaskView.schema)
        return [
            Operation(
                method: .get, path: "/api/v1/me/transfer-tasks", operationID: "myTransferTasks", tag: "transfer",
                summary: "What you are asked to try at work and report on, newest first", replies: [list], handler: mine),
            Operation(
                method: .get, path: "/api/v1/transfer-tasks", operationID: "transferReportsToReview", tag: "transfer",
                summary: "Reports from work waiting for your review: of the learners you train, and of the people you manage",
                replies: [list], handler: toReview),
            Operation(
                method: .get, path: "/api/v1/transfer-tasks/{transferId}", operationID: "getTransferTask", tag: "transfer",
                summary: "One task at work with its report and review", replies: [one], handler: task),
            Operation(
                method: .post, path: "/api/v1/transfer-tasks/{transferId}/report", operationID: "reportTransfer", tag: "transfer",
                summary: "Report what you tried at work and how it went (the task's learner, once)",
                body: object(TransferReportBody.properties), replies: [one],
                errors: [409: "Reported already.", 422: "The text is empty or longer than 5,000 characters."], handler: report),
            Operation(
                method: .post, path: "/api/v1/transfer-tasks/{transferId}/review", operationID: "reviewTransfer", tag: "transfer",
                summary: "Review a report from work with the exercise's rubric (the learner's trainers and managers, once)",
                body: ReviewBody.schema, replies: [one],
                errors: [409: "Not reported yet, or reviewed already.", 422: "A score is missing, unknown or off the scale."], handler: review),
        ]
    }

    func mine(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let now = now()
        return try .json(["items": try await transfers.mine(try context.requireActor()).map { TransferTaskView(entry: $0, now: now) }])
    }

    func toReview(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let now = now()
        return try .json(["items": try await transfers.toReview(try context.requireActor()).map { TransferTaskView(entry: $0, now: now) }])
    }

    func task(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let entry = try await transfers.task(try context.requireActor(), try context.id("transferId", of: .transferTask))
        return try .json(TransferTaskView(entry: entry, now: now()))
    }

    func report(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let id: TransferTaskID = try context.id("transferId", of: .transferTask)
        let body = try await request.decodeJSON(as: TransferReportBody.self, context: context)
        return try .json(TransferTaskView(entry: try await transfers.report(try context.requireActor(), id, text: body.text), now: now()))
    }

    func review(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let id: TransferTaskID = try context.id("transferId", of: .transferTask)
        let body = try await request.decodeJSON(as: ReviewBody.self, context: context)
        let entry = try await transfers.review(try context.requireActor(), id, scores: body.scores, comment: body.comment)
        return try .json(TransferTaskView(entry: entry, now: now()))
    }
}
