import Foundation
import Logging
import NIOCore
import SteigerCore
import SteigerStore
import Synchronization

/// Recordings arriving: resumable uploads (any server process can continue any upload: the
/// offset and the writer's claim are in the database, the running hash is rebuilt from the file)
/// and single streaming requests, within the size limit and the learner's quota. A complete
/// upload becomes a submission with a processing job, or, for a video sent to the media library,
/// a library item with the same processing.
public struct Uploads: Sendable {
    let store: Store
    let files: UploadFiles
    /// The largest file one upload may carry.
    public let maxSize: Int64
    let quota: Int64
    let expiry: TimeInterval
    /// Uploads started per learner in a sliding window.
    let starts: RateWindow
    let now: @Sendable () -> Date
    let logger: Logger

    init(store: Store, files: UploadFiles, settings: AppSettings, logger: Logger) {
        self.store = store
        self.files = files
        maxSize = settings.maxUploadSize
        quota = settings.learnerQuota
        expiry = settings.uploadExpiry
        starts = RateWindow(limit: settings.uploadsPerWindow, window: settings.uploadWindow)
        now = settings.now
        self.logger = logger
    }

    /// How long a writer's claim on an upload lasts without being renewed.
    static let writerLease: TimeInterval = 60

    /// When an upload untouched from now on is swept.
    public var expiresFromNow: Date { now().addingTimeInterval(expiry) }

    /// Starts a resumable upload of `length` bytes named `fileName`: an attempt at the exercise
    /// the metadata's `exercise` names (which the actor practises), or a video for the media
    /// library when it names a `library` kind and a `title` (administrators and trainers; a
    /// library video is outside the learner's quota). `firstBytes` is the size of a body sent
    /// with the request, if any.
    /// - Throws: ``ProblemKind/fileTooLarge``, ``ProblemKind/pastLength``, ``ProblemKind/overQuota``,
    ///   ``ProblemKind/noSpace`` (the volume has no room for it beside what other uploads await),
    ///   invalid metadata, not found.
    public func start(_ actor: Actor, fileName: String?, length: Int64, metadata: [String: String], firstBytes: Int64?) async throws -> Upload {
        guard length <= maxSize else { throw AppError(.fileTooLarge, ["limit": .integer(Int(maxSize))]) }
        var exercise: ExerciseID?
        var metadata = metadata
        if metadata[Upload.libraryKindKey] != nil {
            try AccessPolicy.require(actor, .create, .mediaLibrary, .mediaItem)
            _ = try libraryItem(metadata, owner: actor.user.id, fileName: fileName)
            if length == 0 { throw AppError.invalid("body", Message("validation.emptyVideo")) }
        } else {
            guard let named = metadata["exercise"].flatMap(ExerciseID.init) else { throw AppError.notFound(.exercise) }
            let practised = try await submittable(actor, named)
            exercise = practised.id
            metadata[Upload.audienceKey] = try Self.audience(metadata[Upload.audienceKey], for: practised).rawValue
        }
        if let firstBytes, firstBytes > length { throw AppError(.pastLength, ["length": .integer(Int(length))]) }
        guard length <= (try await room()) else { throw noSpace(length) }
        // Counted once it would otherwise go ahead: a start refused for room or size costs nothing.
        try countStart(actor)
        let now = now()
        let upload = Upload(
            userID: actor.user.id, exerciseID: exercise, fileName: Self.cleanFileName(fileName ?? (exercise == nil ? "video" : "recording")),
            length: length, metadata: metadata, createdAt: now, expiresAt: now.addingTimeInterval(expiry))
        try files.create(upload.id)
        try await createWithinQuota(upload)
        return upload
    }

    /// What a complete upload became.
    public enum Outcome: Sendable {
        case submission(Submission)
        case mediaItem(MediaItem)
    }

