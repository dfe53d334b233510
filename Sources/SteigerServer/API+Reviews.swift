import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore
import SteigerStore

struct ReviewBody: RequestBody {
    static let fields: Set<String> = ["scores", "comment"]
    var scores: [String: Int]
    var comment: String?
    static let schema = object(
        ["scores": ["type": "object", "additionalProperties": ["type": "integer"]], "comment": ["type": "string", "maxLength": 20000]],
        optional: ["comment"])
}

/// The review queue, held tasks and submitted reviews.
extension SteigerAPI {
    /// How long a claimed trainer task is held (renewable).
    static let reviewLease: TimeInterval = 30 * 60

    var reviewOperations: [Operation] {
        [
            Operation(
                method: .post, path: "/api/v1/review-queue/claim", operationID: "claimReview", tag: "reviews",
                summary: "Take the next attempt to review from the pools of the cohorts you train (held for 30 minutes)",
                replies: [
                    .init(status: 200, description: "The task, now held by you.", schema: ref("ReviewTask")),
                    .init(status: 204, description: "Nothing to review."),
                ],
                handler: { _, context in
                    let actor = try context.requireActor()
                    let trained = actor.trainedCohorts
                    guard !trained.isEmpty else { throw Problem(.noQueue) }
                    let now = self.configuration.now()
                    guard
                        let task = try await self.store.claimReviewTask(reviewer: actor.user.id, cohorts: trained, lease: Self.reviewLease, now: now)
                    else {
                        return .noContent()
                    }
                    return try .json(ReviewTaskView(task, now: now))
                }),
            Operation(
                method: .get, path: "/api/v1/review-queue", operationID: "reviewQueue", tag: "reviews",
                summary: "The unfinished trainer reviews of the cohorts you train, next first: who holds what until when, what is overdue",
                replies: [.init(status: 200, description: "The queue.", schema: PageView<ReviewTaskView>.schema(of: "ReviewTask"))],
                handler: { _, context in
                    let actor = try context.requireActor()
                    let trained = actor.trainedCohorts
                    let now = self.configuration.now()
                    let tasks = actor.user.has(.admin) && trained.isEmpty ? [] : try await self.store.reviewQueue(cohorts: trained)
                    return try .json(PageView(items: tasks.map { ReviewTaskView($0, now: now) }))
                }),
            Operation(
                method: .get, path: "/api/v1/me/review-tasks", operationID: "myReviewTasks", tag: "reviews",
                summary: "The peer and self reviews assigned to you",
                replies: [.init(status: 200, description: "Your reviews to do.", schema: PageView<ReviewTaskView>.schema(of: "ReviewTask"))],
                handler: { _, context in
                    let actor = try context.requireActor()
                    let now = self.configuration.now()
                    return try .json(
                        PageView(items: try await self.store.assignedReviewTasks(of: actor.user.id).map { ReviewTaskView($0, now: now) }))
                }),
            Operation(
                method: .post, path: "/api/v1/review-tasks/{taskId}/renew", operationID: "renewReview", tag: "reviews",
                summary: "Hold a claimed review for another 30 minutes",
                replies: [.init(status: 200, description: "The task.", schema: ref("ReviewTask"))],
                errors: [409: "Your hold ran out (the task went back to the queue) or is someone else's."],
                handler: { _, context in
                    let (task, actor) = try await self.ownTask(context)
                    let now = self.configuration.now()
                    let renewed = try await self.store.renewReviewTask(task.id, reviewer: actor.user.id, lease: Self.reviewLease, now: now)
                    return try .json(ReviewTaskView(renewed, now: now))
                }),
            Operation(
                method: .post, path: "/api/v1/review-tasks/{taskId}/release", operationID: "releaseReview", tag: "reviews",
                summary: "Give a claimed review back to the queue", replies: [.init(status: 204, description: "Released.")],
                errors: [409: "Your hold ran out or is someone else's."],
                handler: { _, context in
                    let (task, actor) = try await self.ownTask(context)
                    try await self.store.releaseReviewTask(task.id, reviewer: actor.user.id, now: self.configuration.now())
                    return .noContent()
                }),
            Operation(
                method: .post, path: "/api/v1/review-tasks/{taskId}/review", operationID: "submitReview", tag: "reviews",
                summary: "Submit the review: a score per rubric criterion and a comment (the total is computed by the server)",
                body: ReviewBody.schema, replies: [.init(status: 201, description: "The review.", schema: ref("Review"))],
                errors: [409: "Your hold ran out (the task went back to the queue), or the review was already submitted."],
                handler: { request, context in
                    let (task, actor) = try await self.ownTask(context)
                    let body = try await request.decodeJSON(as: ReviewBody.self, context: context)
                    guard let submission = try await self.store.submission(task.submissionID),
                        let exercise = try await self.store.exercise(submission.exerciseID)
                    else { throw Problem.notFound(.reviewTask) }
                    let now = self.configuration.now()
                    if task.kind == .selfReview {
                        // A self review is a reflection on the recording: at least one timestamped comment first.
                        let reflections = try await self.store.annotations(of: submission.id)
                            .filter { $0.authorID == actor.user.id && $0.parentID == nil && !$0.isDeleted }
                        if reflections.isEmpty {
                            throw Problem.invalid(ValidationError(field: "reflections", Message("validation.reflections")))
                        }
                    }
                    let review = try Review(
                        task: task, reviewerID: actor.user.id, scores: body.scores, comment: body.comment ?? "",
                        rubric: exercise.rubric, submittedAt: now)
                    try await self.store.submitReview(review, now: now)
                    return try .json(ReviewView(review, reviewerName: actor.user.displayName), status: .created)
                }),
        ]
    }

