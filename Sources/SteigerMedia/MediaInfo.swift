/// Everything Steiger reads about a media file: the container, each stream, the chosen
/// main video and audio streams, and whether a browser can play the file as it is.
///
/// This is the value behind `steiger probe --json`. Its JSON form is versioned by
/// ``schemaVersion`` and documented in `docs/probe.md`; fields the file does not provide
/// are omitted rather than guessed.
public struct MediaInfo: Codable, Sendable, Equatable {
    /// The version of this structure's JSON form. Changes that remove or retype a field bump it.
    public static let currentSchemaVersion = 1

    /// The JSON schema version, ``currentSchemaVersion`` when produced by this library.
    public var schemaVersion: Int
    /// The container and file-level facts.
    public var container: ContainerInfo
    /// Every stream, in file order.
    public var streams: [StreamInfo]
    /// Index of the stream a player would show, or nil if the file has no real video
    /// (cover art does not count).
    public var mainVideoStream: Int?
    /// Index of the stream a player would play as sound, or nil if there is none.
    public var mainAudioStream: Int?
    /// Whether browsers can play the file as it is.
    public var playback: PlaybackVerdict
    /// Loudness of the main audio stream; present only when an audio check was asked for.
    public var audioLevel: AudioLevel?

    /// Creates a value; the probe builds these, tests and callers may too.
    public init(
        schemaVersion: Int = MediaInfo.currentSchemaVersion,
        container: ContainerInfo,
        streams: [StreamInfo],
        mainVideoStream: Int?,
        mainAudioStream: Int?,
        playback: PlaybackVerdict,
        audioLevel: AudioLevel? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.container = container
        self.streams = streams
        self.mainVideoStream = mainVideoStream
        self.mainAudioStream = mainAudioStream
        self.playback = playback
        self.audioLevel = audioLevel
    }

    /// The main video stream, if any.
    public var video: StreamInfo? { mainVideoStream.map { streams[$0] } }
    /// The main audio stream, if any.
    public var audio: StreamInfo? { mainAudioStream.map { streams[$0] } }
}

/// File-level facts about a media file.
public struct ContainerInfo: Codable, Sendable, Equatable {
    /// What the file is, in everyday terms: "mp4", "mov", "m4a", "3gp", "webm", "matroska",
    /// "avi", "asf", "flv", "mpegts", "mpeg", "ogg", "wav", "mp3", "flac" or "aac".
    public var kind: String
    /// FFmpeg's demuxer name, as `ffprobe` reports `format_name` (e.g. "mov,mp4,m4a,3gp,3g2,mj2").
    public var formatName: String
    /// FFmpeg's description of the format.
    public var formatLongName: String
    /// File size in bytes.
    public var size: Int64
    /// Duration in seconds, from the container or, when it has none, from the packets.
    public var duration: Double?
    /// Where ``duration`` came from: "container" or "packets".
    public var durationSource: String?
    /// First presentation timestamp in seconds.
    public var startTime: Double?
    /// Overall bit rate in bits per second.
    public var bitRate: Int64?
    /// For MP4/QuickTime: whether the index comes before the media data, so playback can
    /// start before the whole file has downloaded.
    public var fastStart: Bool?
    /// Whether the file has a seek index (MP4 sample tables, Matroska cues, AVI index).
    public var hasSeekIndex: Bool
    /// Container-level title tag.
    public var title: String?
    /// When the recording was made, as the file states it (ISO 8601).
    public var creationTime: String?
    /// The recording device, when the file names it.
    public var device: DeviceInfo?
    /// The program or device firmware that wrote the file.
    public var encoder: String?

    /// Creates a value.
    public init(
        kind: String, formatName: String, formatLongName: String, size: Int64, duration: Double? = nil,
        durationSource: String? = nil, startTime: Double? = nil, bitRate: Int64? = nil, fastStart: Bool? = nil,
        hasSeekIndex: Bool = false, title: String? = nil, creationTime: String? = nil, device: DeviceInfo? = nil,
        encoder: String? = nil
    ) {
        self.kind = kind
        self.formatName = formatName
        self.formatLongName = formatLongName
        self.size = size
        self.duration = duration
        self.durationSource = durationSource
        self.startTime = startTime
        self.bitRate = bitRate
        self.fastStart = fastStart
        self.hasSeekIndex = hasSeekIndex
        self.title = title
        self.creationTime = creationTime
        self.device = device
        self.encoder = encoder
    }
}

/// The device that made a recording, from the tags phones and cameras write.
public struct DeviceInfo: Codable, Sendable, Equatable {
    /// Manufacturer, e.g. "Apple".
    public var make: String?
    /// Model, e.g. "iPhone 15".
    public var model: String?
    /// Operating system or firmware version.
    public var software: String?

