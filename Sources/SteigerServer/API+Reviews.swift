import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore

struct ReviewBody: RequestBody {
    var scores: [String: Int]
    var comment: String?
    static let properties: [String: JSONValue] = [
        "scores": ["type": "object", "additionalProperties": ["type": "integer"]], "comment": ["type": "string", "maxLength": 20000],
    ]
    static let schema = object(properties, optional: ["comment"])
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
                method: .get, path: "/api/v1/me/peer-balance", operationID: "myPeerBalance", tag: "reviews",
                summary: "What you gave and received in peer review (peer reviews assigned to you, and on your attempts)",
                replies: [.init(status: 200, description: "Your give/take balance.", schema: PeerBalanceView.schema)], handler: peerBalance),
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
            Operation(
                method: .put, path: "/api/v1/review-tasks/{taskId}/review", operationID: "reviseReview", tag: "reviews",
                summary:
                    "Change the review you sent: new scores and comment, within 24 hours of sending; the earlier version is kept and the learner's levels follow the new scores",
                body: ReviewBody.schema, replies: [.init(status: 200, description: "The review as it stands now.", schema: ref("Review"))],
                errors: [409: "The review is not yours, not sent yet, or can no longer be changed."], handler: revise),
            Operation(
                method: .post, path: "/api/v1/submissions/{submissionId}/review-task", operationID: "openAttemptForReview", tag: "reviews",
                summary:
                    "Review one particular attempt of a cohort you train: its trainer task, held for you if nobody else holds it (a reviewed attempt's task is returned as it is)",
                replies: [.init(status: 200, description: "The task.", schema: ref("ReviewTask"))],
                errors: [409: "Another trainer holds the attempt now."], handler: open),
            Operation(
                method: .get, path: "/api/v1/review-queue/attempts", operationID: "trainerAttempts", tag: "reviews",
                summary: "The attempts of the cohorts you train with where their review is, newest first (at most 200)",
                query: [
                    .init(name: "mine", description: "Only those whose trainer review you sent.", schema: ["type": "boolean"]),
                    .id("exercise", "Only attempts at this exercise."), .id("learner", "Only this learner's attempts."),
                    .init(
                        name: "progress", description: "Only those waiting, held by a trainer now, or reviewed.",
                        schema: ["type": "string", "enum": .array(ReviewProgress.allCases.map { .string($0.rawValue) })]),
                    .init(name: "from", description: "Only attempts made at or after this time.", schema: ["type": "string", "format": "date-time"]),
                    .init(name: "to", description: "Only attempts made before this time.", schema: ["type": "string", "format": "date-time"]),
                ],
                replies: [.init(status: 200, description: "The attempts.", schema: PageView<AttemptView>.schema(of: "TrainerAttempt"))],
                handler: attempts),
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

    func peerBalance(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(PeerBalanceView(balance: try await desk.peerBalance(try context.requireActor())))
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
        let (review, rubric) = try await desk.submit(actor, id, scores: body.scores, comment: body.comment)
        return try .json(ReviewView(review, reviewerName: actor.user.displayName, rubric: rubric), status: .created)
    }

    func revise(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let id: ReviewTaskID = try context.id("taskId", of: .reviewTask)
        let body = try await request.decodeJSON(as: ReviewBody.self, context: context)
        let (review, rubric) = try await desk.revise(actor, id, scores: body.scores, comment: body.comment)
        return try .json(ReviewView(review, reviewerName: actor.user.displayName, rubric: rubric))
    }

    func open(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let task = try await desk.open(try context.requireActor(), attempt: try context.id("submissionId", of: .submission))
        return try .json(ReviewTaskView(task, now: now()))
    }

    func attempts(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let mine = try request.queryEnum("mine", as: QueryFlag.self) == .true
        let filter = AttemptFilter(
            reviewer: mine ? actor.user.id : nil, exercise: try request.queryID("exercise"), learner: try request.queryID("learner"),
            progress: try request.queryEnum("progress", as: ReviewProgress.self), from: try request.queryDate("from"),
            until: try request.queryDate("to"))
        let now = now()
        return try .json(PageView(items: try await desk.attempts(actor, filter).map { AttemptView($0, now: now) }))
    }

    func scoreSheet(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (name, csv) = try await desk.scoreSheet(
            try context.requireActor(), cohort: try context.id("cohortId", of: .cohort), exercise: try context.id("exerciseId", of: .exercise))
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: ContentDisposition.attachment(name)],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
}

struct ReviewTaskView: JSONView {
    var id: String
    var submissionId: String
    var cohortId: String
    var kind: String
    var status: String
    var assignee: String?
    var dueAt: Date?
    var overdue: Bool
    var leaseExpires: Date?
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

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.id },
        .init("submissionId", uuid) { $0.submissionId },
        .init("cohortId", uuid) { $0.cohortId },
        .init("kind", reviewKindSchema) { $0.kind },
        .init("status", ["type": "string", "enum": ["open", "claimed", "done"]]) { $0.status },
        .nullable("assignee", ["type": ["string", "null"], "format": "uuid"]) { $0.assignee },
        .nullable("dueAt", nullableDateTime) { $0.dueAt },
        .init("overdue", ["type": "boolean"]) { $0.overdue },
        .nullable("leaseExpires", nullableDateTime) { $0.leaseExpires },
        .init("reviewsSoFar", ["type": "integer"]) { $0.reviewsSoFar },
        .init("createdAt", dateTime) { $0.createdAt },
    ]
}

