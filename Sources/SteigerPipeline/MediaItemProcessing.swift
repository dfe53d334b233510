import Foundation
import Logging
import SteigerCore
import SteigerMedia
import SteigerStore

/// The media library's items go through the same steps as an attempt (probe, poster, web
/// rendition), without the storyboard and the reviews an attempt has.
extension SubmissionProcessor {
    /// The job kinds a processor handles: attempts and library items.
    public static let kinds = [kind, Store.mediaItemJobKind]

    struct MediaItemPayload: Codable { var mediaItem: String }

    static func mediaItemID(of job: Job) throws -> MediaItemID {
        guard let payload = try? JSONDecoder().decode(MediaItemPayload.self, from: Data(job.payload.utf8)),
            let id = MediaItemID(payload.mediaItem)
        else { throw Unusable(reason: Message("reason.malformedJob")) }
        return id
    }

    /// Processes a library item: ready with its poster and rendition, or failed with the reason.
    func runMediaItem(_ job: Job, token: CancellationToken, deadline: JobDeadline?) async throws {
        let id = try Self.mediaItemID(of: job)
        guard var item = try await store.mediaItem(id), item.status == .processing else { return }
        let original = blobs.path(item.originalSHA256)
        do {
            let info = try await offload { try MediaProbe.probe(path: original, checkAudio: false, token: token) }
            try check(info)
            deadline?.set(fromNow: self.deadline(for: info))
            let poster = try await offload { try Thumbnailer.poster(path: original, token: token) }
            item.posterSHA256 = try storeBlob(poster.bytes)
            let plan = TranscodePlan.decide(for: info, options: rules.rendition)
            let temporary = blobs.temporaryPath() + "." + plan.container
            let options = rules.rendition
            let result = try await offload { try Transcoder.transcode(input: original, output: temporary, options: options, token: token) { _ in } }
            item.renditionSHA256 = try blobs.adopt(temporary)
            item.renditionType = result.plan.container == "webm" ? "video/webm" : "video/mp4"
            item.durationMilliseconds = info.container.duration.map { Int(($0 * 1000).rounded()) }
            item.status = .ready
            try await store.updateMediaItem(item)
            logger.info("media item ready", metadata: ["mediaItem": .string(id.description)])
        } catch let error as MediaError {
            if [.cancelled, .timedOut, .writeFailed].contains(error.code) { throw error }
            try await failMediaItem(item, reason: Self.reason(for: error))
            throw Unusable(reason: Self.reason(for: error))
        } catch let unusable as Unusable {
            try await failMediaItem(item, reason: unusable.reason)
            throw unusable
        }
    }

    /// Marks the job's library item failed (a job given up on).
    func failMediaItem(_ job: Job, reason: Message) async throws {
        guard let item = try await store.mediaItem(try Self.mediaItemID(of: job)) else { return }
        try await failMediaItem(item, reason: reason)
    }

    private func failMediaItem(_ item: MediaItem, reason: Message) async throws {
        guard item.status == .processing else { return }
        var item = item
        item.status = .failed
        item.failureReason = reason.stored
        try await store.updateMediaItem(item)
        logger.notice("media item failed", metadata: ["mediaItem": .string(item.id.description), "reason": .string(reason.description)])
    }
}
