import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore

struct AnnotationBody: RequestBody {
    var at: Int?
    var from: Int?
    var to: Int?
    var text: String
    var tag: String?
    var criterion: String?
    var parentId: AnnotationID?
    static let properties: [String: JSONValue] = [
        "at": ["type": "integer", "minimum": 0, "description": "A moment, in milliseconds."],
        "from": ["type": "integer", "minimum": 0, "description": "Start of a span, in milliseconds (with `to`)."],
        "to": ["type": "integer", "minimum": 1], "text": ["type": "string", "minLength": 1, "maxLength": 5000], "tag": ["type": "string"],
        "criterion": ["type": "string"], "parentId": uuid,
    ]
    static let schema = object(properties, optional: ["at", "from", "to", "tag", "criterion", "parentId"])
}

struct AnnotationEditBody: RequestBody {
    var text: String
    static let properties: [String: JSONValue] = ["text": ["type": "string", "minLength": 1, "maxLength": 5000]]
    static let schema = object(properties)
}

/// Timed comments on a submission, its reviews, and the exports over HTTP.
struct AnnotationsController: Sendable {
    let annotations: Annotations
    let submissions: Submissions
    let links: Links

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/annotations", operationID: "listAnnotations", tag: "reviews",
                summary: "The comments on an attempt the caller may see, in time order (replies after their comment)",
                replies: [.init(status: 200, description: "Comments.", schema: PageView<AnnotationView>.schema(of: "Annotation"))],
                handler: list),
            Operation(
                method: .post, path: "/api/v1/submissions/{submissionId}/annotations", operationID: "addAnnotation", tag: "reviews",
                summary: "Comment at a moment (`at`) or over a span (`from`, `to`), or reply (`parentId`)",
                body: AnnotationBody.schema, replies: [.init(status: 201, description: "The comment.", schema: ref("Annotation"))],
                errors: [409: "The comment being answered was deleted."], handler: add),
            Operation(
                method: .patch, path: "/api/v1/annotations/{annotationId}", operationID: "editAnnotation", tag: "reviews",
                summary: "Change the text of your own comment (the earlier text is kept)", body: AnnotationEditBody.schema,
                replies: [.init(status: 200, description: "The comment.", schema: ref("Annotation"))],
                errors: [409: "The comment was deleted."], handler: edit),
            Operation(
                method: .delete, path: "/api/v1/annotations/{annotationId}", operationID: "deleteAnnotation", tag: "reviews",
                summary: "Delete your own comment (shown as deleted; its replies stay)", replies: [.init(status: 204, description: "Deleted.")],
                errors: [409: "The comment was already deleted."], handler: delete),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/reviews", operationID: "listReviews", tag: "reviews",
                summary: "The submitted reviews of an attempt the caller may see",
                replies: [.init(status: 200, description: "Reviews.", schema: PageView<ReviewView>.schema(of: "Review"))],
                handler: reviews),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/annotations.vtt", operationID: "exportAnnotationsVTT", tag: "reviews",
                summary: "The comments as WebVTT",
                replies: [.init(status: 200, description: "WebVTT.", schema: ["type": "string"], contentType: "text/vtt")],
                handler: webVTT),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/annotations.jsonld", operationID: "exportWebAnnotations", tag: "reviews",
                summary: "The comments as a W3C Web Annotation collection (JSON-LD; Media Fragments selectors)",
                replies: [
                    .init(status: 200, description: "An AnnotationCollection.", schema: ["type": "object"], contentType: "application/ld+json")
                ],
                handler: webAnnotations),
        ]
    }

    func feedback(_ context: AppContext) async throws -> Submissions.Feedback {
        try await submissions.feedback(try context.requireActor(), try context.id("submissionId", of: .submission))
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let feedback = try await feedback(context)
        return try .json(
            PageView(
                items: feedback.annotations.map {
                    AnnotationView($0, author: feedback.name($0.authorID, in: context.words), authorId: nil)
                }))
    }

    func add(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let id: SubmissionID = try context.id("submissionId", of: .submission)
        let body = try await request.decodeJSON(as: AnnotationBody.self, context: context)
        let annotation = try await annotations.add(
            actor, to: id,
            Annotations.Draft(
                at: body.at, from: body.from, to: body.to, text: body.text, tag: body.tag, criterion: body.criterion, parent: body.parentId))
        return try .json(AnnotationView(annotation, author: actor.user.displayName, authorId: actor.user.id.description), status: .created)
    }

    func edit(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let id: AnnotationID = try context.id("annotationId", of: .comment)
        let body = try await request.decodeJSON(as: AnnotationEditBody.self, context: context)
        let edited = try await annotations.edit(actor, id, text: body.text)
        return try .json(AnnotationView(edited, author: actor.user.displayName, authorId: actor.user.id.description))
    }

    func delete(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await annotations.delete(try context.requireActor(), try context.id("annotationId", of: .comment))
        return .noContent()
    }

    func reviews(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let feedback = try await feedback(context)
        return try .json(
            PageView(
                items: feedback.reviews.map {
                    ReviewView(
                        $0, reviewerName: feedback.name($0.reviewerID, in: context.words), rubric: feedback.rubric)
                }))
    }

    func webVTT(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let feedback = try await feedback(context)
        let text = AnnotationExport.webVTT(
            feedback.annotations, durationMilliseconds: feedback.durationMilliseconds,
            name: { [words = context.words] in feedback.name($0, in: words) })
        return Response(status: .ok, headers: [.contentType: "text/vtt; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func webAnnotations(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let feedback = try await feedback(context)
        let base = links.absolute("/api/v1", request: request)
        let collection = AnnotationExport.webAnnotations(
            feedback.annotations, collectionID: "\(base)/submissions/\(feedback.submission.id)/annotations.jsonld",
            videoURL: "\(base)/submissions/\(feedback.submission.id)/media/rendition", annotationURL: { "\(base)/annotations/\($0)" },
            name: { [words = context.words] in feedback.name($0, in: words) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: .ok, headers: [.contentType: "application/ld+json; profile=\"http://www.w3.org/ns/anno.jsonld\""],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(collection))))
    }
}

