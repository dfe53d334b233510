import Foundation

/// A person's request for all their data as one archive (GDPR articles 15 and 20): made in the
/// background, announced when ready, downloadable once within ``DataExport/lifetime``.
public struct DataExport: Sendable, Equatable, Identifiable {
    /// Where a request is.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Waiting to be made.
        case queued
        /// Being made.
        case making
        /// Ready to download, once, until ``DataExport/expiresAt``.
        case ready
        /// Downloaded: gone.
        case downloaded
        /// Not downloaded in time: gone.
        case expired
        /// Could not be made.
        case failed
    }

    /// How long a made archive waits for its download: a week.
    public static let lifetime: TimeInterval = 7 * 86400

    public var id: String
    public var userID: UserID
    public var status: Status
    public var createdAt: Date
    public var readyAt: Date?
    public var expiresAt: Date?
    public var downloadedAt: Date?
    /// The archive's size in bytes, once made.
    public var size: Int64?

    /// Creates the value.
    public init(
        id: String = UUIDText.lowercase(UUID()), userID: UserID, status: Status = .queued, createdAt: Date, readyAt: Date? = nil,
        expiresAt: Date? = nil, downloadedAt: Date? = nil, size: Int64? = nil
    ) {
        self.id = id
        self.userID = userID
        self.status = status
        self.createdAt = createdAt.wholeMilliseconds
        self.readyAt = readyAt
        self.expiresAt = expiresAt
        self.downloadedAt = downloadedAt
        self.size = size
    }

    /// Whether a new request would only repeat this one (it is still being made).
    public var isPending: Bool { status == .queued || status == .making }
}
