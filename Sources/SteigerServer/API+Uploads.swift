import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore

/// tus 1.0.0 (core, creation, creation-with-upload, termination, expiration) at
/// `/api/v1/uploads`, and one plain streaming request for scripts.
/// Uploads over HTTP: the tus 1.0 protocol (creation, creation-with-upload, termination,
/// expiration) and one streaming request. The protocol's headers live here; every rule about
/// uploads is the use case's.
struct UploadsController: Sendable {
    let uploads: Uploads

    static let tusVersion = "1.0.0"
    static let tusResumable = HTTPField.Name("Tus-Resumable")!
    static let tusVersionHeader = HTTPField.Name("Tus-Version")!
    static let tusExtension = HTTPField.Name("Tus-Extension")!
    static let tusMaxSize = HTTPField.Name("Tus-Max-Size")!
    static let uploadLength = HTTPField.Name("Upload-Length")!
    static let uploadOffset = HTTPField.Name("Upload-Offset")!
    static let uploadMetadata = HTTPField.Name("Upload-Metadata")!
    static let uploadExpires = HTTPField.Name("Upload-Expires")!
    static let uploadDeferLength = HTTPField.Name("Upload-Defer-Length")!
    static let submissionHeader = HTTPField.Name("Steiger-Submission")!
    static let mediaItemHeader = HTTPField.Name("Steiger-Media-Item")!

    var operations: [Operation] {
        let tusHeaders = ["Tus-Resumable": "1.0.0"]
        let offsetHeaders = [
            "Tus-Resumable": "1.0.0", "Upload-Offset": "Bytes received.", "Upload-Expires": "When an unfinished upload is swept.",
            "Steiger-Submission": "The submission's id, once an attempt's upload is complete.",
            "Steiger-Media-Item": "The library item's id, once a library video's upload is complete.",
        ]
        return [
            Operation(
                method: .options, path: "/api/v1/uploads", operationID: "tusOptions", tag: "uploads",
                summary: "tus: the server's protocol version, extensions and maximum size", access: .anyone,
                replies: [
                    .init(
                        status: 204, description: "What the server supports.",
                        headers: [
                            "Tus-Version": "1.0.0", "Tus-Extension": "creation,creation-with-upload,termination,expiration",
                            "Tus-Max-Size": "Largest upload in bytes.",
                        ])
                ],
                handler: options),
            Operation(
                method: .post, path: "/api/v1/uploads", operationID: "tusCreate", tag: "uploads",
                summary:
                    "tus: start an upload (Tus-Resumable: 1.0.0; Upload-Length; Upload-Metadata with `exercise`, `filename` and optionally `audience` (`private`, `trainers` or `peers`) for an attempt, or `library` (model or stimulus), `title` and `filename` for a video of the media library); the body may carry the first bytes",
                replies: [
                    .init(
                        status: 201, description: "Created; Location is the upload's address.",
                        headers: offsetHeaders.merging(["Location": "The upload's URL."]) { a, _ in a })
                ],
                errors: [
                    400: "Upload-Length or Upload-Metadata missing or malformed.",
                    404: "The exercise does not exist or is not yours, or the media library is not open to you.",
                    412: "Another tus version.", 413: "Larger than the limit or the learner's quota.",
                    422: "A library video's kind or title is not valid, or its length is 0.",
                    415: "A body not sent as application/offset+octet-stream.",
                    429: "The learner started too many uploads in the last ten minutes; see Retry-After.",
                    507:
                        "The server is short of storage space (beyond the room it keeps for its database); nothing already sent is lost, try again later.",
                ],
                handler: create),
            Operation(
                method: .head, path: "/api/v1/uploads/{uploadId}", operationID: "tusHead", tag: "uploads",
                summary: "tus: how much of an upload has arrived (send Tus-Resumable: 1.0.0)",
                replies: [
                    .init(
                        status: 200, description: "The offset and length.",
                        headers: offsetHeaders.merging(["Upload-Length": "The announced size."]) { a, _ in a })
                ],
                errors: [412: "Another tus version."],
                handler: head),
            Operation(
                method: .patch, path: "/api/v1/uploads/{uploadId}", operationID: "tusPatch", tag: "uploads",
                summary: "tus: append bytes at Upload-Offset (Content-Type: application/offset+octet-stream; Tus-Resumable: 1.0.0)",
                replies: [.init(status: 204, description: "Appended; Upload-Offset is the new offset.", headers: offsetHeaders)],
                errors: [
                    400: "Upload-Offset missing or malformed.",
                    409: "Upload-Offset is not the server's offset, or another request is writing this upload.",
                    412: "Another tus version.", 413: "More bytes than the announced length.",
                    415: "Not sent as application/offset+octet-stream.",
                    507: "The server is short of storage space: this request's bytes were not kept, the offset is where it was; try again later.",
                ],
                handler: patch),
            Operation(
                method: .delete, path: "/api/v1/uploads/{uploadId}", operationID: "tusDelete", tag: "uploads",
                summary: "tus: abandon an upload; a finished upload's submission stays (send Tus-Resumable: 1.0.0)",
                replies: [.init(status: 204, description: "Removed.", headers: tusHeaders)],
                errors: [412: "Another tus version."],
                handler: delete),
            Operation(
                method: .post, path: "/api/v1/exercises/{exerciseId}/submissions", operationID: "uploadSubmission", tag: "uploads",
                summary: "Upload a recording in one streaming request (the body is the file; ?filename= names it)",
                query: [
                    .init(name: "filename", description: "The file's name on the learner's device.", schema: ["type": "string"]),
                    .init(
                        name: "audience",
                        description:
                            "Who may watch it: `private` (practice, only you), `trainers` or `peers`, as the exercise offers (default: the exercise's); the cohort library is chosen on the attempt afterwards, with consent.",
                        schema: ["type": "string", "enum": .array(Audience.allCases.map { .string($0.rawValue) })]),
                ],
                rawBody: ["type": "string", "format": "binary"],
                replies: [.init(status: 201, description: "The new submission (processing).", schema: ref("Submission"))],
                errors: [
                    400: "The body's length differs from Content-Length.", 411: "No body.",
                    413: "Larger than the limit or the learner's quota.",
                    429: "The learner started too many uploads in the last ten minutes; see Retry-After.",
                    507:
                        "The server is short of storage space (beyond the room it keeps for its database); nothing already sent is lost, try again later.",
                ],
                handler: receive),
        ]
    }

