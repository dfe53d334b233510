import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore
import SteigerStore

struct AnnotationBody: RequestBody {
    static let fields: Set<String> = ["at", "from", "to", "text", "tag", "criterion", "parentId"]
    var at: Int?
    var from: Int?
    var to: Int?
    var text: String
    var tag: String?
    var criterion: String?
    var parentId: AnnotationID?
    static let schema = object(
        [
            "at": ["type": "integer", "minimum": 0, "description": "A moment, in milliseconds."],
            "from": ["type": "integer", "minimum": 0, "description": "Start of a span, in milliseconds (with `to`)."],
            "to": ["type": "integer", "minimum": 1], "text": ["type": "string", "minLength": 1, "maxLength": 5000], "tag": ["type": "string"],
            "criterion": ["type": "string"], "parentId": uuid,
        ], optional: ["at", "from", "to", "tag", "criterion", "parentId"])
}

struct AnnotationEditBody: RequestBody {
    static let fields: Set<String> = ["text"]
    var text: String
    static let schema = object(["text": ["type": "string", "minLength": 1, "maxLength": 5000]])
}

/// Timestamped comments on a submission, its reviews, and the exports.
extension SteigerAPI {
    var annotationOperations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/annotations", operationID: "listAnnotations", tag: "reviews",
                summary: "The comments on an attempt the caller may see, in time order (replies after their comment)",
                replies: [.init(status: 200, description: "Comments.", schema: PageView<AnnotationView>.schema(of: "Annotation"))],
                handler: { _, context in
                    let view = try await self.feedback(context)
                    return try .json(PageView(items: view.annotations.map { view.annotationView($0) }))
                }),
            Operation(
                method: .post, path: "/api/v1/submissions/{submissionId}/annotations", operationID: "addAnnotation", tag: "reviews",
                summary: "Comment at a moment (`at`) or over a span (`from`, `to`), or reply (`parentId`)",
                body: AnnotationBody.schema, replies: [.init(status: 201, description: "The comment.", schema: ref("Annotation"))],
                errors: [409: "The comment being answered was deleted."],
                handler: { request, context in try await self.addAnnotation(&request, context) }),
            Operation(
                method: .patch, path: "/api/v1/annotations/{annotationId}", operationID: "editAnnotation", tag: "reviews",
                summary: "Change the text of your own comment (the earlier text is kept)", body: AnnotationEditBody.schema,
                replies: [.init(status: 200, description: "The comment.", schema: ref("Annotation"))],
                errors: [409: "The comment was deleted."],
                handler: { request, context in
                    let actor = try context.requireActor()
                    let id: AnnotationID = try context.id("annotationId", of: .comment)
                    let body = try await request.decodeJSON(as: AnnotationEditBody.self, context: context)
                    let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
                    guard !text.isEmpty, text.unicodeScalars.count <= 5000 else {
                        throw Problem.invalid(ValidationError(field: "text", Message("validation.charactersBetween", ["min": 1, "max": 5000])))
                    }
                    let edited = try await self.ownComment {
                        try await self.store.editAnnotation(id, author: actor.user.id, text: text, now: self.configuration.now())
                    }
                    return try .json(AnnotationView(edited, author: actor.user.displayName, authorId: actor.user.id.description))
                }),
            Operation(
                method: .delete, path: "/api/v1/annotations/{annotationId}", operationID: "deleteAnnotation", tag: "reviews",
                summary: "Delete your own comment (shown as deleted; its replies stay)", replies: [.init(status: 204, description: "Deleted.")],
                errors: [409: "The comment was already deleted."],
                handler: { _, context in
                    let actor = try context.requireActor()
                    let id: AnnotationID = try context.id("annotationId", of: .comment)
                    try await self.ownComment { try await self.store.deleteAnnotation(id, author: actor.user.id, now: self.configuration.now()) }
                    return .noContent()
                }),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/reviews", operationID: "listReviews", tag: "reviews",
                summary: "The submitted reviews of an attempt the caller may see",
                replies: [.init(status: 200, description: "Reviews.", schema: PageView<ReviewView>.schema(of: "Review"))],
                handler: { _, context in
                    let view = try await self.feedback(context)
                    return try .json(PageView(items: view.reviews.map { ReviewView($0, reviewerName: view.name($0.reviewerID)) }))
                }),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/annotations.vtt", operationID: "exportAnnotationsVTT", tag: "reviews",
                summary: "The comments as WebVTT",
                replies: [.init(status: 200, description: "WebVTT.", schema: ["type": "string"], contentType: "text/vtt")],
                handler: { _, context in
                    let view = try await self.feedback(context)
                    let text = AnnotationExport.webVTT(view.annotations, durationMilliseconds: view.durationMilliseconds, name: view.name)
                    return Response(
                        status: .ok, headers: [.contentType: "text/vtt; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
                }),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/annotations.jsonld", operationID: "exportWebAnnotations", tag: "reviews",
                summary: "The comments as a W3C Web Annotation collection (JSON-LD; Media Fragments selectors)",
                replies: [
                    .init(status: 200, description: "An AnnotationCollection.", schema: ["type": "object"], contentType: "application/ld+json")
                ],
                handler: { request, context in
                    let view = try await self.feedback(context)
                    let base = self.absoluteLink("/api/v1", request: request)
                    let collection = AnnotationExport.webAnnotations(
                        view.annotations, collectionID: "\(base)/submissions/\(view.submission.id)/annotations.jsonld",
                        videoURL: "\(base)/submissions/\(view.submission.id)/media/rendition", annotationURL: { "\(base)/annotations/\($0)" },
                        name: view.name)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    encoder.dateEncodingStrategy = .iso8601
                    return Response(
                        status: .ok, headers: [.contentType: "application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(collection))))
                }),
        ]
    }

    /// What a caller may see of an attempt's feedback: the comments and reviews visible to them,
    /// with names as they should read them (peers anonymous to the learner when the exercise says so).
    struct Feedback {
        var submission: Submission
        var annotations: [Annotation]
        var reviews: [Review]
        var durationMilliseconds: Int?
        var names: [UserID: String]
        func name(_ id: UserID) -> String { names[id] ?? "Someone" }
        func annotationView(_ annotation: Annotation) -> AnnotationView {
            AnnotationView(annotation, author: name(annotation.authorID), authorId: nil)
        }
    }

    func feedback(_ context: AppContext) async throws -> Feedback {
        let (submission, exercise, actor, learnerMemberships) = try await reachableSubmission(context, .view)
        let tasks = try await store.reviewTasks(of: submission.id)
        var reviews = try await store.reviews(of: submission.id)
        var annotations = try await store.annotations(of: submission.id)
        let isLearner = actor.user.id == submission.learnerID
        if isLearner, !exercise.review.showCommentsBeforeSubmit {
            // The learner sees a reviewer's comments once that reviewer has submitted.
            let submitted = Set(reviews.map(\.reviewerID))
            annotations = annotations.filter { $0.authorID == actor.user.id || submitted.contains($0.authorID) }
        }
        let trainsIt = learnerMemberships.contains { $0.part == .learner && exercise.cohorts.contains($0.cohortID) && actor.trains($0.cohortID) }
        let isPeerOnly = !isLearner && !actor.user.has(.admin) && !trainsIt
        if isPeerOnly {
            // A peer sees the learner's own reflections and their own work, not the other reviewers'.
            annotations = annotations.filter { $0.authorID == actor.user.id || $0.authorID == submission.learnerID }
            reviews = reviews.filter { $0.reviewerID == actor.user.id }
        }
        // A reply whose comment is hidden is hidden too (its text may quote it).
        var visible = Set(annotations.map(\.id))
        while true {
            let kept = annotations.filter { $0.parentID.map(visible.contains) ?? true }
            if kept.count == annotations.count { break }
            annotations = kept
            visible = Set(kept.map(\.id))
        }
        var names: [UserID: String] = [:]
        let peers = tasks.filter { $0.kind == .peer }.compactMap(\.assignee)
        for id in Set(annotations.map(\.authorID) + reviews.map(\.reviewerID)) {
            if exercise.review.anonymousPeers, isLearner || isPeerOnly, id != actor.user.id, let index = peers.firstIndex(of: id) {
                names[id] = "Peer \(index + 1)"
            } else {
                names[id] = try await store.user(id)?.displayName
            }
        }
        return Feedback(
            submission: submission, annotations: annotations, reviews: reviews,
            durationMilliseconds: try await store.submissionMedia(submission.id)?.durationMilliseconds, names: names)
    }

    /// The submission in the path with its exercise, the caller and the learner's memberships,
    /// if the caller may do `action` (404 or 403 otherwise).
    func reachableSubmission(
        _ context: AppContext, _ action: Action
    ) async throws
        -> (submission: Submission, exercise: Exercise, actor: Actor, learnerMemberships: [Membership])
    {
        let actor = try context.requireActor()
        let id: SubmissionID = try context.id("submissionId", of: .submission)
        guard let submission = try await store.submission(id), let exercise = try await store.exercise(submission.exerciseID) else {
            throw Problem.notFound(.submission)
        }
        let memberships = try await store.memberships(of: submission.learnerID)
        try AccessPolicy.decide(actor, action, .submission(submission, exercise: exercise, learnerMemberships: memberships)).require(.submission)
        return (submission, exercise, actor, memberships)
    }

    private func addAnnotation(_ request: inout Request, _ context: AppContext) async throws -> Response {
        // Reviewers (trainers of the cohort, assigned peers) comment; the learner reflects and replies.
        let (submission, exercise, actor, memberships) = try await reachableSubmission(context, .view)
        if actor.user.id != submission.learnerID {
            try AccessPolicy.decide(actor, .review, .submission(submission, exercise: exercise, learnerMemberships: memberships)).require(.submission)
        }
        let body = try await request.decodeJSON(as: AnnotationBody.self, context: context)
        if let parent = body.parentId, !(try await feedback(context).annotations.contains { $0.id == parent }) {
            // Only a comment the caller can see can be answered; others do not exist for them.
            throw Problem.invalid(ValidationError(field: "parentId", Message("validation.parentMissing")))
        }
        let span: Annotation.Span? =
            if let at = body.at {
                body.from == nil && body.to == nil ? .point(at: at) : nil
            } else if let from = body.from, let to = body.to {
                .range(from: from, to: to)
            } else {
                nil
            }
        if body.at != nil, body.from != nil || body.to != nil {
            throw Problem.invalid(ValidationError(field: "at", Message("validation.atOrSpan")))
        }
        if (body.from == nil) != (body.to == nil) {
            throw Problem.invalid(ValidationError(field: body.from == nil ? "from" : "to", Message("validation.fromAndTo")))
        }
        let duration = try await store.submissionMedia(submission.id)?.durationMilliseconds
        let annotation = try Annotation(
            submissionID: submission.id, authorID: actor.user.id, parentID: body.parentId, span: span, text: body.text,
            tag: body.tag, criterion: body.criterion, createdAt: configuration.now(),
            durationMilliseconds: duration, tags: exercise.review.tags,
            rubric: exercise.rubric)
        try await store.addAnnotation(annotation)
        return try .json(AnnotationView(annotation, author: actor.user.displayName, authorId: actor.user.id.description), status: .created)
    }

    /// Runs a change to the caller's own comment: someone else's (or none) is 404, a deleted one 409.
    @discardableResult
    func ownComment<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch StoreError.notFound {
            throw Problem.notFound(.commentOfYours)
        }
    }
}

