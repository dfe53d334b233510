/// Settings for making a web rendition.
public struct TranscodeOptions: Sendable, Equatable {
    /// Largest height of the output picture as shown (after rotation); smaller sources keep their size.
    public var maxHeight: Int
    /// x264 constant rate factor: 18 (near lossless) … 28 (small); 23 is x264's default.
    public var crf: Int
    /// x264 preset: ultrafast … veryslow.
    public var preset: String
    /// Encoder and decoder threads; 0 lets FFmpeg choose (one per core).
    public var threads: Int
    /// AAC bit rate in bits per second.
    public var audioBitRate: Int
    /// Seconds between key frames in the output (short gaps make seeking and storyboards fast).
    public var keyFrameInterval: Double
    /// Copy the streams instead of re-encoding when the source already plays in browsers.
    public var allowRemux: Bool
    /// Longest time the whole transcode may take, in seconds; nil: 10 minutes plus four
    /// times the duration.
    public var timeout: Double?
    /// The container the output must be (from its file name, say); nil: MP4, or WebM when a
    /// browser recording is copied as it is.
    public var container: OutputContainer?

    /// Creates options; the defaults make a 720p H.264/AAC MP4.
    public init(
        maxHeight: Int = 720, crf: Int = 23, preset: String = "veryfast", threads: Int = 0,
        audioBitRate: Int = 128_000, keyFrameInterval: Double = 2, allowRemux: Bool = true, timeout: Double? = nil,
        container: OutputContainer? = nil
    ) {
        self.maxHeight = maxHeight
        self.crf = crf
        self.preset = preset
        self.threads = threads
        self.audioBitRate = audioBitRate
        self.keyFrameInterval = keyFrameInterval
        self.allowRemux = allowRemux
        self.timeout = timeout
        self.container = container
    }

    /// x264's presets, fastest first.
    public static let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"]
}

/// A container Steiger writes renditions in.
public enum OutputContainer: String, Sendable, Codable, CaseIterable {
    /// MP4 with the index at the front: H.264/AAC, re-encoded or copied.
    case mp4
    /// WebM: only as a copy of VP8/VP9 with Opus/Vorbis (Steiger encodes H.264 only).
    case webm

    /// The container a file name asks for by its extension (`.mp4`, `.m4v`, `.webm`); nil for any other.
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: "."), !fileName[dot...].contains("/") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "mp4", "m4v": self = .mp4
        case "webm": self = .webm
        default: return nil
        }
    }
}