    /// The actor's own upload `id`, unfinished and unexpired or finished; anyone else's, and
    /// unknown or swept ones, are not found.
    public func upload(_ actor: Actor, _ id: String) async throws -> Upload {
        let id = id.lowercased()
        guard UUIDText.parse(id) != nil, let upload = try await store.upload(id) else { throw AppError.notFound(.upload) }
        try AccessPolicy.require(actor, .view, .upload(owner: upload.userID), .upload)
        if !upload.isFinished, upload.expiresAt <= now() { throw AppError.notFound(.upload) }
        return upload
    }

    /// The actor's `upload` (as ``upload(_:_:)`` found it) as it stands, finishing it first if
    /// every byte arrived but the completion did not (unless another request is at it).
    public func status(_ actor: Actor, of found: Upload) async throws -> Upload {
        try AccessPolicy.require(actor, .view, .upload(owner: found.userID), .upload)
        var upload = found
        if !upload.isFinished, upload.received == upload.length {
            try await mayFinish(actor, upload)
            let finished = upload
            switch try? await asWriter(finished.id, { _, _ in try await complete(finished) }) {
            case .submission(let submission): upload.submissionID = submission.id
            case .mediaItem(let item): upload.mediaItemID = item.id
            case nil: break
            }
        }
        return upload
    }

    /// Appends `body` to the actor's upload `id` at `offset` (which must be what has arrived).
    /// - Returns: the new offset, and what the upload became once it is complete.
    public func append(
        _ actor: Actor, _ id: String, at offset: Int64, declared: Int64?, body: some AsyncSequence<ByteBuffer, any Error>
    ) async throws -> (received: Int64, outcome: Outcome?) {
        let upload = try await upload(actor, id)
        // A request that may finish the upload does so only while the learner still practises the
        // exercise: one taken out of the cohort cannot make an attempt no trainer would see. (The
        // chunks before it do not pay for the look-up.)
        if declared.map({ offset + $0 >= upload.length }) ?? true { try await mayFinish(actor, upload) }
        guard offset == upload.received, !upload.isFinished else {
            throw AppError(.offsetMismatch, ["offset": .integer(Int(offset)), "received": .integer(Int(upload.received))])
        }
        return try await append(upload, declared: declared, body: body)
    }

    /// Appends the body sent with a new upload.
    public func append(
        _ upload: Upload, declared: Int64?, body: some AsyncSequence<ByteBuffer, any Error>
    ) async throws -> (received: Int64, outcome: Outcome?) {
        try await asWriter(upload.id) { current, claim in try await appendAsWriter(upload, current, claim, declared: declared, body: body) }
    }

    /// Completes a new upload of an empty file that came without a body.
    public func completeEmpty(_ upload: Upload) async throws -> Outcome? {
        try await asWriter(upload.id) { current, claim in
            try await appendAsWriter(upload, current, claim, declared: nil, body: nil as AsyncThrowingStream<ByteBuffer, any Error>?)
        }.outcome
    }

    /// Abandons the actor's `upload` (as ``upload(_:_:)`` found it); what a finished upload became stays.
    public func abandon(_ actor: Actor, _ upload: Upload) async throws {
        try AccessPolicy.require(actor, .delete, .upload(owner: upload.userID), .upload)
        try await asWriter(upload.id) { _, _ in
            files.remove(upload.id)
            try await store.deleteUpload(upload.id)
        }
    }