struct AnnotationView: Encodable {
    var id: String
    var submissionId: String
    @Nullable var parentId: String?
    var author: String
    @Nullable var authorId: String?
    @Nullable var at: Int?
    @Nullable var from: Int?
    @Nullable var to: Int?
    var text: String
    @Nullable var tag: String?
    @Nullable var criterion: String?
    var createdAt: Date
    @Nullable var editedAt: Date?
    var deleted: Bool

    init(_ annotation: Annotation, author: String, authorId: String?) {
        id = annotation.id.description
        submissionId = annotation.submissionID.description
        parentId = annotation.parentID?.description
        self.author = author
        self.authorId = authorId
        switch annotation.span {
        case .point(let moment)?: at = moment
        case .range(let start, let end)?:
            from = start
            to = end
        case nil: break
        }
        deleted = annotation.isDeleted
        text = deleted ? "" : annotation.text
        tag = annotation.tag
        criterion = annotation.criterion
        createdAt = annotation.createdAt
        editedAt = annotation.editedAt
    }

    static let schema: JSONValue = object([
        "id": uuid, "submissionId": uuid, "parentId": ["type": ["string", "null"], "format": "uuid"], "author": ["type": "string"],
        "authorId": ["type": ["string", "null"], "format": "uuid"], "at": ["type": ["integer", "null"]], "from": ["type": ["integer", "null"]],
        "to": ["type": ["integer", "null"]], "text": ["type": "string", "description": "Empty for a deleted comment."],
        "tag": ["type": ["string", "null"]], "criterion": ["type": ["string", "null"]], "createdAt": dateTime, "editedAt": nullableDateTime,
        "deleted": ["type": "boolean"],
    ])
}