    // MARK: - tus

    func options(_ request: inout Request, _ context: AppContext) async throws -> Response {
        Response(
            status: .noContent,
            headers: [
                Self.tusResumable: Self.tusVersion, Self.tusVersionHeader: Self.tusVersion,
                Self.tusExtension: "creation,creation-with-upload,termination,expiration", Self.tusMaxSize: String(uploads.maxSize),
            ])
    }

    private func requireTus(_ request: Request) throws(Problem) {
        guard request.headers[Self.tusResumable] == Self.tusVersion else {
            throw Problem(.tusVersion, headers: [Self.tusVersionHeader: Self.tusVersion, Self.tusResumable: Self.tusVersion])
        }
    }

    private func uploadID(_ context: AppContext) -> String { context.parameters.get("uploadId") ?? "" }

    func create(_ request: inout Request, _ context: AppContext) async throws -> Response {
        // The request's own fields first, then the protocol version.
        let actor = try context.requireActor()
        if request.headers[Self.uploadDeferLength] != nil { throw Problem(.deferLength) }
        guard let lengthText = request.headers[Self.uploadLength], let length = Int64(lengthText), length >= 0 else {
            throw Problem(.uploadLength)
        }
        let metadata = try Self.parseMetadata(request.headers[Self.uploadMetadata] ?? "")
        try requireTus(request)
        let declared = request.headers[.contentLength].flatMap(Int64.init)
        let hasBody = declared.map { $0 > 0 } ?? (request.headers[.transferEncoding] != nil)
        if hasBody, !Self.isOffsetStream(request) { throw Problem(.offsetStream) }
        let upload = try await uploads.start(
            actor, fileName: metadata["filename"] ?? metadata["name"], length: length, metadata: metadata, firstBytes: hasBody ? declared : nil)
        var headers: HTTPFields = [.location: "/api/v1/uploads/\(upload.id)", Self.tusResumable: Self.tusVersion]
        if hasBody {
            let (offset, outcome) = try await uploads.append(upload, declared: declared, body: request.body)
            headers[Self.uploadOffset] = String(offset)
            Self.name(outcome, in: &headers)
        }
        headers[Self.uploadExpires] = Self.httpDate(upload.expiresAt)
        if length == 0, !hasBody {
            let outcome = try await uploads.completeEmpty(upload)
            headers[Self.uploadOffset] = "0"
            Self.name(outcome, in: &headers)
        }
        return Response(status: .created, headers: headers)
    }

