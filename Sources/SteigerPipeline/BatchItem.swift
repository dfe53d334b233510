public import SteigerMedia

/// What happens to one file of a batch.
public enum BatchAction: String, Sendable, Codable {
    /// Streams copied into a web-ready container.
    case remux
    /// Re-encoded as H.264/AAC MP4.
    case transcode
    /// Nothing to do: the rendition exists from an earlier run, or the file is not a recording.
    case skipped
    /// The file could not be converted; the error says why.
    case failed
}

/// One file of a batch: the plan for it and, once run, what happened.
public struct BatchItem: Sendable, Codable, Equatable {
    /// The source file.
    public var source: String
    /// Where its rendition goes (absent when there is none to make).
    public var output: String?
    /// Planned, then actual, action.
    public var action: BatchAction
    /// Why it is skipped or re-encoded, or the error when it failed.
    public var reason: String?
    /// The stable code of the error, when it failed.
    public var errorCode: String?
    /// Size of the source in bytes.
    public var bytes: Int64
    /// The source's probe, when it could be read.
    public var input: MediaInfo?
    /// The rendition's probe, once made.
    public var result: MediaInfo?
    /// Seconds the conversion took.
    public var seconds: Double?

    /// Creates an item.
    public init(source: String, output: String?, action: BatchAction, reason: String? = nil, bytes: Int64, input: MediaInfo? = nil) {
        self.source = source
        self.output = output
        self.action = action
        self.reason = reason
        self.bytes = bytes
        self.input = input
    }

    /// Whether the item still has work to do.
    public var needsWork: Bool { action == .remux || action == .transcode }
}
