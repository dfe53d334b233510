/// The bounds within which an untrusted media file is read.
///
/// Every file a learner uploads is hostile until proven otherwise. These limits cap the
/// work and memory any one file can demand: how much is read to detect streams, how many
/// streams and pixels are accepted, which containers may be opened at all, and how long
/// the whole operation may take.
public struct InputLimits: Sendable, Equatable {
    /// Demuxers that may open an upload. Each is a real container; playlists (`hls`,
    /// `concat`), image sequences and network-capable formats are left out because they
    /// can make FFmpeg read other files.
    public static let defaultFormats: [String] = [
        "mov", "mp4", "m4a", "3gp", "3g2", "mj2",
        "matroska", "webm",
        "avi", "asf", "flv",
        "mpegts", "mpeg",
        "ogg", "wav", "mp3", "flac", "aac",
    ]

    /// Demuxer names allowed to open the file (FFmpeg's `format_whitelist`).
    public var allowedFormats: [String]
    /// Bytes read to detect the streams (`probesize`).
    public var probeSize: Int
    /// Microseconds of media analysed to detect stream parameters (`analyzeduration`).
    public var analyzeDuration: Int
    /// Most streams a file may have.
    public var maxStreams: Int
    /// Largest width or height of a picture, in pixels.
    public var maxDimension: Int
    /// Largest picture area, in pixels (also handed to decoders as `max_pixels`).
    public var maxPixels: Int
    /// Longest wall-clock time one operation on the file may take, in seconds.
    public var timeout: Double

    /// Creates limits; every parameter has a default suited to recorded role-plays.
    public init(
        allowedFormats: [String] = InputLimits.defaultFormats,
        probeSize: Int = 5_000_000,
        analyzeDuration: Int = 5_000_000,
        maxStreams: Int = 32,
        maxDimension: Int = 16_384,
        maxPixels: Int = 8_192 * 4_352,
        timeout: Double = 120
    ) {
        self.allowedFormats = allowedFormats
        self.probeSize = probeSize
        self.analyzeDuration = analyzeDuration
        self.maxStreams = maxStreams
        self.maxDimension = maxDimension
        self.maxPixels = maxPixels
        self.timeout = timeout
    }

    /// The default limits.
    public static let `default` = InputLimits()
}
