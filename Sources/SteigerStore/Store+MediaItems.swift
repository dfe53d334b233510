import Foundation
import SteigerCore

extension Store {
    // MARK: - Media library

    /// The job kind that processes a library item.
    public static let mediaItemJobKind = "process-media-item"

    /// Adds a library item whose original is in the blob store, with the job that processes it,
    /// in one transaction.
    public func createMediaItem(_ item: MediaItem, now: Date = Date()) async throws {
        try await write { session in try await Self.insertMediaItem(item, now: now, in: session) }
    }

    static func insertMediaItem(_ item: MediaItem, now: Date, in session: any DatabaseSession) async throws {
        _ = try await session.query(
            """
            INSERT INTO media_items (id, title, kind, owner_id, status, failure_reason, file_name, original_sha256, original_size,
                                     poster_sha256, rendition_sha256, rendition_type, duration_ms, created_at, updated_at)
            VALUES (\(bind: item.id.description), \(bind: item.title), \(bind: item.kind.rawValue), \(bind: item.ownerID.description),
                    \(bind: item.status.rawValue), \(bind: item.failureReason), \(bind: item.fileName), \(bind: item.originalSHA256),
                    \(bind: item.originalSize), \(bind: item.posterSHA256), \(bind: item.renditionSHA256), \(bind: item.renditionType),
                    \(bind: item.durationMilliseconds), \(bind: item.createdAt), \(bind: now))
            """)
        try await Self.enqueue(
            kind: Self.mediaItemJobKind, payload: #"{"mediaItem":"\#(item.id)"}"#, maxAttempts: 3, runAfter: now,
            fairKey: item.ownerID.description, now: now, in: session)
    }

    /// One library item.
    public func mediaItem(_ id: MediaItemID) async throws -> MediaItem? {
        try await read { session in
            try await session.query("SELECT * FROM media_items WHERE id = \(bind: id.description)").first.map(Self.mediaItem)
        }
    }

    /// The library, newest first.
    public func mediaItems(limit: Int = 500) async throws -> [MediaItem] {
        try await read { session in
            try await session.query("SELECT * FROM media_items ORDER BY created_at DESC, id LIMIT \(bind: limit)").map(Self.mediaItem)
        }
    }

    /// Saves what processing found: status, reason, poster, rendition, duration.
    public func updateMediaItem(_ item: MediaItem, now: Date = Date()) async throws {
        try await write { session in
            _ = try await session.query(
                """
                UPDATE media_items SET status = \(bind: item.status.rawValue), failure_reason = \(bind: item.failureReason),
                    poster_sha256 = \(bind: item.posterSHA256), rendition_sha256 = \(bind: item.renditionSHA256),
                    rendition_type = \(bind: item.renditionType), duration_ms = \(bind: item.durationMilliseconds), updated_at = \(bind: now)
                WHERE id = \(bind: item.id.description)
                """)
        }
    }

    /// Removes a library item. - Returns: whether it was there.
    @discardableResult
    public func deleteMediaItem(_ id: MediaItemID) async throws -> Bool {
        try await write { session in
            !(try await session.query("DELETE FROM media_items WHERE id = \(bind: id.description) RETURNING id").isEmpty)
        }
    }

    static func mediaItem(_ row: SQLRow) throws -> MediaItem {
        guard let kind = MediaItem.Kind(rawValue: try row.string("kind")), let status = MediaItem.Status(rawValue: try row.string("status")) else {
            throw StoreError.corrupt("media item \(row["id"])")
        }
        do {
            return try MediaItem(
                id: row.id("id"), title: row.string("title"), kind: kind, ownerID: row.id("owner_id"), status: status,
                failureReason: row.optionalString("failure_reason"), fileName: row.string("file_name"), originalSHA256: row.string("original_sha256"),
                originalSize: row.int("original_size"), posterSHA256: row.optionalString("poster_sha256"),
                renditionSHA256: row.optionalString("rendition_sha256"), renditionType: row.optionalString("rendition_type"),
                durationMilliseconds: row.optionalInt("duration_ms").map(Int.init), createdAt: row.date("created_at"))
        } catch let error as ValidationError {
            throw StoreError.corrupt("media item \(try row.string("id")): \(error)")
        }
    }
}
