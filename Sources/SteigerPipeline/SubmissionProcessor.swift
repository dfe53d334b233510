import Foundation
import Logging
import SteigerCore
import SteigerMedia
import SteigerStore

/// The `process-submission` job: turns an uploaded original into a ready submission.
///
/// probe → refuse what is not a usable recording (with a reason the learner can read) → poster →
/// storyboard → web rendition (remux when the browser plays it already) → silent-audio warning →
/// `ready`. Each product goes into the blob store under its hash, so running the job again after
/// a crash redoes the work but never duplicates or corrupts anything.
public struct SubmissionProcessor: Sendable {
    /// The job kind this handles.
    public static let kind = "process-submission"

    /// What counts as a usable recording.
    public struct Rules: Sendable {
        /// Longest accepted recording, in seconds.
        public var maxDuration: Double = 30 * 60
        /// Largest accepted picture, in pixels (width × height).
        public var maxPixels: Int = 3840 * 2160
        /// Settings of the web rendition.
        public var rendition = TranscodeOptions()
        /// The longest any run of the pipeline may take, whatever the recording.
        public var deadline: TimeInterval = 2 * 3600
        /// What a run may take until the recording has been probed (its length and size known).
        public var probeDeadline: TimeInterval = 600
        /// Seconds of work one second of 1080p costs on this kind of machine (a 30 s 1080p clip
        /// becomes its 720p rendition in about 9.5 s on two cores: `scripts/bench-transcode`).
        public var secondsPerHDSecond: Double = 0.35

        public init() {}

        /// How long a run for a recording may take: two minutes plus four times the work its
        /// length and picture size should cost (pictures below a quarter of 1080p count as a
        /// quarter), at most ``deadline``. A stuck or hostile short file is let go in minutes, not hours.
        public func deadline(for info: MediaInfo) -> TimeInterval {
            let duration = info.container.duration ?? maxDuration
            let pixels = Double((info.video?.width ?? 1920) * (info.video?.height ?? 1080))
            let work = duration * max(pixels / (1920 * 1080), 0.25) * secondsPerHDSecond
            return min(deadline, 120 + 4 * work)
        }
    }

    /// Thrown for a recording that cannot be used: not retried; the reason is for the learner
    /// (a `reason.*` catalogue text, stored as a message and read in each reader's language).
    public struct Unusable: Error, CustomStringConvertible {
        public var reason: Message
        public var description: String { reason.description }
    }

    let store: Store
    let blobs: BlobStore
    let rules: Rules
    let logger: Logger

    public init(store: Store, blobs: BlobStore, rules: Rules = Rules(), logger: Logger) {
        self.store = store
        self.blobs = blobs
        self.rules = rules
        self.logger = logger
    }

    /// How long one run may take at most before its worker is stopped.
    public var deadline: TimeInterval { rules.deadline }

    /// How long a run for this recording may take (``Rules/deadline(for:)``).
    public func deadline(for info: MediaInfo) -> TimeInterval { rules.deadline(for: info) }

    struct Payload: Codable { var submission: String }