    func head(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let found = try await uploads.upload(actor, uploadID(context))
        try requireTus(request)
        let upload = try await uploads.status(actor, of: found)
        var headers: HTTPFields = [
            Self.tusResumable: Self.tusVersion, Self.uploadOffset: String(upload.received), Self.uploadLength: String(upload.length),
            .cacheControl: "no-store",
        ]
        if let submission = upload.submissionID {
            headers[Self.submissionHeader] = submission.description
        } else if let item = upload.mediaItemID {
            headers[Self.mediaItemHeader] = item.description
        } else {
            headers[Self.uploadExpires] = Self.httpDate(upload.expiresAt)
        }
        return Response(status: .ok, headers: headers)
    }

    func patch(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        try requireTus(request)
        guard Self.isOffsetStream(request) else { throw Problem(.offsetStream) }
        guard let offsetText = request.headers[Self.uploadOffset], let offset = Int64(offsetText), offset >= 0 else {
            throw Problem(.uploadOffset)
        }
        let (received, outcome) = try await uploads.append(
            actor, uploadID(context), at: offset, declared: request.headers[.contentLength].flatMap(Int64.init), body: request.body)
        var headers: HTTPFields = [Self.tusResumable: Self.tusVersion, Self.uploadOffset: String(received)]
        Self.name(outcome, in: &headers)
        if outcome == nil { headers[Self.uploadExpires] = Self.httpDate(uploads.expiresFromNow) }
        return Response(status: .noContent, headers: headers)
    }

    func delete(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let upload = try await uploads.upload(actor, uploadID(context))
        try requireTus(request)
        try await uploads.abandon(actor, upload)
        return Response(status: .noContent, headers: [Self.tusResumable: Self.tusVersion])
    }

    // MARK: - One streaming request

    func receive(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let exercise: ExerciseID = try context.id("exerciseId", of: .exercise)
        let declared = request.headers[.contentLength].flatMap(Int64.init)
        if declared == nil, request.headers[.transferEncoding] == nil { throw Problem(.bodyNeeded) }
        let submission = try await uploads.receive(
            actor, exercise: exercise, audience: request.query("audience"), fileName: request.query("filename"), declared: declared,
            body: request.body)
        return try .json(
            SubmissionView(submission, words: context.words), status: .created, headers: [.location: "/api/v1/submissions/\(submission.id)"])
    }

    // MARK: - Helpers

    /// Names what a complete upload became: `Steiger-Submission` or `Steiger-Media-Item`.
    private static func name(_ outcome: Uploads.Outcome?, in headers: inout HTTPFields) {
        switch outcome {
        case .submission(let submission): headers[submissionHeader] = submission.id.description
        case .mediaItem(let item): headers[mediaItemHeader] = item.id.description
        case nil: break
        }
    }

    private static func isOffsetStream(_ request: Request) -> Bool {
        request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            == "application/offset+octet-stream"
    }

    /// `key base64,key base64`: keys unique, values base64 (a key may have none).
    static func parseMetadata(_ text: String) throws(Problem) -> [String: String] {
        var metadata: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
            guard let key = parts.first, parts.count <= 2, metadata[String(key)] == nil else {
                throw Problem(.metadataFormat)
            }
            var value = ""
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let decoded = String(data: data, encoding: .utf8) else {
                    throw Problem(.metadataValue, ["key": .text(String(key))])
                }
                value = decoded
            }
            metadata[String(key)] = value
        }
        guard metadata["exercise"] != nil || metadata[Upload.libraryKindKey] != nil else {
            throw Problem(.metadataExercise)
        }
        return metadata
    }

    /// An HTTP date (RFC 9110 IMF-fixdate).
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