    /// A recording sent in one streaming request of `declared` bytes (nil: chunked) to `exercise`.
    /// Nothing of a refused or broken-off request is kept.
    public func receive(
        _ actor: Actor, exercise id: ExerciseID, audience: String? = nil, fileName: String?, declared: Int64?,
        body: some AsyncSequence<ByteBuffer, any Error>
    ) async throws -> Submission {
        let exercise = try await submittable(actor, id)
        let audience = try Self.audience(audience, for: exercise)
        let used = try await store.bytesInUse(by: actor.user.id)
        let limit = min(maxSize, quota - used)
        if let declared, declared > limit {
            throw declared > maxSize ? AppError(.fileTooLarge, ["limit": .integer(Int(maxSize))]) : overQuota(used: used)
        }
        let room = try await room()
        if let declared, declared > room { throw noSpace(declared) }
        guard room > 0 else { throw noSpace(declared ?? 0) }
        try countStart(actor)
        let now = now()
        // The declared size (or the most it may be) is reserved against the quota while it streams.
        var upload = Upload(
            userID: actor.user.id, exerciseID: exercise.id, fileName: Self.cleanFileName(fileName ?? "recording"),
            // A body of unknown length may take a quarter of the room, so one request cannot claim it all.
            length: declared ?? max(min(limit, room / 4), 0), metadata: [Upload.audienceKey: audience.rawValue], createdAt: now,
            expiresAt: now.addingTimeInterval(expiry))
        try files.create(upload.id)
        try await createWithinQuota(upload)
        let (size, interrupted) = try await asWriter(upload.id) { _, claim in
            await files.append(upload.id, from: body, at: 0, limit: upload.length) { !claim.lost }
        }
        if let refusal = refusal(interrupted, size: size, declared: declared, limit: limit, room: room) {
            files.remove(upload.id)
            _ = try? await store.deleteUpload(upload.id)
            throw refusal
        }
        upload.length = size
        upload.received = size
        try await store.setUploadLength(upload.id, length: size)
        guard case .submission(let submission) = try await complete(upload) else { throw AppError.notFound(.exercise) }
        return submission
    }

    /// Why a body streamed in one request cannot be kept: it broke off, ran past `limit` (the
    /// size limit or quota, or for a body of unknown length a quarter of the `room`), ran out of
    /// room, or was not the `declared` size. Nil when it arrived whole.
    private func refusal(_ interrupted: (any Error)?, size: Int64, declared: Int64?, limit: Int64, room: Int64) -> (any Error)? {
        if let interrupted {
            if let error = interrupted as? AppError, error.kind == .pastLength, declared == nil, room / 4 < limit { return noSpace(size) }
            if let error = interrupted as? AppError, error.kind == .pastLength {
                return AppError(.fileOverLimit, ["limit": .integer(Int(min(maxSize, limit)))])
            }
            if let error = interrupted as? AppError, error.kind == .noSpace { return noSpace(declared ?? size) }
            return interrupted
        }
        if let declared, declared != size {
            return AppError(.lengthMismatch, ["size": .integer(Int(size)), "declared": .integer(Int(declared))])
        }
        return nil
    }

    /// A video for the media library sent in one streaming request of `declared` bytes (nil:
    /// chunked), within the size limit and the room on the volume: kept in the blob store and
    /// queued for the same processing as an attempt. Nothing of a refused request is kept.
    public func receiveLibraryItem(
        _ actor: Actor, title: String, kind: MediaItem.Kind, fileName: String?, declared: Int64?,
        body: some AsyncSequence<ByteBuffer, any Error>
    ) async throws -> MediaItem {
        try AccessPolicy.require(actor, .create, .mediaLibrary, .mediaItem)
        // The title is checked before a byte is stored.
        guard
            var item = try libraryItem(
                [Upload.libraryKindKey: kind.rawValue, Upload.libraryTitleKey: title], owner: actor.user.id, fileName: fileName)
        else { throw AppError.notFound(.mediaItem) }
        if let declared, declared > maxSize { throw AppError(.fileTooLarge, ["limit": .integer(Int(maxSize))]) }
        let empty = AppError.invalid("body", Message("validation.emptyVideo"))
        if declared == 0 { throw empty }
        let room = try await room()
        if let declared, declared > room { throw noSpace(declared) }
        guard room > 0 else { throw noSpace(declared ?? 0) }
        try countStart(actor)
        let file = "library-" + UUIDText.lowercase(UUID())
        try files.create(file)
        let (size, interrupted) = await files.append(file, from: body, at: 0, limit: declared ?? max(min(maxSize, room / 4), 0))
        if let refusal = refusal(interrupted, size: size, declared: declared, limit: maxSize, room: room) ?? (size == 0 ? empty : nil) {
            files.remove(file)
            throw refusal
        }
        let sha = try await files.finish(file, size: size)
        try files.blobs.adopt(files.path(file), sha256: sha)
        (item.originalSHA256, item.originalSize, item.createdAt) = (sha, size, now().wholeMilliseconds)
        try await store.createMediaItem(item, now: now())
        logger.info("library item received", metadata: ["mediaItem": .string(item.id.description), "bytes": .stringConvertible(size)])
        return item
    }