    /// A cohort's score sheet for one exercise: one row per learner and attempt, with the latest
    /// trainer review's score per criterion and weighted total.
    var scoreSheetOperation: Operation {
        Operation(
            method: .get, path: "/api/v1/cohorts/{cohortId}/exercises/{exerciseId}/scores.csv", operationID: "scoreSheet", tag: "reviews",
            summary: "Rubric scores per learner and attempt, as CSV (trainers of the cohort, admins)",
            replies: [.init(status: 200, description: "CSV with a header row.", schema: ["type": "string"], contentType: "text/csv")],
            handler: { _, context in
                let (cohort, actor) = try await self.reachableCohort(context, .view)
                guard actor.user.has(.admin) || actor.trains(cohort.id) else {
                    throw Problem(.scoresTrainersOnly)
                }
                let exerciseID: ExerciseID = try context.id("exerciseId", of: .exercise)
                guard let exercise = try await self.store.exercise(exerciseID), exercise.cohorts.contains(cohort.id) else {
                    throw Problem.notFound(.exerciseInThisCohort)
                }
                let sheet = try await self.store.scoreSheet(cohort: cohort.id, exercise: exercise.id)
                var lines = [
                    (["learner", "email", "attempt", "submission", "submitted", "status", "reviewer", "reviewed"]
                        + exercise.rubric.criteria.map(\.key) + ["total"]).map(CSV.field).joined(separator: ",")
                ]
                for (learner, submission, review) in sheet {
                    var reviewer = ""
                    if let review { reviewer = try await self.store.user(review.reviewerID)?.displayName ?? "" }
                    let iso = Date.ISO8601FormatStyle()
                    var fields = [
                        learner.displayName, learner.email, String(submission.attempt), submission.id.description,
                        submission.createdAt.formatted(iso), submission.status.rawValue, reviewer,
                        review?.submittedAt.formatted(iso) ?? "",
                    ]
                    fields += exercise.rubric.criteria.map { criterion in review?.scores[criterion.key].map(String.init) ?? "" }
                    fields.append(review.map { String(format: "%.4f", $0.result.total) } ?? "")
                    // Names and emails are text a spreadsheet could run; the rest are numbers, ids and dates.
                    lines.append(
                        fields.enumerated().map { index, field in index < 2 || index == 6 ? CSV.textField(field) : CSV.field(field) }
                            .joined(separator: ","))
                }
                let name = "scores-\(exercise.skillKey).csv"
                return Response(
                    status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: ContentDisposition.attachment(name)],
                    body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n")))
            })
    }

    /// The task in the path, if the caller is (or was) its reviewer: the trainer holding it, the
    /// assigned peer, the author for a self review. Anyone else gets 404.
    func ownTask(_ context: AppContext) async throws -> (ReviewTask, Actor) {
        let actor = try context.requireActor()
        let id: ReviewTaskID = try context.id("taskId", of: .reviewTask)
        guard let task = try await store.reviewTask(id) else { throw Problem.notFound(.reviewTask) }
        // Trainers only while they train the cohort; peers only while they learn in it.
        let mine =
            switch task.kind {
            case .trainer: actor.trains(task.cohortID)
            case .peer: task.assignee == actor.user.id && actor.learns(in: task.cohortID)
            case .selfReview: task.assignee == actor.user.id
            }
        guard mine else { throw Problem.notFound(.reviewTask) }
        return (task, actor)
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
