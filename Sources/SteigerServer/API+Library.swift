import Foundation
import HTTPTypes
import Hummingbird
import SteigerApp
import SteigerCore

/// The media library over HTTP: model videos and stimulus clips with their poster and rendition.
struct LibraryController: Sendable {
    /// A library video never changes under its address (a new one is a new item).
    static let immutable = "private, max-age=31536000, immutable"

    let library: MediaLibrary
    let uploads: Uploads
    let media: MediaController

    var operations: [Operation] {
        return [
            Operation(
                method: .get, path: "/api/v1/media-items", operationID: "listMediaItems", tag: "library",
                summary: "The media library, newest first (administrators and trainers)",
                replies: [.init(status: 200, description: "The videos.", schema: PageView<MediaItemView>.schema(of: "MediaItem"))],
                handler: list),
            Operation(
                method: .post, path: "/api/v1/media-items", operationID: "uploadMediaItem", tag: "library",
                summary:
                    "Add a model video or stimulus clip in one streaming request (the body is the file); it is processed like an attempt (administrators and trainers)",
                query: [
                    .init(name: "title", description: "What people see it by.", schema: ["type": "string", "minLength": 1, "maxLength": 200]),
                    .init(
                        name: "kind", description: "A model video (the default) or a stimulus clip.",
                        schema: ["type": "string", "enum": .array(MediaItem.Kind.allCases.map { .string($0.rawValue) })]),
                    .init(name: "filename", description: "The file's name on the uploader's device.", schema: ["type": "string"]),
                ],
                rawBody: ["type": "string", "format": "binary"],
                replies: [.init(status: 201, description: "The new item (processing).", schema: ref("MediaItem"))],
                errors: [
                    400: "The body's length differs from Content-Length.", 411: "No body.", 413: "Larger than the limit.",
                    429: "Too many uploads started in the last ten minutes; see Retry-After.",
                    507: "The server is short of storage space; try again later.",
                ],
                handler: upload),
            Operation(
                method: .get, path: "/api/v1/media-items/{mediaItemId}", operationID: "getMediaItem", tag: "library",
                summary: "One video of the library (a learner: only one a support they get now names)",
                replies: [.init(status: 200, description: "The video.", schema: ref("MediaItem"))], handler: get),
            Operation(
                method: .get, path: "/api/v1/media-items/{mediaItemId}/rendition", operationID: "getMediaItemRendition", tag: "library",
                summary: "The video for web players (MP4 or WebM), with ranges",
                replies: MediaController.blobReplies("video/mp4", "The rendition."),
                errors: [409: "Not there yet: still processing, or processing failed."],
                handler: rendition),
            Operation(
                method: .get, path: "/api/v1/media-items/{mediaItemId}/poster.jpg", operationID: "getMediaItemPoster", tag: "library",
                summary: "The video's poster frame",
                replies: MediaController.blobReplies("image/jpeg", "The poster."),
                errors: [409: "Not there yet: still processing, or processing failed."],
                handler: poster),
            Operation(
                method: .delete, path: "/api/v1/media-items/{mediaItemId}", operationID: "deleteMediaItem", tag: "library",
                summary: "Remove a video from the library (administrators; a trainer what they uploaded)",
                replies: [.init(status: 204, description: "Removed.")], handler: delete),
        ]
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(PageView(items: try await library.items(try context.requireActor()).map(MediaItemView.init)))
    }

    func upload(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let declared = request.headers[.contentLength].flatMap(Int64.init)
        if declared == nil, request.headers[.transferEncoding] == nil { throw Problem(.bodyNeeded) }
        let kind = try request.queryEnum("kind", as: MediaItem.Kind.self) ?? .model
        let item = try await uploads.receiveLibraryItem(
            actor, title: request.query("title") ?? "", kind: kind, fileName: request.query("filename"), declared: declared, body: request.body)
        return try .json(MediaItemView(item), status: .created, headers: [.location: "/api/v1/media-items/\(item.id)"])
    }

    func get(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(MediaItemView(try await library.item(try context.requireActor(), try context.id("mediaItemId", of: .mediaItem))))
    }

    func rendition(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let item = try await library.item(try context.requireActor(), try context.id("mediaItemId", of: .mediaItem))
        guard let sha = item.renditionSHA256 else { throw AppError(.notReady) }
        return try await media.serve(sha, type: item.renditionType ?? "video/mp4", request: request, context: context, cacheControl: Self.immutable)
    }

    func poster(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let item = try await library.item(try context.requireActor(), try context.id("mediaItemId", of: .mediaItem))
        guard let sha = item.posterSHA256 else { throw AppError(.notReady) }
        return try await media.serve(sha, type: "image/jpeg", request: request, context: context, cacheControl: Self.immutable)
    }

    func delete(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await library.remove(try context.requireActor(), try context.id("mediaItemId", of: .mediaItem))
        return .noContent()
    }
}

struct MediaItemView: JSONView {
    var item: MediaItem

    init(_ item: MediaItem) { self.item = item }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.item.id.description },
        .init("title", ["type": "string"]) { $0.item.title },
        .init("kind", ["type": "string", "enum": .array(MediaItem.Kind.allCases.map { .string($0.rawValue) })]) { $0.item.kind.rawValue },
        .init("status", ["type": "string", "enum": .array(MediaItem.Status.allCases.map { .string($0.rawValue) })]) { $0.item.status.rawValue },
        .init(
            "reference",
            ["type": "string", "description": "What a model video support gives as its reference to play this video (`media:<id>`)."]
        ) { $0.item.reference },
        .nullable("durationMilliseconds", ["type": ["integer", "null"]]) { $0.item.durationMilliseconds },
        .init("size", ["type": "integer"]) { $0.item.originalSize },
        .init("createdAt", dateTime) { $0.item.createdAt },
    ]
}