    /// Creates a value.
    public init(make: String? = nil, model: String? = nil, software: String? = nil) {
        self.make = make
        self.model = model
        self.software = software
    }
}

/// What kind of data a stream carries.
public enum StreamKind: String, Codable, Sendable {
    /// Pictures.
    case video
    /// Sound.
    case audio
    /// Subtitles or captions.
    case subtitle
    /// Timed data (GPS tracks, timecode, ...).
    case data
    /// Attached files (fonts in Matroska).
    case attachment
    /// Anything else.
    case unknown
}

/// One stream of a media file. Video fields are present for video streams, audio fields
/// for audio streams.
public struct StreamInfo: Codable, Sendable, Equatable {
    /// Position of the stream in the file, as `ffprobe` numbers it.
    public var index: Int
    /// What the stream carries.
    public var kind: StreamKind
    /// Codec short name, e.g. "h264", "aac", "vp8".
    public var codec: String
    /// Codec description.
    public var codecLongName: String?
    /// Codec profile, e.g. "High", "LC", "Main 10".
    public var profile: String?
    /// Bit rate in bits per second.
    public var bitRate: Int64?
    /// Duration in seconds.
    public var duration: Double?
    /// First timestamp in seconds, as `ffprobe` reports `start_time`: comparing the main video's
    /// and audio's shows whether sound and picture start together.
    public var startTime: Double?
    /// Number of frames (video) or packets, when the container states it.
    public var frameCount: Int64?
    /// Language tag (ISO 639), e.g. "eng", "nld".
    public var language: String?
    /// Title tag.
    public var title: String?
    /// Marked as the default stream of its kind.
    public var isDefault: Bool
    /// A still picture attached to the file (cover art), not a moving video.
    public var isAttachedPicture: Bool

    // Video
    /// Coded width in pixels.
    public var width: Int?
    /// Coded height in pixels.
    public var height: Int?
    /// Pixel format, e.g. "yuv420p", "yuv420p10le".
    public var pixelFormat: String?
    /// Bits per colour component, e.g. 8 or 10.
    public var bitDepth: Int?
    /// Sample (pixel) aspect ratio as "num:den"; "1:1" is square pixels.
    public var sampleAspectRatio: String?
    /// Width as shown: square pixels and rotation applied.
    public var displayWidth: Int?
    /// Height as shown: square pixels and rotation applied.
    public var displayHeight: Int?
    /// Clockwise degrees (0, 90, 180, 270) a player turns the picture, from the display
    /// matrix. `ffprobe` reports the same matrix as a counter-clockwise angle: 90 here is
    /// its -90.
    public var rotation: Int?
    /// Average frame rate as "num/den"; absent when unknown or zero (still pictures).
    public var averageFrameRate: String?
    /// The lowest frame rate that represents all timestamps ("r_frame_rate") as "num/den".
    public var realFrameRate: String?
    /// Transfer characteristic, e.g. "bt709", "smpte2084" (PQ), "arib-std-b67" (HLG).
    public var colorTransfer: String?
    /// Colour primaries, e.g. "bt709", "bt2020".
    public var colorPrimaries: String?
    /// Colour matrix, e.g. "bt709", "bt2020nc".
    public var colorSpace: String?
    /// "tv" (limited) or "pc" (full) range.
    public var colorRange: String?
    /// Whether the stream is HDR (PQ or HLG transfer).
    public var isHDR: Bool?

    // Audio
    /// Samples per second.
    public var sampleRate: Int?
    /// Number of channels.
    public var channels: Int?
    /// Channel layout, e.g. "mono", "stereo", "5.1(side)".
    public var channelLayout: String?
    /// Sample format, e.g. "fltp", "s16".
    public var sampleFormat: String?

    /// Creates a stream description with only the fields every stream has.
    public init(index: Int, kind: StreamKind, codec: String) {
        self.index = index
        self.kind = kind
        self.codec = codec
        self.isDefault = false
        self.isAttachedPicture = false
    }
}

/// Whether a file can be played by web browsers as it is, and why not.
public struct PlaybackVerdict: Codable, Sendable, Equatable {
    /// True when current Chrome, Firefox and Safari can all play the file without conversion.
    public var playable: Bool
    /// Why it is not playable as is (empty when ``playable``).
    public var reasons: [String]
    /// Things that work but are worse than they could be (slow start, no seek index).
    public var notes: [String]

    /// Creates a value.
    public init(playable: Bool, reasons: [String] = [], notes: [String] = []) {
        self.playable = playable
        self.reasons = reasons
        self.notes = notes
    }
}
