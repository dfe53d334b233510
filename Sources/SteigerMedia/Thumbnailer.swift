internal import CFFmpeg
import Foundation

/// A poster image taken from a video.
public struct Poster: Sendable {
    /// The encoded image.
    public var bytes: [UInt8]
    /// The image format.
    public var format: ImageFormat
    /// Width in pixels, as shown.
    public var width: Int
    /// Height in pixels, as shown.
    public var height: Int
    /// Time of the frame in seconds from the start of the video.
    public var time: Double
}

/// Makes poster images: one frame, upright, with square pixels, in 8-bit colour.
public enum Thumbnailer {
    /// Fractions of the duration at which candidate frames for an automatic poster are taken.
    static let candidateFractions = [0.12, 0.25, 0.37, 0.5, 0.62, 0.75, 0.87]

    /// Makes a poster from the file at `path`.
    ///
    /// - Parameters:
    ///   - time: seconds from the start; the frame at or just after it is used. When nil, a
    ///     representative frame is chosen: not black or washed out, not the first frame.
    ///   - width: width of the image as shown (rounded to even); nil keeps the video's
    ///     display size with its long side at most 1280 pixels (never enlarged). The height
    ///     follows the display aspect ratio.
    public static func poster(
        path: String,
        at time: Double? = nil,
        width: Int? = nil,
        format: ImageFormat = .jpeg,
        quality: Int = 85,
        limits: InputLimits = .default,
        token: CancellationToken? = nil
    ) throws(MediaError) -> Poster {
        if let width, width < 2 || width > limits.maxDimension {
            throw MediaError(.invalidRequest, "A poster width must be between 2 and \(limits.maxDimension) pixels.", path: path)
        }
        // One picture: let the decoder use every core (frame threads) for the frames before it.
        let operation = OperationGuard(timeout: limits.timeout, token: token, path: path)
        let source = try VideoSource(path: path, limits: limits, operation: operation, threads: ProcessInfo.processInfo.activeProcessorCount)
        let size = source.geometry.outputSize(width: width)
        let picture: Picture
        let frameTime: Double
        if let time {
            guard time >= 0, time.isFinite else {
                throw MediaError(.invalidRequest, "The time must be zero or more seconds.", path: path)
            }
            if source.duration > 0, time > source.duration {
                throw MediaError(
                    .invalidRequest, "The video is \(formatSeconds(source.duration)) s long; there is no frame at \(formatSeconds(time)) s.",
                    path: path)
            }
            let (frame, foundTime) = try source.grabber.grab(.init(time: time, window: time..<time), precision: .exact)
            picture = try source.picture(from: frame, width: size.width, height: size.height, fullRange: format.usesFullRange)
            frameTime = foundTime
        } else {
            (picture, frameTime) = try representativePicture(source, width: size.width, height: size.height, fullRange: format.usesFullRange)
        }
        let bytes = try ImageEncoder.encode(picture, as: format, quality: quality)
        return Poster(bytes: bytes, format: format, width: picture.width, height: picture.height, time: frameTime)
    }

    /// Looks at a handful of frames spread over the video and keeps the one with the most
    /// detail that is neither black nor blown out.
    private static func representativePicture(_ source: VideoSource, width: Int, height: Int, fullRange: Bool) throws(MediaError) -> (Picture, Double)
    {
        let duration = source.duration
        guard duration > 0.5 else {
            let (frame, time) = try source.grabber.grab(.init(time: duration / 2, window: 0..<max(duration, 0.001)), precision: .exact)
            return (try source.picture(from: frame, width: width, height: height, fullRange: fullRange), time)
        }
        let spacing = duration * (candidateFractions[1] - candidateFractions[0])
        guard let best = av_frame_alloc() else {
            throw MediaError(.decodeFailed, "Out of memory while choosing a poster frame.", path: source.input.path)
        }
        var bestPointer: UnsafeMutablePointer<AVFrame>? = best
        defer { av_frame_free(&bestPointer) }
        var bestScore = -Double.infinity
        var bestTime = 0.0
        let probeScaler = PictureScaler(path: source.input.path)
        let probeSize = source.geometry.outputSize(width: 96)
        for fraction in candidateFractions {
            let time = duration * fraction
            let target = FrameGrabber.Target(time: time, window: (time - spacing / 2)..<(time + spacing / 2))
            let (frame, frameTime) = try source.grabber.grab(target, precision: .fast)
            let small = try probeScaler.scale(frame, width: probeSize.width, height: probeSize.height, fullRange: true, quality: SWS_FAST_BILINEAR)
            let score = interest(of: small)
            if score > bestScore {
                bestScore = score
                bestTime = frameTime
                av_frame_unref(best)
                av_frame_ref(best, frame)
            }
        }
        return (try source.picture(from: best, width: width, height: height, fullRange: fullRange), bestTime)
    }

    /// How good a poster a picture makes: its contrast, heavily discounted when it is
    /// nearly black or nearly white.
    static func interest(of picture: Picture) -> Double {
        let (mean, deviation) = picture.lumaStatistics
        var score = deviation
        if mean < 28 || mean > 235 { score *= 0.05 }
        if deviation < 6 { score *= 0.2 }  // flat: a fade, a wall, a covered lens
        return score
    }

    private static func formatSeconds(_ seconds: Double) -> String {
        String((seconds * 1000).rounded() / 1000)
    }
}
