import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

/// A submission's processing state and media: the original, the web rendition, the poster and the
/// storyboard, served with ranges, validators and caching, under the submission's permissions.
struct MediaController: Sendable {
    let submissions: Submissions
    let files: UploadFiles

    /// The reply of a blob served by ``serve(_:type:request:context:disposition:)``, and its answers to
    /// a Range or a matching If-None-Match (every operation that serves a blob documents them).
    static func blobReplies(_ type: String, _ description: String) -> [Operation.Reply] {
        [
            .init(
                status: 200, description: description, schema: ["type": "string", "format": "binary"], contentType: type,
                headers: [
                    "ETag": "The content's SHA-256.", "Accept-Ranges": "bytes",
                    "Cache-Control": "private, no-cache (asked again each time: who may watch can change)",
                ]),
            .init(
                status: 206, description: "The bytes asked for with Range.", schema: ["type": "string", "format": "binary"],
                contentType: "application/octet-stream", headers: ["Content-Range": "Which bytes, of how many."]),
            .init(status: 304, description: "Not modified (If-None-Match)."),
        ]
    }

    var operations: [Operation] {
        let file = Self.blobReplies
        let errors = [
            409: "Not there yet: the submission is still processing, or processing failed.",
            410: "Removed under a retention policy (the problem's detail says when and under which); the evidence stays.",
            416: "The range lies outside the file.",
        ]
        return [
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/media", operationID: "getSubmissionMedia", tag: "submissions",
                summary: "Processing status, progress, warnings and the media's addresses",
                replies: [.init(status: 200, description: "The submission's media.", schema: ref("SubmissionMedia"))],
                handler: status),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/media/original", operationID: "getOriginal", tag: "submissions",
                summary: "The file as uploaded", replies: file("application/octet-stream", "The original."), errors: errors,
                handler: original),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/media/rendition", operationID: "getRendition", tag: "submissions",
                summary: "The web rendition (MP4 or WebM) browsers play and seek", replies: file("video/mp4", "The rendition."),
                errors: errors,
                handler: rendition),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/media/poster.jpg", operationID: "getPoster", tag: "submissions",
                summary: "A representative frame (JPEG)", replies: file("image/jpeg", "The poster."), errors: errors,
                handler: poster),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/media/storyboard.vtt", operationID: "getStoryboard", tag: "submissions",
                summary: "Scrub previews: WebVTT whose cues point into the sprite sheets (#xywh=)",
                replies: [.init(status: 200, description: "The WebVTT track.", schema: ["type": "string"], contentType: "text/vtt")], errors: errors,
                handler: storyboard),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/media/storyboard/{sheet}", operationID: "getStoryboardSheet",
                tag: "submissions",
                summary: "One sprite sheet of the storyboard, e.g. 1.jpg", replies: file("image/jpeg", "The sheet."), errors: errors,
                handler: storyboardSheet),
        ]
    }

    func status(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (submission, media) = try await submissions.media(try context.requireActor(), try context.id("submissionId", of: .submission))
        return try .json(SubmissionMediaView(submission: submission, media: media, words: context.words))
    }

    func original(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (_, media) = try await submissions.recording(try context.requireActor(), try context.id("submissionId", of: .submission), .original)
        // Shown in the page only once the file was read as a recording; anything else (a file that
        // is not media, one not read yet) is a download, never a document of this origin.
        let type = media.info != nil ? Self.originalType(media) : "application/octet-stream"
        return try await self.serve(
            media.originalSHA256, type: type, request: request, context: context,
            disposition: type == "application/octet-stream"
                ? ContentDisposition.attachment(media.fileName) : ContentDisposition.inline(media.fileName))
    }

    func rendition(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (_, media) = try await submissions.recording(try context.requireActor(), try context.id("submissionId", of: .submission), .rendition)
        guard let sha = media.renditionSHA256 else { throw Self.notReady }
        return try await self.serve(sha, type: media.renditionType ?? "video/mp4", request: request, context: context)
    }

    func poster(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (_, media) = try await self.reachableMedia(context)
        guard let sha = media.posterSHA256 else { throw Self.notReady }
        return try await self.serve(sha, type: "image/jpeg", request: request, context: context)
    }

    func storyboard(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (submission, media) = try await self.reachableMedia(context)
        guard let stored = media.storedStoryboard else {
            throw Self.notReady
        }
        var vtt = stored.vtt
        for (index, name) in stored.sheetNames.enumerated() {
            vtt = vtt.replacingOccurrences(
                of: name + "#", with: "/api/v1/submissions/\(submission.id)/media/storyboard/\(index + 1).jpg#")
        }
        return Response(
            status: .ok, headers: [.contentType: "text/vtt; charset=utf-8", .cacheControl: "private, no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: vtt)))
    }

    func storyboardSheet(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (_, media) = try await self.reachableMedia(context)
        guard let stored = media.storedStoryboard else {
            throw Self.notReady
        }
        let name = context.parameters.get("sheet") ?? ""
        guard name.hasSuffix(".jpg"), let number = Int(name.dropLast(4)), (1...stored.sheets.count).contains(number) else {
            throw Problem.notFound(.storyboardSheet)
        }
        return try await self.serve(stored.sheets[number - 1], type: "image/jpeg", request: request, context: context)
    }

    static let notReady = Problem(.notReady)

    /// The submission named in the path and its media, if the caller may view it.
    func reachableMedia(_ context: AppContext) async throws -> (Submission, SubmissionMedia) {
        try await submissions.servableMedia(try context.requireActor(), try context.id("submissionId", of: .submission))
    }

    static func originalType(_ media: SubmissionMedia) -> String {
        switch (media.fileName as NSString).pathExtension.lowercased() {
        case "mp4", "m4v": "video/mp4"
        case "mov": "video/quicktime"
        case "webm": "video/webm"
        case "mkv": "video/x-matroska"
        default: "application/octet-stream"
        }
    }

    /// Serves a blob with its strong ETag (the SHA-256), `Cache-Control`, `Accept-Ranges`, one
    /// byte range (`Range: bytes=a-b`, `a-`, `-n`; several ranges get the whole file), `If-Range`
    /// and `If-None-Match`.
    /// A recording's media is asked for again each time (`no-cache`): who may watch it can change
    /// at any moment (its learner takes it out of the library), and a copy kept by the browser
    /// must not outlive that.
    func serve(
        _ sha256: String, type: String, request: Request, context: AppContext, disposition: String? = nil,
        cacheControl: String = "private, no-cache"
    ) async throws -> Response {
        let path = files.mediaPath(sha256)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = (attributes[.size] as? NSNumber)?.int64Value else {
            context.logger.error("a blob is missing", metadata: ["sha256": .string(sha256)])
            throw Problem(.fileMissing)
        }
        let etag = "\"\(sha256)\""
        var headers: HTTPFields = [
            .eTag: etag, .acceptRanges: "bytes", .contentType: type,
            .cacheControl: cacheControl,
            // Whatever a learner uploaded runs no script and reaches nothing of this origin.
            HTTPField.Name("Content-Security-Policy")!: "sandbox; default-src 'none'; media-src 'self'; img-src 'self'",
        ]
        if let disposition { headers[.contentDisposition] = disposition }
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).contains(where: { $0 == etag || $0 == "*" })
        {
            return Response(status: .notModified, headers: headers)
        }
        var range: ClosedRange<Int64>?
        if let header = request.headers[.range], request.headers[.ifRange].map({ $0 == etag }) ?? true {
            switch Self.parseRange(header, size: size) {
            case .whole: break
            case .part(let part): range = part
            case .unsatisfiable:
                throw Problem(
                    .badRange, ["range": .text(header), "size": .integer(Int(size))],
                    headers: [.contentRange: "bytes */\(size)"])
            }
        }
        let fileIO = FileIO()
        if let range {
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            let body = try await fileIO.loadFile(path: path, range: Int(range.lowerBound)...Int(range.upperBound), context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        }
        headers[.contentLength] = String(size)
        let body = size == 0 ? ResponseBody() : try await fileIO.loadFile(path: path, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    enum RangeRequest: Equatable { case whole, part(ClosedRange<Int64>), unsatisfiable }

    /// One `bytes=` range against a file of `size` bytes. Several ranges, other units and
    /// malformed values are answered with the whole file, as RFC 9110 allows.
    static func parseRange(_ header: String, size: Int64) -> RangeRequest {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes="), !text.contains(",") else { return .whole }
        let spec = text.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return .whole }
        if parts[0].isEmpty {
            guard let suffix = Int64(parts[1]), suffix >= 0 else { return .whole }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .part(max(0, size - suffix)...(size - 1))
        }
        guard let start = Int64(parts[0]), start >= 0 else { return .whole }
        let end: Int64
        if parts[1].isEmpty {
            end = size - 1
        } else {
            guard let last = Int64(parts[1]), last >= start else { return .whole }
            end = min(last, size - 1)
        }
        guard start < size else { return .unsatisfiable }
        return .part(start...end)
    }
}

/// A submission's processing state and media addresses.
struct SubmissionMediaView: JSONView {
    var submissionId: String
    var status: String
    var step: String?
    var progress: Double
    var failureReason: String?
    var failureCode: String?
    var failureKind: String?
    var warnings: [String]
    var fileName: String
    var size: Int64
    var sha256: String
    var duration: Double?
    var width: Int?
    var height: Int?
    var original: String?
    var rendition: String?
    var renditionType: String?
    var poster: String?
    var storyboard: String?
    var removedAt: String?
    var removed: String?

    init(submission: Submission, media: SubmissionMedia, words: Localizer) {
        let base = "/api/v1/submissions/\(submission.id)/media"
        submissionId = submission.id.description
        status = submission.status.rawValue
        step = media.step
        progress = media.progress
        failureReason = submission.failureReason.map(words.format(stored:))
        failureCode = submission.failureCode
        failureKind = submission.failureKind?.rawValue
        warnings = media.warnings.map(words.format(stored:))
        fileName = media.fileName
        size = media.originalSize
        sha256 = media.originalSHA256
        let info = media.info.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        duration = media.durationMilliseconds.map { Double($0) / 1000 }
        if let streams = info?["streams"] as? [[String: Any]], let index = info?["mainVideoStream"] as? Int, index < streams.count {
            width = streams[index]["displayWidth"] as? Int ?? streams[index]["width"] as? Int
            height = streams[index]["displayHeight"] as? Int ?? streams[index]["height"] as? Int
        }
        renditionType = media.renditionType
        if let removal = media.removal {
            // The record and its evidence stay; the media's addresses are gone with them.
            removedAt = removal.at.iso8601Milliseconds
            removed = words.format(removal.message)
        } else {
            original = base + "/original"
            rendition = media.renditionSHA256.map { _ in base + "/rendition" }
            poster = media.posterSHA256.map { _ in base + "/poster.jpg" }
            storyboard = media.storyboard.map { _ in base + "/storyboard.vtt" }
        }
    }

    static let fields: [JSONField<Self>] = [
        .init("submissionId", uuid) { $0.submissionId },
        .init("status", ["type": "string"]) { $0.status },
        .nullable("step", ["type": ["string", "null"]]) { $0.step },
        .init("progress", ["type": "number", "minimum": 0, "maximum": 1]) { $0.progress },
        .nullable("failureReason", ["type": ["string", "null"]]) { $0.failureReason },
        .nullable("failureCode", ["type": ["string", "null"]]) { $0.failureCode },
        .nullable("failureKind", ["type": "string", "enum": ["recording", "server"]]) { $0.failureKind },
        .init("warnings", ["type": "array", "items": ["type": "string"]]) { $0.warnings },
        .init("fileName", ["type": "string"]) { $0.fileName },
        .init("size", ["type": "integer"]) { $0.size },
        .init("sha256", ["type": "string"]) { $0.sha256 },
        .nullable("duration", ["type": ["number", "null"]]) { $0.duration },
        .nullable("width", ["type": ["integer", "null"]]) { $0.width },
        .nullable("height", ["type": ["integer", "null"]]) { $0.height },
        .nullable("original", ["type": ["string", "null"]]) { $0.original },
        .nullable("rendition", ["type": ["string", "null"]]) { $0.rendition },
        .nullable("renditionType", ["type": ["string", "null"]]) { $0.renditionType },
        .nullable("poster", ["type": ["string", "null"]]) { $0.poster },
        .nullable("storyboard", ["type": ["string", "null"]]) { $0.storyboard },
        .nullable("removedAt", ["type": ["string", "null"], "format": "date-time"]) { $0.removedAt },
        .nullable("removed", ["type": ["string", "null"]]) { $0.removed },
    ]
}