/// Absolute links: under the configured public URL, else the address a request came to.
struct Links: Sendable {
    let publicURL: PublicURL?

    func absolute(_ path: String, request: Request) -> String {
        publicURL?.link(path) ?? "http://\(request.head.authority ?? "localhost")" + path
    }
}

struct AnnotationView: JSONView {
    var id: String
    var submissionId: String
    var parentId: String?
    var author: String
    var authorId: String?
    var at: Int?
    var from: Int?
    var to: Int?
    var text: String
    var tag: String?
    var criterion: String?
    var createdAt: Date
    var editedAt: Date?
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

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.id },
        .init("submissionId", uuid) { $0.submissionId },
        .nullable("parentId", ["type": ["string", "null"], "format": "uuid"]) { $0.parentId },
        .init("author", ["type": "string"]) { $0.author },
        .nullable("authorId", ["type": ["string", "null"], "format": "uuid"]) { $0.authorId },
        .nullable("at", ["type": ["integer", "null"]]) { $0.at },
        .nullable("from", ["type": ["integer", "null"]]) { $0.from },
        .nullable("to", ["type": ["integer", "null"]]) { $0.to },
        .init("text", ["type": "string", "description": "Empty for a deleted comment."]) { $0.text },
        .nullable("tag", ["type": ["string", "null"]]) { $0.tag },
        .nullable("criterion", ["type": ["string", "null"]]) { $0.criterion },
        .init("createdAt", dateTime) { $0.createdAt },
        .nullable("editedAt", nullableDateTime) { $0.editedAt },
        .init("deleted", ["type": "boolean"]) { $0.deleted },
    ]
}
