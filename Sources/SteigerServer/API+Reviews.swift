import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore

struct ReviewBody: RequestBody {
    static let fields: Set<String> = ["scores", "comment"]
    var scores: [String: Int]
    var comment: String?
    static let schema = object(
        ["scores": ["type": "object", "additionalProperties": ["type": "integer"]], "comment": ["type": "string", "maxLength": 20000]],
        optional: ["comment"])
}

/// The review queue, held tasks, submitted reviews and the score sheet over HTTP.
struct ReviewsController: Sendable {
    let desk: ReviewDesk
    let now: @Sendable () -> Date

    var operations: [Operation] {
        [
            Operation(
                method: .post, path: "/api/v1/review-queue/claim", operationID: "claimReview", tag: "reviews",
                summary: "Take the next attempt to review from the pools of the cohorts you train (held for 30 minutes)",
                replies: [
                    .init(status: 200, description: "The task, now held by you.", schema: ref("ReviewTask")),
                    .init(status: 204, description: "Nothing to review."),
                ],
                handler: claim),
            Operation(
                method: .get, path: "/api/v1/review-queue", operationID: "reviewQueue", tag: "reviews",
                summary: "The unfinished trainer reviews of the cohorts you train, next first: who holds what until when, what is overdue",
                replies: [.init(status: 200, description: "The queue.", schema: PageView<ReviewTaskView>.schema(of: "ReviewTask"))],
                handler: queue),
            Operation(
                method: .get, path: "/api/v1/me/review-tasks", operationID: "myReviewTasks", tag: "reviews",
                summary: "The peer and self reviews assigned to you",
                replies: [.init(status: 200, description: "Your reviews to do.", schema: PageView<ReviewTaskView>.schema(of: "ReviewTask"))],
                handler: assigned),
            Operation(
                method: .post, path: "/api/v1/review-tasks/{taskId}/renew", operationID: "renewReview", tag: "reviews",
                summary: "Hold a claimed review for another 30 minutes",
                replies: [.init(status: 200, description: "The task.", schema: ref("ReviewTask"))],
                errors: [409: "Your hold ran out (the task went back to the queue) or is someone else's."], handler: renew),
            Operation(
                method: .post, path: "/api/v1/review-tasks/{taskId}/release", operationID: "releaseReview", tag: "reviews",
                summary: "Give a claimed review back to the queue", replies: [.init(status: 204, description: "Released.")],
                errors: [409: "Your hold ran out or is someone else's."], handler: release),
            Operation(
                method: .post, path: "/api/v1/review-tasks/{taskId}/review", operationID: "submitReview", tag: "reviews",
                summary: "Submit the review: a score per rubric criterion and a comment (the total is computed by the server)",
                body: ReviewBody.schema, replies: [.init(status: 201, description: "The review.", schema: ref("Review"))],
                errors: [409: "Your hold ran out (the task went back to the queue), or the review was already submitted."], handler: submit),
        ]
    }

    /// A cohort's score sheet for one exercise.
    var scoreSheetOperation: Operation {
        Operation(
            method: .get, path: "/api/v1/cohorts/{cohortId}/exercises/{exerciseId}/scores.csv", operationID: "scoreSheet", tag: "reviews",
            summary: "Rubric scores per learner and attempt, as CSV (trainers of the cohort, admins)",
            replies: [.init(status: 200, description: "CSV with a header row.", schema: ["type": "string"], contentType: "text/csv")],
            handler: scoreSheet)
    }

    func claim(_ request: inout Request, _ context: AppContext) async throws -> Response {
        guard let task = try await desk.claim(try context.requireActor()) else { return .noContent() }
        return try .json(ReviewTaskView(task, now: now()))
    }

    func queue(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let now = now()
        return try .json(PageView(items: try await desk.queue(try context.requireActor()).map { ReviewTaskView($0, now: now) }))
    }

