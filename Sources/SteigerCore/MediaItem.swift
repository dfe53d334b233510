import Foundation

/// Identifies an item of the media library.
public typealias MediaItemID = Identifier<IdentifierTag.MediaItem>

extension IdentifierTag {
    /// Media library items.
    public enum MediaItem {}
}

/// A video of the media library: a model video or a stimulus clip that administrators and
/// trainers upload once and exercises name (`media:<id>` as a model video's reference). It goes
/// through the same processing as an attempt: probed, given a poster and a web rendition.
public struct MediaItem: Sendable, Equatable, Identifiable {
    /// What the video is for.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Shows how it is done (a support).
        case model
        /// Something to respond to: the customer's opening, the colleague's question.
        case stimulus
    }

    /// Where its processing is.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case processing, ready, failed
    }

    public var id: MediaItemID
    public var title: String
    public var kind: Kind
    /// Who uploaded it.
    public var ownerID: UserID
    public var status: Status
    /// Why it could not be used (a catalogue text, stored), when failed.
    public var failureReason: String?
    public var fileName: String
    public var originalSHA256: String
    public var originalSize: Int64
    public var posterSHA256: String?
    public var renditionSHA256: String?
    public var renditionType: String?
    public var durationMilliseconds: Int?
    public var createdAt: Date

    /// Creates an item after checking its title (1 to 200 characters).
    public init(
        id: MediaItemID = MediaItemID(), title: String, kind: Kind, ownerID: UserID, status: Status = .processing, failureReason: String? = nil,
        fileName: String, originalSHA256: String, originalSize: Int64, posterSHA256: String? = nil, renditionSHA256: String? = nil,
        renditionType: String? = nil, durationMilliseconds: Int? = nil, createdAt: Date = Date()
    ) throws(ValidationError) {
        let title = title.trimmed
        var validator = Validator()
        validator.check(!title.isEmpty, "title", Message("validation.empty"))
        validator.check(title.unicodeScalars.count <= 200, "title", Message("validation.maxCharacters", ["max": 200]))
        // A title comes from a query or tus metadata too, where no JSON layer refuses it first.
        validator.check(!title.unicodeScalars.contains("\0"), "title", Message("validation.nul"))
        try validator.finish()
        self.id = id
        self.title = title
        self.kind = kind
        self.ownerID = ownerID
        self.status = status
        self.failureReason = failureReason
        self.fileName = fileName
        self.originalSHA256 = originalSHA256
        self.originalSize = originalSize
        self.posterSHA256 = posterSHA256
        self.renditionSHA256 = renditionSHA256
        self.renditionType = renditionType
        self.durationMilliseconds = durationMilliseconds
        self.createdAt = createdAt.wholeMilliseconds
    }

    /// The reference a model video support gives to name this item.
    public var reference: String { Self.referencePrefix + id.description }

    /// How a reference names a library item.
    public static let referencePrefix = "media:"

    /// The library item a reference names, if it names one.
    public static func named(by reference: String) -> MediaItemID? {
        guard reference.hasPrefix(referencePrefix) else { return nil }
        return MediaItemID(String(reference.dropFirst(referencePrefix.count)))
    }
}

extension ScaffoldLadder.Support {
    /// The library item this support plays, if it names one.
    public var mediaItem: MediaItemID? {
        if case .modelVideo(let reference) = self { MediaItem.named(by: reference) } else { nil }
    }
}