/// A yes/no query parameter.
enum QueryFlag: String, CaseIterable {
    case `true`, `false`
}

struct AttemptView: JSONView {
    var submissionId: String
    var taskId: String
    var exerciseId: String
    var exercise: String
    var learnerId: String
    var learner: String
    var attempt: Int
    var createdAt: Date
    var progress: String
    var trainer: String?
    var total: Double?
    var reviewedAt: Date?

    init(_ entry: AttemptEntry, now: Date) {
        submissionId = entry.submission.id.description
        taskId = entry.task.id.description
        exerciseId = entry.submission.exerciseID.description
        exercise = entry.exerciseTitle
        learnerId = entry.submission.learnerID.description
        learner = entry.learnerName
        attempt = entry.submission.attempt
        createdAt = entry.submission.createdAt
        let progress = ReviewProgress(entry.task, at: now)
        self.progress = progress.rawValue
        trainer = progress == .waiting ? nil : entry.assigneeName
        total = entry.total
        reviewedAt = entry.reviewedAt
    }

    static let fields: [JSONField<Self>] = [
        .init("submissionId", uuid) { $0.submissionId },
        .init("taskId", uuid) { $0.taskId },
        .init("exerciseId", uuid) { $0.exerciseId },
        .init("exercise", ["type": "string"]) { $0.exercise },
        .init("learnerId", uuid) { $0.learnerId },
        .init("learner", ["type": "string"]) { $0.learner },
        .init("attempt", ["type": "integer", "minimum": 1]) { $0.attempt },
        .init("createdAt", dateTime) { $0.createdAt },
        .init("progress", ["type": "string", "enum": .array(ReviewProgress.allCases.map { .string($0.rawValue) })]) { $0.progress },
        .nullable("trainer", ["type": ["string", "null"], "description": "Who holds it now, or who reviewed it."]) { $0.trainer },
        .nullable("total", ["type": ["number", "null"], "minimum": 0, "maximum": 1]) { $0.total },
        .nullable("reviewedAt", nullableDateTime) { $0.reviewedAt },
    ]
}

struct ReviewView: JSONView {
    var id: String
    var taskId: String
    var submissionId: String
    var kind: String
    var reviewer: String
    var scores: [String: Int]
    var comment: String
    var total: Double
    var normalised: [String: Double]
    var breakdown: ScoreBreakdown
    var submittedAt: Date
    var revisedAt: Date?

    init(_ review: Review, reviewerName: String, rubric: Rubric) {
        id = review.id.description
        taskId = review.taskID.description
        submissionId = review.submissionID.description
        kind = review.kind.rawValue
        reviewer = reviewerName
        scores = review.scores
        comment = review.comment
        total = review.result.total
        normalised = review.result.normalised
        breakdown = rubric.breakdown(review.scores)
        submittedAt = review.submittedAt
        revisedAt = review.revisedAt
    }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.id },
        .init("taskId", uuid) { $0.taskId },
        .init("submissionId", uuid) { $0.submissionId },
        .init("kind", reviewKindSchema) { $0.kind },
        .init("reviewer", ["type": "string", "description": "The reviewer's name, or “Peer 1”… when peers are anonymous to the learner."]) {
            $0.reviewer
        },
        .init("scores", ["type": "object", "additionalProperties": ["type": "integer"]]) { $0.scores },
        .init("comment", ["type": "string"]) { $0.comment },
        .init("total", ["type": "number", "minimum": 0, "maximum": 1]) { $0.total },
        .init("normalised", ["type": "object", "additionalProperties": ["type": "number"]]) { $0.normalised },
        .init(
            "breakdown",
            [
                "type": "object",
                "description":
                    "The scores as people read them: each criterion's step (1 = lowest) of its scale with the step's label, and the points earned of its weight; points / possible is total.",
                "properties": [
                    "lines": [
                        "type": "array",
                        "items": object([
                            "key": ["type": "string"], "title": ["type": "string"], "value": ["type": "integer"], "label": ["type": "string"],
                            "step": ["type": "integer", "minimum": 1], "steps": ["type": "integer", "minimum": 2],
                            "points": ["type": "number", "minimum": 0], "possible": ["type": "number"],
                        ]),
                    ],
                    "points": ["type": "number", "minimum": 0], "possible": ["type": "number", "minimum": 0],
                ],
                "required": ["lines", "points", "possible"], "additionalProperties": false,
            ]
        ) { $0.breakdown },
        .init("submittedAt", dateTime) { $0.submittedAt },
        .nullable("revisedAt", nullableDateTime) { $0.revisedAt },
    ]
}

/// What a person gave and received in peer review.
struct PeerBalanceView: JSONView {
    let balance: PeerBalance

    static let fields: [JSONField<Self>] = [
        .init("given", ["type": "integer", "minimum": 0, "description": "Peer reviews assigned to you."]) { $0.balance.given },
        .init("received", ["type": "integer", "minimum": 0, "description": "Peer reviews assigned on your attempts."]) { $0.balance.received },
        .init("balance", ["type": "integer", "description": "Given − received."]) { $0.balance.balance },
    ]
}