    func assigned(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let now = now()
        return try .json(PageView(items: try await desk.assigned(try context.requireActor()).map { ReviewTaskView($0, now: now) }))
    }

    func renew(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let task = try await desk.renew(try context.requireActor(), try context.id("taskId", of: .reviewTask))
        return try .json(ReviewTaskView(task, now: now()))
    }

    func release(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await desk.release(try context.requireActor(), try context.id("taskId", of: .reviewTask))
        return .noContent()
    }

    func submit(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let id: ReviewTaskID = try context.id("taskId", of: .reviewTask)
        let body = try await request.decodeJSON(as: ReviewBody.self, context: context)
        let review = try await desk.submit(actor, id, scores: body.scores, comment: body.comment)
        return try .json(ReviewView(review, reviewerName: actor.user.displayName), status: .created)
    }

    func scoreSheet(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (name, csv) = try await desk.scoreSheet(
            try context.requireActor(), cohort: try context.id("cohortId", of: .cohort), exercise: try context.id("exerciseId", of: .exercise))
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: ContentDisposition.attachment(name)],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
}

struct ReviewTaskView: Encodable {
    var id: String
    var submissionId: String
    var cohortId: String
    var kind: String
    var status: String
    @Nullable var assignee: String?
    @Nullable var dueAt: Date?
    var overdue: Bool
    @Nullable var leaseExpires: Date?
    var reviewsSoFar: Int
    var createdAt: Date

    init(_ task: ReviewTask, now: Date) {
        id = task.id.description
        submissionId = task.submissionID.description
        cohortId = task.cohortID.description
        kind = task.kind.rawValue
        // A trainer's hold that ran out is, to everyone, back in the pool.
        let expired = task.kind == .trainer && task.status != .done && task.holder(at: now) == nil
        status = expired ? ReviewTask.Status.open.rawValue : task.status.rawValue
        assignee = expired ? nil : task.assignee?.description
        dueAt = task.dueAt
        overdue = task.isOverdue(at: now)
        leaseExpires = expired ? nil : task.leaseExpires
        reviewsSoFar = task.reviewsSoFar
        createdAt = task.createdAt
    }

    static let schema: JSONValue = object([
        "id": uuid, "submissionId": uuid, "cohortId": uuid, "kind": ["type": "string", "enum": ["trainer", "peer", "self"]],
        "status": ["type": "string", "enum": ["open", "claimed", "done"]], "assignee": ["type": ["string", "null"], "format": "uuid"],
        "dueAt": nullableDateTime, "overdue": ["type": "boolean"], "leaseExpires": nullableDateTime, "reviewsSoFar": ["type": "integer"],
        "createdAt": dateTime,
    ])
}

struct ReviewView: Encodable {
    var id: String
    var taskId: String
    var submissionId: String
    var kind: String
    var reviewer: String
    var scores: [String: Int]
    var comment: String
    var total: Double
    var normalised: [String: Double]
    var submittedAt: Date

    init(_ review: Review, reviewerName: String) {
        id = review.id.description
        taskId = review.taskID.description
        submissionId = review.submissionID.description
        kind = review.kind.rawValue
        reviewer = reviewerName
        scores = review.scores
        comment = review.comment
        total = review.result.total
        normalised = review.result.normalised
        submittedAt = review.submittedAt
    }

    static let schema: JSONValue = object([
        "id": uuid, "taskId": uuid, "submissionId": uuid, "kind": ["type": "string", "enum": ["trainer", "peer", "self"]],
        "reviewer": ["type": "string", "description": "The reviewer's name, or “Peer 1”… when peers are anonymous to the learner."],
        "scores": ["type": "object", "additionalProperties": ["type": "integer"]], "comment": ["type": "string"],
        "total": ["type": "number", "minimum": 0, "maximum": 1], "normalised": ["type": "object", "additionalProperties": ["type": "number"]],
        "submittedAt": dateTime,
    ])
}
