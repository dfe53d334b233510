internal import CFFmpeg
import Foundation

/// Decodes a file's main audio stream and measures its level (``AudioLevel``).
public enum AudioLevelMeter {
    /// Measures the main audio stream of the file at `path`.
    /// - Throws: ``MediaError`` with ``MediaError/Code-swift.struct/noAudioStream`` when the file has no sound.
    public static func measure(path: String, limits: InputLimits = .default, token: CancellationToken? = nil) throws(MediaError) -> AudioLevel {
        try measure(path: path, limits: limits, operation: OperationGuard(timeout: limits.timeout, token: token, path: path))
    }

    static func measure(path: String, limits: InputLimits, operation: OperationGuard) throws(MediaError) -> AudioLevel {
        let input = try InputFile(path: path, limits: limits, operation: operation)
        let videoIndex = av_find_best_stream(input.context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        let index = av_find_best_stream(input.context, AVMEDIA_TYPE_AUDIO, -1, videoIndex, nil, 0)
        guard index >= 0 else {
            throw MediaError(.noAudioStream, "The file has no sound track.", path: path)
        }
        for stream in input.streams where stream.pointee.index != index {
            stream.pointee.discard = AVDISCARD_ALL
        }
        let decoder = try StreamDecoder(input: input, streamIndex: Int(index))
        var accumulator = LevelAccumulator(sampleRate: Int(max(decoder.codec.pointee.sample_rate, 1)))
        var converter = SampleConverter()
        while let frame = try decoder.nextFrame() {
            try converter.convert(frame, path: path) { samples, channels in
                accumulator.add(samples, channels: channels)
            }
        }
        guard accumulator.sampleCount > 0 else {
            throw MediaError(.decodeFailed, "The sound track could not be decoded.", path: path)
        }
        return accumulator.level
    }
}

/// Running peak and RMS figures over interleaved float samples.
struct LevelAccumulator {
    let momentFrames: Int
    private(set) var sampleCount = 0
    private var frames = 0
    private var peak: Float = 0
    private var totalSquares = 0.0
    private var momentSquares = 0.0
    private var momentSamples = 0
    private var momentFramesSoFar = 0
    private var loudestMoment = 0.0
    let sampleRate: Int

    init(sampleRate: Int) {
        self.sampleRate = sampleRate
        self.momentFrames = max(1, Int(Double(sampleRate) * AudioLevel.momentLength))
    }

    mutating func add(_ samples: UnsafeBufferPointer<Float>, channels: Int) {
        guard channels > 0 else { return }
        let frameCount = samples.count / channels
        var i = 0
        for _ in 0..<frameCount {
            for _ in 0..<channels {
                let value = samples[i]
                let magnitude = abs(value)
                if magnitude.isFinite {
                    if magnitude > peak { peak = magnitude }
                    let square = Double(value) * Double(value)
                    momentSquares += square
                    totalSquares += square
                }
                i += 1
            }
            momentSamples += channels
            momentFramesSoFar += 1
            if momentFramesSoFar == momentFrames { closeMoment() }
        }
        sampleCount += frameCount * channels
        frames += frameCount
    }

    private mutating func closeMoment() {
        if momentSamples > 0 { loudestMoment = max(loudestMoment, momentSquares / Double(momentSamples)) }
        momentSquares = 0
        momentSamples = 0
        momentFramesSoFar = 0
    }

    var level: AudioLevel {
        var copy = self
        // A track shorter than one moment still has a loudest moment: itself.
        if copy.momentSamples > 0, copy.momentFramesSoFar * 2 >= copy.momentFrames || copy.loudestMoment == 0 { copy.closeMoment() }
        return AudioLevel(
            peakDBFS: Self.decibels(amplitude: Double(copy.peak)),
            loudestDBFS: Self.decibels(power: copy.loudestMoment),
            averageDBFS: Self.decibels(power: copy.sampleCount > 0 ? copy.totalSquares / Double(copy.sampleCount) : 0),
            analysedSeconds: Double(copy.frames) / Double(sampleRate))
    }

    static func decibels(amplitude: Double) -> Double {
        amplitude > 0 ? max(AudioLevel.floorDBFS, 20 * log10(amplitude)) : AudioLevel.floorDBFS
    }

    static func decibels(power: Double) -> Double {
        power > 0 ? max(AudioLevel.floorDBFS, 10 * log10(power)) : AudioLevel.floorDBFS
    }
}

/// Converts decoded audio frames of any sample format to interleaved 32-bit float with libswresample.
struct SampleConverter: ~Copyable {
    private var context: OpaquePointer?
    private var buffer: [Float] = []
    private var configured: (format: Int32, rate: Int32, channels: Int32)?

    init() {}

    deinit {
        var pointer = context
        swr_free(&pointer)
    }

    mutating func convert(_ frame: UnsafeMutablePointer<AVFrame>, path: String, _ body: (UnsafeBufferPointer<Float>, Int) -> Void) throws(MediaError)
    {
        let channels = frame.pointee.ch_layout.nb_channels
        let count = Int(frame.pointee.nb_samples)
        guard channels > 0, count > 0 else { return }
        let shape = (frame.pointee.format, frame.pointee.sample_rate, channels)
        if configured == nil || configured! != shape {
            swr_free(&context)
            var outputLayout = frame.pointee.ch_layout
            var inputLayout = frame.pointee.ch_layout
            let result = swr_alloc_set_opts2(
                &context, &outputLayout, AV_SAMPLE_FMT_FLT, frame.pointee.sample_rate,
                &inputLayout, AVSampleFormat(rawValue: frame.pointee.format), frame.pointee.sample_rate, 0, nil)
            if result < 0 || swr_init(context) < 0 {
                throw MediaError(.decodeFailed, "The sound's sample format cannot be converted.", path: path)
            }
            configured = shape
        }
        let capacity = (count + 32) * Int(channels)
        if buffer.count < capacity { buffer = [Float](repeating: 0, count: capacity) }
        let converted: Int32 = buffer.withUnsafeMutableBufferPointer { out in
            var outPlane: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: UInt8.self)
            let input = UnsafeMutableRawPointer(frame.pointee.extended_data!).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
            return swr_convert(context, &outPlane, Int32(count + 32), input, Int32(count))
        }
        guard converted >= 0 else {
            throw MediaError(.decodeFailed, "The sound could not be converted for measuring.", path: path)
        }
        buffer.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[0..<Int(converted) * Int(channels)]), Int(channels))
        }
    }
}
