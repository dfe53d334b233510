import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SteigerApp
import SteigerCore
import SteigerStore

/// tus 1.0.0 (core, creation, creation-with-upload, termination, expiration) at
/// `/api/v1/uploads`, and one plain streaming request for scripts.
extension SteigerAPI {
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

    var uploadOperations: [Operation] {
        let tusHeaders = ["Tus-Resumable": "1.0.0"]
        let offsetHeaders = [
            "Tus-Resumable": "1.0.0", "Upload-Offset": "Bytes received.", "Upload-Expires": "When an unfinished upload is swept.",
            "Steiger-Submission": "The submission's id, once the upload is complete.",
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
                handler: { _, _ in
                    Response(
                        status: .noContent,
                        headers: [
                            Self.tusResumable: Self.tusVersion, Self.tusVersionHeader: Self.tusVersion,
                            Self.tusExtension: "creation,creation-with-upload,termination,expiration",
                            Self.tusMaxSize: String(self.configuration.maxUploadSize),
                        ])
                }),
            Operation(
                method: .post, path: "/api/v1/uploads", operationID: "tusCreate", tag: "uploads",
                summary:
                    "tus: start an upload (Tus-Resumable: 1.0.0; Upload-Length; Upload-Metadata with `exercise` and `filename`); the body may carry the first bytes",
                replies: [
                    .init(
                        status: 201, description: "Created; Location is the upload's address.",
                        headers: offsetHeaders.merging(["Location": "The upload's URL."]) { a, _ in a })
                ],
                errors: [
                    400: "Upload-Length or Upload-Metadata missing or malformed.", 404: "The exercise does not exist or is not yours.",
                    412: "Another tus version.", 413: "Larger than the limit or the learner's quota.",
                    415: "A body not sent as application/offset+octet-stream.",
                ],
                handler: { request, context in try await self.createUpload(&request, context) }),
            Operation(
                method: .head, path: "/api/v1/uploads/{uploadId}", operationID: "tusHead", tag: "uploads",
                summary: "tus: how much of an upload has arrived (send Tus-Resumable: 1.0.0)",
                replies: [
                    .init(
                        status: 200, description: "The offset and length.",
                        headers: offsetHeaders.merging(["Upload-Length": "The announced size."]) { a, _ in a })
                ],
                errors: [412: "Another tus version."],
                handler: { request, context in try await self.headUpload(request, context) }),
            Operation(
                method: .patch, path: "/api/v1/uploads/{uploadId}", operationID: "tusPatch", tag: "uploads",
                summary: "tus: append bytes at Upload-Offset (Content-Type: application/offset+octet-stream; Tus-Resumable: 1.0.0)",
                replies: [.init(status: 204, description: "Appended; Upload-Offset is the new offset.", headers: offsetHeaders)],
                errors: [
                    400: "Upload-Offset missing or malformed.",
                    409: "Upload-Offset is not the server's offset, or another request is writing this upload.",
                    412: "Another tus version.", 413: "More bytes than the announced length.",
                    415: "Not sent as application/offset+octet-stream.",
                ],
                handler: { request, context in try await self.patchUpload(&request, context) }),
            Operation(
                method: .delete, path: "/api/v1/uploads/{uploadId}", operationID: "tusDelete", tag: "uploads",
                summary: "tus: abandon an upload; a finished upload's submission stays (send Tus-Resumable: 1.0.0)",
                replies: [.init(status: 204, description: "Removed.", headers: tusHeaders)],
                errors: [412: "Another tus version."],
                handler: { request, context in try await self.deleteUpload(request, context) }),
            Operation(
                method: .post, path: "/api/v1/exercises/{exerciseId}/submissions", operationID: "uploadSubmission", tag: "uploads",
                summary: "Upload a recording in one streaming request (the body is the file; ?filename= names it)",
                query: [.init(name: "filename", description: "The file's name on the learner's device.", schema: ["type": "string"])],
                rawBody: ["type": "string", "format": "binary"],
                replies: [.init(status: 201, description: "The new submission (processing).", schema: ref("Submission"))],
                errors: [
                    400: "The body's length differs from Content-Length.", 411: "No body.",
                    413: "Larger than the limit or the learner's quota.",
                ],
                handler: { request, context in try await self.plainUpload(&request, context) }),
        ]
    }

    // MARK: - tus

    private func requireTus(_ request: Request) throws(Problem) {
        guard request.headers[Self.tusResumable] == Self.tusVersion else {
            throw Problem(
                .tusVersion,
                headers: [Self.tusVersionHeader: Self.tusVersion, Self.tusResumable: Self.tusVersion])
        }
    }

    /// The learner's own upload named in the path (404 for anyone else's, and for unknown or swept ones).
    private func ownUpload(_ context: AppContext) async throws -> (Upload, Actor) {
        let actor = try context.requireActor()
        guard let id = context.parameters.get("uploadId").map({ $0.lowercased() }), UUIDText.parse(id) != nil,
            let upload = try await store.upload(id), upload.userID == actor.user.id
        else {
            throw Problem.notFound(.upload)
        }
        if upload.submissionID == nil, upload.expiresAt <= configuration.now() { throw Problem.notFound(.upload) }
        return (upload, actor)
    }

    /// The exercise a learner may submit to, or 404/403 as the policy says.
    private func submittableExercise(_ id: ExerciseID?, actor: Actor) async throws -> Exercise {
        guard let id, let exercise = try await store.exercise(id) else { throw Problem.notFound(.exercise) }
        try AccessPolicy.decide(actor, .create, .newSubmission(learner: actor.user.id, exercise: exercise)).require(.exercise)
        return exercise
    }

    /// Records an upload only if it fits the learner's quota, checked and reserved in one transaction.
    private func createWithinQuota(_ upload: Upload, actor: Actor) async throws {
        do {
            try await store.createUpload(upload, quota: configuration.learnerQuota)
        } catch StoreError.quotaExceeded(let used) {
            files.remove(upload.id)
            throw overQuota(used: used)
        }
    }

    /// 413: the upload would take the learner past their quota.
    private func overQuota(used: Int64) -> Problem {
        Problem(.overQuota, ["quota": .integer(Int(configuration.learnerQuota)), "used": .integer(Int(used))])
    }

    private func createUpload(_ request: inout Request, _ context: AppContext) async throws -> Response {
        // The request's own fields first, then the protocol version.
        let actor = try context.requireActor()
        if request.headers[Self.uploadDeferLength] != nil {
            throw Problem(.deferLength)
        }
        guard let lengthText = request.headers[Self.uploadLength], let length = Int64(lengthText), length >= 0 else {
            throw Problem(.uploadLength)
        }
        let metadata = try Self.parseMetadata(request.headers[Self.uploadMetadata] ?? "")
        try requireTus(request)
        guard length <= configuration.maxUploadSize else {
            throw Problem(.fileTooLarge, ["limit": .integer(Int(configuration.maxUploadSize))])
        }
        let exercise = try await submittableExercise(metadata["exercise"].flatMap(ExerciseID.init), actor: actor)
        let name = Self.cleanFileName(metadata["filename"] ?? metadata["name"] ?? "recording")
        let hasBody = request.headers[.contentLength].flatMap(Int64.init).map { $0 > 0 } ?? (request.headers[.transferEncoding] != nil)
        if hasBody, !Self.isOffsetStream(request) {
            throw Problem(.offsetStream)
        }
        if hasBody, let declared = request.headers[.contentLength].flatMap(Int64.init), declared > length {
            throw Problem(.pastLength, ["length": .integer(Int(length))])
        }
        let now = configuration.now()
        let upload = Upload(
            userID: actor.user.id, exerciseID: exercise.id, fileName: name, length: length, metadata: metadata,
            createdAt: now, expiresAt: now.addingTimeInterval(configuration.uploadExpiry))
        try files.create(upload.id)
        try await createWithinQuota(upload, actor: actor)
        var headers: HTTPFields = [.location: "/api/v1/uploads/\(upload.id)", Self.tusResumable: Self.tusVersion]
        if hasBody {
            let (offset, submission) = try await append(upload, request: request, context: context)
            headers[Self.uploadOffset] = String(offset)
            if let submission { headers[Self.submissionHeader] = submission.id.description }
        }
        headers[Self.uploadExpires] = Self.httpDate(upload.expiresAt)
        if length == 0, !hasBody {
            let (_, submission) = try await append(upload, request: nil, context: context)
            headers[Self.uploadOffset] = "0"
            if let submission { headers[Self.submissionHeader] = submission.id.description }
        }
        return Response(status: .created, headers: headers)
    }

    private func headUpload(_ request: Request, _ context: AppContext) async throws -> Response {
        var (upload, _) = try await ownUpload(context)
        try requireTus(request)
        if upload.submissionID == nil, upload.received == upload.length {
            // All bytes arrived but the completion did not finish (see complete): finish it now,
            // unless another request is at it.
            let finished = upload
            upload.submissionID = try? await asUploadWriter(finished.id) { try await complete(finished, context: context).id }
        }
        var headers: HTTPFields = [
            Self.tusResumable: Self.tusVersion, Self.uploadOffset: String(upload.received),
            Self.uploadLength: String(upload.length), .cacheControl: "no-store",
        ]
        if let submission = upload.submissionID {
            headers[Self.submissionHeader] = submission.description
        } else {
            headers[Self.uploadExpires] = Self.httpDate(upload.expiresAt)
        }
        return Response(status: .ok, headers: headers)
    }

    private func patchUpload(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try requireTus(request)
        guard Self.isOffsetStream(request) else {
            throw Problem(.offsetStream)
        }
        let (upload, _) = try await ownUpload(context)
        guard let offsetText = request.headers[Self.uploadOffset], let offset = Int64(offsetText), offset >= 0 else {
            throw Problem(.uploadOffset)
        }
        guard offset == upload.received, upload.submissionID == nil else {
            throw Problem(.offsetMismatch, ["offset": .integer(Int(offset)), "received": .integer(Int(upload.received))])
        }
        let (received, submission) = try await append(upload, request: request, context: context)
        var headers: HTTPFields = [Self.tusResumable: Self.tusVersion, Self.uploadOffset: String(received)]
        if let submission {
            headers[Self.submissionHeader] = submission.id.description
        } else {
            headers[Self.uploadExpires] = Self.httpDate(configuration.now().addingTimeInterval(configuration.uploadExpiry))
        }
        return Response(status: .noContent, headers: headers)
    }

    private func deleteUpload(_ request: Request, _ context: AppContext) async throws -> Response {
        let (upload, _) = try await ownUpload(context)
        try requireTus(request)
        try await asUploadWriter(upload.id) {
            files.remove(upload.id)
            try await store.deleteUpload(upload.id)
        }
        return Response(status: .noContent, headers: [Self.tusResumable: Self.tusVersion])
    }

    /// Appends a request's body to an upload (one writer at a time), records the offset even when
    /// the body breaks off, and turns a complete upload into a submission.
    private func append(_ stale: Upload, request: Request?, context: AppContext) async throws -> (Int64, Submission?) {
        try await asUploadWriter(stale.id) { try await appendAsWriter(stale, request: request, context: context) }
    }

    private func appendAsWriter(_ stale: Upload, request: Request?, context: AppContext) async throws -> (Int64, Submission?) {
        // Read again as the writer: another request may have written meanwhile.
        guard let upload = try await store.upload(stale.id) else { throw Problem.notFound(.upload) }
        if let submission = upload.submissionID, let made = try await store.submission(submission) { return (upload.length, made) }
        guard upload.received == stale.received else {
            throw Problem(.offsetMismatch, ["offset": .integer(Int(stale.received)), "received": .integer(Int(upload.received))])
        }
        var received = upload.received
        if let request, let declared = request.headers[.contentLength].flatMap(Int64.init), upload.received + declared > upload.length {
            // Refused before a byte is written: the announced body goes past the upload's length.
            throw Problem(.pastLength, ["length": .integer(Int(upload.length))])
        }
        if let request {
            let (size, interrupted) = await files.append(upload.id, from: request.body, at: upload.received, limit: upload.length)
            received = size
            try await store.setUploadReceived(
                upload.id, received: size, expiresAt: configuration.now().addingTimeInterval(configuration.uploadExpiry))
            if let interrupted {
                context.logger.info("upload interrupted", metadata: ["upload": .string(upload.id), "received": .stringConvertible(size)])
                throw interrupted
            }
        }
        guard received == upload.length else { return (received, nil) }
        return (received, try await complete(upload, context: context))
    }

    /// Moves a finished upload into the blob store and makes it a submission with a processing job.
    private func complete(_ upload: Upload, context: AppContext) async throws -> Submission {
        // The hash is recorded before the file moves, so a completion that fails half-way (the
        // database away, say) can be finished by the next HEAD or PATCH.
        let sha: String
        if let recorded = upload.sha256 {
            sha = recorded
        } else {
            sha = try await files.finish(upload.id, size: upload.length)
            try await store.setUploadSHA256(upload.id, sha)
        }
        if FileManager.default.fileExists(atPath: files.path(upload.id)) {
            try files.blobs.adopt(files.path(upload.id), sha256: sha)
        }
        let submission = try await store.completeUpload(upload, sha256: sha, now: configuration.now())
        context.logger.info(
            "upload complete",
            metadata: [
                "upload": .string(upload.id), "submission": .string(submission.id.description),
                "bytes": .stringConvertible(upload.length), "sha256": .string(sha),
            ])
        return submission
    }

    // MARK: - One streaming request

    private func plainUpload(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let exercise = try await submittableExercise(try context.id("exerciseId", of: .exercise), actor: actor)
        let declared = request.headers[.contentLength].flatMap(Int64.init)
        if declared == nil, request.headers[.transferEncoding] == nil {
            throw Problem(.bodyNeeded)
        }
        let used = try await store.bytesInUse(by: actor.user.id)
        let limit = min(configuration.maxUploadSize, configuration.learnerQuota - used)
        if let declared, declared > limit {
            throw declared > configuration.maxUploadSize
                ? Problem(.fileTooLarge, ["limit": .integer(Int(configuration.maxUploadSize))])
                : overQuota(used: used)
        }
        let now = configuration.now()
        // The declared size (or the most it may be) is reserved against the quota while it streams.
        var upload = Upload(
            userID: actor.user.id, exerciseID: exercise.id, fileName: Self.cleanFileName(request.query("filename") ?? "recording"),
            length: declared ?? max(limit, 0), createdAt: now, expiresAt: now.addingTimeInterval(configuration.uploadExpiry))
        try files.create(upload.id)
        try await createWithinQuota(upload, actor: actor)
        let body = request.body
        let (size, interrupted) = try await asUploadWriter(upload.id) {
            await files.append(upload.id, from: body, at: 0, limit: upload.length)
        }
        if let interrupted {
            // Nothing of a refused or broken-off single request is kept.
            files.remove(upload.id)
            _ = try? await store.deleteUpload(upload.id)
            if let problem = interrupted as? Problem, problem.status == .contentTooLarge {
                throw Problem(.fileOverLimit, ["limit": .integer(Int(min(configuration.maxUploadSize, limit)))])
            }
            throw interrupted
        }
        if let declared, declared != size {
            files.remove(upload.id)
            _ = try? await store.deleteUpload(upload.id)
            throw Problem(.lengthMismatch, ["size": .integer(Int(size)), "declared": .integer(Int(declared))])
        }
        upload.length = size
        upload.received = size
        try await store.setUploadLength(upload.id, length: size)
        let submission = try await complete(upload, context: context)
        return try .json(
            SubmissionView(submission, words: context.words), status: .created, headers: [.location: "/api/v1/submissions/\(submission.id)"])
    }

    // MARK: - One writer per upload

    /// How long a writer's claim on an upload lasts without being renewed.
    static let writerLease: TimeInterval = 60

    /// Runs `body` as the upload's only writer, whichever server process the request reached: a
    /// claim in the database with an expiry, renewed while `body` runs, given back after. A
    /// writer that dies gives the upload back when its claim runs out.
    /// - Throws: 409 `uploadBusy` while another request writes it.
    func asUploadWriter<T: Sendable>(_ id: String, _ body: () async throws -> T) async throws -> T {
        let writer = UUIDText.lowercase(UUID())
        guard try await store.claimUploadWriter(id, writer: writer, lease: Self.writerLease, now: configuration.now()) else {
            throw Problem(.uploadBusy)
        }
        let store = self.store, configuration = self.configuration
        do {
            let result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Renewed at a third of the lease while the body runs.
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(Self.writerLease / 3))
                        _ = try await store.claimUploadWriter(id, writer: writer, lease: Self.writerLease, now: configuration.now())
                    }
                }
                defer { group.cancelAll() }
                return try await body()
            }
            try? await store.releaseUploadWriter(id, writer: writer)
            return result
        } catch {
            try? await store.releaseUploadWriter(id, writer: writer)
            throw error
        }
    }

    // MARK: - Helpers

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
        guard metadata["exercise"] != nil else {
            throw Problem(.metadataExercise)
        }
        return metadata
    }

    /// A file name fit to show: the last path component, no control characters, at most 200 characters.
    static func cleanFileName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.prefix(200))
        return clean.isEmpty ? "recording" : clean
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