    /// How long a file must have been left alone before the sweeper judges it: longer than any
    /// writer's claim, so nothing being written is touched.
    static let settled: TimeInterval = 10 * 60

    /// Gives back room nothing will use: removes unfinished uploads whose expiry has passed (rows
    /// and files; one being written right now is live, whatever its expiry said), upload files no
    /// upload owns (a crash between file and record), the bytes past an upload's recorded offset
    /// (written, never acknowledged), and the scratch files of processing that died.
    public func sweep() async throws {
        for upload in try await store.expiredUploads(now: now()) {
            _ = try? await asWriter(upload.id) { _, _ in
                if try await store.deleteExpiredUpload(upload.id, now: now()) { files.remove(upload.id) }
            }
        }
        let open = Dictionary(try await store.unfinishedUploads().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let settled = Date().addingTimeInterval(-Self.settled)
        for file in files.files() where file.modified < settled {
            if let upload = open[file.id] {
                guard file.size > upload.received else { continue }
                _ = try? await asWriter(upload.id) { current, _ in files.truncate(upload.id, to: current.received) }
            } else if UUIDText.parse(file.id) != nil, try await store.upload(file.id)?.isFinished != true {
                logger.notice("removed an upload file no upload owns", metadata: ["file": .string(file.id), "bytes": .stringConvertible(file.size)])
                files.remove(file.id)
            }
        }
        let scratch = files.sweepScratch(notWrittenSince: settled.addingTimeInterval(-Self.settled))
        if scratch > 0 { logger.notice("removed scratch files of stopped processing", metadata: ["files": .stringConvertible(scratch)]) }
    }

    // MARK: - Inside

    /// The library item `metadata` describes (its kind and title checked): nil when it names no
    /// library kind, for an attempt.
    private func libraryItem(_ metadata: [String: String], owner: UserID, fileName: String?) throws -> MediaItem? {
        guard let kindText = metadata[Upload.libraryKindKey] else { return nil }
        guard let kind = MediaItem.Kind(rawValue: kindText) else {
            throw AppError.invalid(
                Upload.libraryKindKey,
                Message("validation.oneOf", ["values": .text(MediaItem.Kind.allCases.map(\.rawValue).joined(separator: ", "))]))
        }
        return try MediaItem(
            title: metadata[Upload.libraryTitleKey] ?? "", kind: kind, ownerID: owner, fileName: Self.cleanFileName(fileName ?? "video"),
            originalSHA256: "", originalSize: 0, createdAt: now())
    }

    /// Whether the actor's upload may be finished now: an attempt only while they still practise
    /// its exercise, a library video only while they may add to the library.
    private func mayFinish(_ actor: Actor, _ upload: Upload) async throws {
        if let exercise = upload.exerciseID {
            _ = try await submittable(actor, exercise)
        } else {
            try AccessPolicy.require(actor, .create, .mediaLibrary, .mediaItem)
        }
    }

    /// The audience a new attempt at `exercise` starts with: the one named (by its raw value), or
    /// the exercise's default when none is. - Throws: ``ProblemKind/audienceNotOffered`` for one
    /// it does not offer, ``ProblemKind/consentNeeded`` for the library (consent is given on the
    /// recording once it is made).
    static func audience(_ named: String?, for exercise: Exercise) throws -> Audience {
        guard let named, !named.isEmpty else { return exercise.defaultAudience }
        guard let audience = Audience(rawValue: named) else { throw AppError(.audienceNotOffered) }
        do {
            return try exercise.startingAudience(audience)
        } catch {
            throw AppError(error.kind)
        }
    }

    /// The exercise `id` if the actor may submit to it.
    private func submittable(_ actor: Actor, _ id: ExerciseID) async throws -> Exercise {
        guard let exercise = try await store.exercise(id) else { throw AppError.notFound(.exercise) }
        try AccessPolicy.require(actor, .create, .newSubmission(learner: actor.user.id, exercise: exercise), .exercise)
        return exercise
    }

    /// Records an upload only if it fits the learner's quota, checked and reserved in one transaction.
    private func createWithinQuota(_ upload: Upload) async throws {
        do {
            try await store.createUpload(upload, quota: upload.exerciseID == nil ? nil : quota)
        } catch StoreError.quotaExceeded(let used) {
            files.remove(upload.id)
            throw overQuota(used: used)
        }
    }

    /// Counts an upload the actor starts. - Throws: ``ProblemKind/tooManyUploads`` (with `seconds`)
    /// once they started their limit within the window: one learner cannot flood processing.
    private func countStart(_ actor: Actor) throws {
        guard let wait = starts.take(actor.user.id.description, now: now()) else { return }
        logger.notice("upload start refused: too many", metadata: ["user": .string(actor.user.id.description)])
        throw AppError(
            .tooManyUploads,
            ["seconds": .integer(wait), "limit": .integer(starts.limit), "minutes": .integer(Int(starts.window / 60))])
    }

    /// How long an upload's announced bytes hold room after its last write.
    static let awaitedFor: TimeInterval = 3600

    /// The bytes a new upload may announce: the volume's room beyond its reserve, less what the
    /// unfinished uploads have announced and not sent yet.
    private func room() async throws -> Int64 {
        let spare = files.disk.spare()
        guard spare != .max else { return .max }
        return spare - (try await store.bytesAwaited(activeSince: now().addingTimeInterval(-Self.awaitedFor), expiry: expiry))
    }

    /// Refused for want of room, and logged for the administrator.
    private func noSpace(_ bytes: Int64) -> AppError {
        logger.warning(
            "no room on the data volume",
            metadata: [
                "bytes": .stringConvertible(bytes), "free": .stringConvertible(files.disk.free() ?? -1),
                "reserve": .stringConvertible(files.disk.reserve),
            ])
        return AppError(.noSpace)
    }

    private func overQuota(used: Int64) -> AppError {
        AppError(.overQuota, ["quota": .integer(Int(quota)), "used": .integer(Int(used))])
    }

    private func appendAsWriter(
        _ stale: Upload, _ upload: Upload, _ claim: WriterClaim, declared: Int64?, body: (some AsyncSequence<ByteBuffer, any Error>)?
    ) async throws -> (received: Int64, outcome: Outcome?) {
        // `upload` is as the claim found it: another request may have written meanwhile.
        if let submission = upload.submissionID, let made = try await store.submission(submission) { return (upload.length, .submission(made)) }
        if let item = upload.mediaItemID, let made = try await store.mediaItem(item) { return (upload.length, .mediaItem(made)) }
        guard upload.received == stale.received else {
            throw AppError(.offsetMismatch, ["offset": .integer(Int(stale.received)), "received": .integer(Int(upload.received))])
        }
        var received = upload.received
        if body != nil, let declared, upload.received + declared > upload.length {
            // Refused before a byte is written: the announced body goes past the upload's length.
            throw AppError(.pastLength, ["length": .integer(Int(upload.length))])
        }
        if let body {
            let (size, interrupted) = await files.append(upload.id, from: body, at: upload.received, limit: upload.length) {
                !claim.lost
            }
            received = size
            let done = size == upload.length
            // The progress and, unless the upload is complete, the claim's end in one statement.
            let kept = try await store.setUploadReceived(
                upload.id, received: size, expiresAt: now().addingTimeInterval(expiry), writer: claim.writer, releasing: !done)
            claim.released = !done
            // The claim ran out while writing: another writer may have the upload now.
            guard kept else { throw AppError(.uploadBusy) }
            if let interrupted {
                logger.info("upload interrupted", metadata: ["upload": .string(upload.id), "received": .stringConvertible(size)])
                throw interrupted
            }
        }
        guard received == upload.length else { return (received, nil) }
        return (received, try await complete(upload))
    }

    /// Moves a finished upload into the blob store and makes it a submission or a library item
    /// with a processing job.
    private func complete(_ upload: Upload) async throws -> Outcome {
        // The hash is recorded before the file moves, so a completion that fails half-way (the
        // database away, say) can be finished by the next request.
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
        let outcome: Outcome
        var made: Logger.Metadata
        if var item = try libraryItem(upload.metadata, owner: upload.userID, fileName: upload.fileName) {
            (item.originalSHA256, item.originalSize) = (sha, upload.length)
            let stored = try await store.completeLibraryUpload(upload, item: item, now: now())
            (outcome, made) = (.mediaItem(stored), ["mediaItem": .string(stored.id.description)])
        } else {
            let submission = try await store.completeUpload(upload, sha256: sha, now: now())
            (outcome, made) = (.submission(submission), ["submission": .string(submission.id.description)])
        }
        // Logged once it is made, never for a completion that failed.
        made.merge(["upload": .string(upload.id), "bytes": .stringConvertible(upload.length), "sha256": .string(sha)]) { kept, _ in kept }
        logger.info("upload complete", metadata: made)
        return outcome
    }

    /// Runs `body` as the upload's only writer, whichever server process the request reached: a
    /// claim in the database with an expiry, renewed while `body` runs, given back after. A
    /// writer that dies gives the upload back when its claim runs out.
    /// - Throws: ``ProblemKind/uploadBusy`` while another request writes it.
    func asWriter<T: Sendable>(_ id: String, _ body: (Upload, WriterClaim) async throws -> T) async throws -> T {
        let claim = WriterClaim(writer: UUIDText.lowercase(UUID()))
        guard let current = try await store.claimUploadWriter(id, writer: claim.writer, lease: Self.writerLease, now: now()) else {
            throw AppError(.uploadBusy)
        }
        let store = self.store, now = self.now, writer = claim.writer
        do {
            let result = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Renewed at a third of the lease while the body runs.
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(Self.writerLease / 3))
                        if claim.released { return }
                        // Lost (or the database away past the lease): the body stops writing.
                        let renewed = try? await store.claimUploadWriter(id, writer: writer, lease: Self.writerLease, now: now())
                        if renewed == nil {
                            claim.lost = true
                            return
                        }
                    }
                }
                defer { group.cancelAll() }
                return try await body(current, claim)
            }
            if !claim.released { try? await store.releaseUploadWriter(id, writer: writer) }
            return result
        } catch {
            if !claim.released { try? await store.releaseUploadWriter(id, writer: writer) }
            throw error
        }
    }

    /// A writer's claim on an upload, and whether the body already gave it back.
    final class WriterClaim: Sendable {
        let writer: String
        private let given = Atomic<Bool>(false)
        private let gone = Atomic<Bool>(false)
        init(writer: String) { self.writer = writer }
        var released: Bool {
            get { given.load(ordering: .acquiring) }
            set { given.store(newValue, ordering: .releasing) }
        }
        /// The claim could not be renewed: someone else may write now.
        var lost: Bool {
            get { gone.load(ordering: .acquiring) }
            set { gone.store(newValue, ordering: .releasing) }
        }
    }

    /// A file name fit to show: the last path component, no control characters, at most 200 characters.
    static func cleanFileName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.prefix(200))
        return clean.isEmpty ? "recording" : clean
    }
}