    /// The submission a job's payload names.
    static func submissionID(of job: Job) throws -> SubmissionID {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)), let id = SubmissionID(payload.submission) else {
            throw Unusable(reason: Message("reason.malformedJob"))
        }
        return id
    }

    /// Runs the pipeline for the job's submission. Throws ``Unusable`` for recordings that cannot
    /// be used (after marking the submission failed), other errors for trouble worth a retry.
    public func run(_ job: Job, token: CancellationToken, deadline: JobDeadline? = nil) async throws {
        if job.kind == Store.mediaItemJobKind { return try await runMediaItem(job, token: token, deadline: deadline) }
        let id = try Self.submissionID(of: job)
        guard let submission = try await store.submission(id), var media = try await store.submissionMedia(id) else { return }
        guard submission.status == .processing else {
            // Done already (the job ran twice); make sure its reviews were planned.
            if submission.status == .ready { try await store.planReviews(for: submission.id) }
            return
        }
        let original = blobs.path(media.originalSHA256)
        var log = logger
        log[metadataKey: "submission"] = .string(id.description)
        do {
            func step(_ name: String, _ progress: Double) async throws {
                media.step = name
                media.progress = progress
                try await store.updateSubmissionMedia(media)
                log.info("pipeline step", metadata: ["step": .string(name)])
            }
            try await step("probing", 0.02)
            let info = try await offload { try MediaProbe.probe(path: original, checkAudio: true, token: token) }
            try check(info)
            let allowed = self.deadline(for: info)
            deadline?.set(fromNow: allowed)
            log.info("deadline set", metadata: ["seconds": .stringConvertible(Int(allowed))])
            media.info = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
            if info.audioLevel?.verdict == .silent {
                media.warnings = [Message("warning.silent").stored]
            } else if info.audio == nil {
                media.warnings = [Message("warning.noSoundTrack").stored]
            } else if info.audioLevel?.verdict == .nearSilent {
                media.warnings = [Message("warning.quiet").stored]
            } else {
                media.warnings = []
            }

            try await step("poster", 0.1)
            let poster = try await offload { try Thumbnailer.poster(path: original, token: token) }
            media.posterSHA256 = try storeBlob(poster.bytes)

            try await step("storyboard", 0.2)
            let storyboard = try await offload { try StoryboardMaker.make(path: original, token: token) }
            var sheets: [String] = []
            for sheet in storyboard.sheets { sheets.append(try storeBlob(sheet.bytes)) }
            media.storyboard = String(
                decoding: try JSONEncoder().encode(
                    StoredStoryboard(
                        sheets: sheets, vtt: storyboard.webVTT,
                        sheetNames: storyboard.sheets.map(\.fileName))), as: UTF8.self)

            try await step("rendition", 0.3)
            let plan = TranscodePlan.decide(for: info, options: rules.rendition)
            let temporary = blobs.temporaryPath() + "." + plan.container
            let progressStore = store, options = rules.rendition
            let result = try await offload {
                var reported = 0.0
                return try Transcoder.transcode(input: original, output: temporary, options: options, token: token) { fraction in
                    // Best effort, every 5 %: a failed write does not stop the conversion, and a late
                    // one does nothing once the step is over.
                    guard fraction - reported >= 0.05 else { return }
                    reported = fraction
                    Task { try? await progressStore.setSubmissionProgress(id, step: "rendition", progress: 0.3 + 0.65 * fraction) }
                }
            }
            let sha = try blobs.adopt(temporary)
            media.renditionSHA256 = sha
            media.renditionType = result.plan.container == "webm" ? "video/webm" : "video/mp4"

            media.step = "ready"
            media.progress = 1
            try await store.updateSubmissionMedia(media)
            try await store.setSubmissionStatus(id, to: .ready)
            // Also when a retry finds the attempt ready already (planning is idempotent).
            if try await store.submission(id)?.status == .ready { try await store.planReviews(for: submission.id) }
            log.info("submission ready", metadata: ["rendition": .string(result.plan.action == .remux ? "remuxed" : "transcoded")])
        } catch let error as MediaError {
            // A file FFmpeg refuses is the file's fault, not the server's: no retry.
            if [.cancelled, .timedOut, .writeFailed].contains(error.code) { throw error }
            let reason = Self.reason(for: error)
            try await fail(id, media: media, reason: reason)
            throw Unusable(reason: reason)
        } catch let unusable as Unusable {
            try await fail(id, media: media, reason: unusable.reason)
            throw unusable
        }
    }

    /// Marks the submission failed (after the job gave up, or for an unusable recording).
    public func fail(_ job: Job, reason: Message) async throws {
        if job.kind == Store.mediaItemJobKind { return try await failMediaItem(job, reason: reason) }
        let id = try Self.submissionID(of: job)
        guard let media = try await store.submissionMedia(id) else { return }
        try await fail(id, media: media, reason: reason)
    }

    private func fail(_ id: SubmissionID, media: SubmissionMedia, reason: Message) async throws {
        // Only a submission still processing fails; a late failure never touches a ready one.
        guard try await store.setSubmissionStatus(id, to: .failed, reason: reason.stored) else { return }
        var media = media
        media.step = "failed"
        try await store.updateSubmissionMedia(media)
        logger.notice("submission failed", metadata: ["submission": .string(id.description), "reason": .string(reason.description)])
    }

    /// Refuses what is not a usable recording.
    func check(_ info: MediaInfo) throws {
        guard let video = info.video, !video.isAttachedPicture else {
            throw Unusable(reason: Message("reason.noVideo"))
        }
        if let duration = info.container.duration, duration > rules.maxDuration {
            throw Unusable(
                reason: Message("reason.tooLong", ["minutes": .integer(Int(duration / 60)), "limit": .integer(Int(rules.maxDuration / 60))]))
        }
        if let width = video.width, let height = video.height, width * height > rules.maxPixels {
            throw Unusable(reason: Message("reason.tooLarge", ["width": .integer(width), "height": .integer(height)]))
        }
    }

    /// The learner's reason for a file FFmpeg refused, by the kind of failure.
    static func reason(for error: MediaError) -> Message {
        switch error.code {
        case .noVideoStream: Message("reason.noVideo")
        case .notMedia: Message("reason.notMedia")
        case .emptyFile: Message("reason.emptyFile")
        case .unsupportedContainer: Message("reason.unsupportedContainer")
        case .truncated: Message("reason.truncated")
        case .corrupt: Message("reason.corrupt")
        case .tooManyStreams: Message("reason.tooManyStreams")
        case .dimensionsTooLarge: Message("reason.dimensionsTooLarge")
        case .unsupportedCodec: Message("reason.unsupportedCodec")
        case .decodeFailed: Message("reason.decodeFailed")
        case .unreadable: Message("reason.unreadable")
        default: Message("reason.unknown")
        }
    }

    func storeBlob(_ bytes: [UInt8]) throws -> String {
        let temporary = blobs.temporaryPath()
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw StoreError.unavailable("cannot write to the blob store")
        }
        return try blobs.adopt(temporary)
    }
}

/// Runs blocking media work (FFmpeg) on a thread of its own, so the async threads stay free
/// for heartbeats and database calls even on a single core.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
