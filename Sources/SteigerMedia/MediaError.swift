internal import CFFmpeg

/// An error from reading, decoding or writing media, with a message a person can act on.
///
/// Errors are values of one type whose ``Code`` can gain cases without breaking callers.
/// The `message` is written for the person who supplied the file (a learner, a trainer or
/// an administrator); `detail` carries FFmpeg's own words when there are any.
public struct MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The file does not exist or is not a regular file.
        public static let fileNotFound = Code("fileNotFound")
        /// The file could not be read (permissions, I/O failure).
        public static let unreadable = Code("unreadable")
        /// The file has no bytes at all.
        public static let emptyFile = Code("emptyFile")
        /// The bytes are not any audio or video format FFmpeg recognises.
        public static let notMedia = Code("notMedia")
        /// A recognised format that Steiger refuses to open (playlists, image sequences, ...).
        public static let unsupportedContainer = Code("unsupportedContainer")
        /// The file ends before the data its own index refers to: an interrupted upload or copy.
        public static let truncated = Code("truncated")
        /// The file's structure is damaged beyond reading.
        public static let corrupt = Code("corrupt")
        /// More streams than a recording can plausibly have.
        public static let tooManyStreams = Code("tooManyStreams")
        /// Picture dimensions beyond the configured limits.
        public static let dimensionsTooLarge = Code("dimensionsTooLarge")
        /// The operation needs a video stream and the file has none.
        public static let noVideoStream = Code("noVideoStream")
        /// The operation needs an audio stream and the file has none.
        public static let noAudioStream = Code("noAudioStream")
        /// No decoder or encoder for the codec.
        public static let unsupportedCodec = Code("unsupportedCodec")
        /// Decoding produced no usable picture or sound.
        public static let decodeFailed = Code("decodeFailed")
        /// Encoding an output image or stream failed.
        public static let encodeFailed = Code("encodeFailed")
        /// Writing an output file failed.
        public static let writeFailed = Code("writeFailed")
        /// The operation ran past its deadline.
        public static let timedOut = Code("timedOut")
        /// The operation was cancelled by its caller.
        public static let cancelled = Code("cancelled")
        /// A request that cannot be met for this file (a time past the end, a zero width, ...).
        public static let invalidRequest = Code("invalidRequest")

        /// The code's stable name, as used in JSON and logs.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong and, where it helps, what to do about it.
    public var message: String
    /// The file concerned, when there is one.
    public var path: String?
    /// FFmpeg's own description of the underlying failure, when there is one.
    public var detail: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String? = nil, detail: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.detail = detail
    }

    /// The message, followed by FFmpeg's detail in parentheses when present.
    public var description: String {
        if let detail, !detail.isEmpty { return "\(message) (\(detail))" }
        return message
    }
}

extension MediaError {
    /// FFmpeg's text for an error code, e.g. "Invalid data found when processing input".
    static func describe(_ averror: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(averror, &buffer, buffer.count) < 0 {
            return "FFmpeg error \(averror)"
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Maps an FFmpeg error from an operation on a file into a ``MediaError``.
    static func ffmpeg(_ averror: Int32, _ code: Code, _ message: String, path: String?) -> MediaError {
        if averror == steiger_averror_exit() {
            return MediaError(.timedOut, "Reading the file took longer than allowed and was stopped.", path: path)
        }
        return MediaError(code, message, path: path, detail: describe(averror))
    }
}
