internal import CFFmpeg

/// Takes decoded pictures from a video stream at a series of increasing times, doing as
/// little decoding as each time's precision allows.
///
/// - Key frames known from the file's index are decoded alone (seek, one packet, drain).
/// - Otherwise it seeks to the key frame before the time and decodes forward, skipping
///   frames nothing refers to until shortly before the time.
/// - Times in increasing order reuse the decoder's position instead of seeking back, so
///   a file without an index (browser WebM) is read once from start to end.
final class FrameGrabber {
    /// A time to take a picture at, and the span in which a key frame may stand in for it.
    struct Target: Sendable {
        var time: Double
        var window: Range<Double>
    }

    /// A key frame from the index: its timestamp (stream time base) and its time in seconds.
    struct KeyFrame {
        var timestamp: Int64
        var time: Double
    }

    let decoder: StreamDecoder
    /// Key frames from the index, in time order; empty when the file has no index.
    let keyFrames: [KeyFrame]
    /// Duration of one frame in seconds, from the stream's frame rate.
    let frameDuration: Double
    private let current: UnsafeMutablePointer<AVFrame>
    private var currentTime: Double?
    /// The decoder is reading forward from a known place (start of file or a seek) rather
    /// than drained after a lone key frame.
    private var streaming = true
    /// The last time asked for: asking for an earlier one needs a seek back.
    private var lastTarget = -Double.infinity
    private static let epsilon = 0.001

    /// Pictures are for small previews: lone key frames may skip the deblocking filter,
    /// which is invisible once scaled down and saves a fifth of the decoding.
    let forPreview: Bool

    init(input: InputFile, streamIndex: Int, threads: Int = 1, forPreview: Bool = false) throws(MediaError) {
        self.forPreview = forPreview
        input.loadDeferredIndex()
        decoder = try StreamDecoder(input: input, streamIndex: streamIndex, threads: threads,
                                    threadType: threads > 1 ? FF_THREAD_FRAME : FF_THREAD_SLICE)
        guard let frame = av_frame_alloc() else {
            throw MediaError(.decodeFailed, "Out of memory while preparing the decoder.", path: input.path)
        }
        current = frame
        let stream = decoder.stream
        for other in input.streams where other != stream { other.pointee.discard = AVDISCARD_ALL }
        var keys: [KeyFrame] = []
        let count = avformat_index_get_entries_count(stream)
        keys.reserveCapacity(Int(count) / 16)
        for i in 0..<count {
            guard let entry = avformat_index_get_entry(stream, i), entry.pointee.flags & AVINDEX_KEYFRAME != 0 else { continue }
            keys.append(KeyFrame(timestamp: entry.pointee.timestamp, time: decoder.seconds(entry.pointee.timestamp)))
        }
        keyFrames = keys.sorted { $0.time < $1.time }
        let rate = stream.pointee.avg_frame_rate.num > 0 ? stream.pointee.avg_frame_rate : stream.pointee.r_frame_rate
        let seconds = rate.num > 0 && rate.den > 0 ? Double(rate.den) / Double(rate.num) : 1.0 / 30
        frameDuration = min(max(seconds, 1.0 / 240), 1)
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = current
        av_frame_free(&frame)
    }

    /// Whether the file's index lists key frames.
    var hasIndex: Bool { !keyFrames.isEmpty }

    /// The picture for `target`, valid until the next call, and its time in seconds.
    func grab(_ target: Target, precision: FramePrecision) throws(MediaError) -> (frame: UnsafeMutablePointer<AVFrame>, time: Double) {
        if target.time < lastTarget { streaming = false }
        lastTarget = target.time
        if precision != .exact, let key = keyFrame(for: target, precision: precision) {
            if let time = currentTime, abs(time - key.time) < frameDuration / 2 {
                return (current, time)
            }
            try decoder.seek(toTimestamp: key.timestamp, exactKeyFrame: true)
            // Nothing is predicted from a lone key frame, so skipping its loop filter cannot spread.
            if forPreview { decoder.codec.pointee.skip_loop_filter = AVDISCARD_ALL }
            defer { decoder.codec.pointee.skip_loop_filter = AVDISCARD_DEFAULT }
            if let frame = try decoder.nextKeyFrame() {
                keep(frame)
                streaming = false
                return (current, currentTime ?? key.time)
            }
            streaming = false
        }
        return try decodeForward(to: target.time)
    }

    private func keyFrame(for target: Target, precision: FramePrecision) -> KeyFrame? {
        guard !keyFrames.isEmpty else { return nil }
        // Binary search for the first key frame at or after the time.
        var low = 0, high = keyFrames.count
        while low < high {
            let mid = (low + high) / 2
            if keyFrames[mid].time < target.time { low = mid + 1 } else { high = mid }
        }
        let candidates = [low - 1, low].filter { $0 >= 0 && $0 < keyFrames.count }.map { keyFrames[$0] }
        let nearest = candidates.min { abs($0.time - target.time) < abs($1.time - target.time) }
        switch precision {
        case .keyframe: return nearest
        case .fast:
            let inside = candidates.filter { target.window.contains($0.time) }
            return inside.min { abs($0.time - target.time) < abs($1.time - target.time) }
        case .exact: return nil
        }
    }

    /// Decodes forward to the first frame at or after `time` (or the last frame, at the end).
    private func decodeForward(to time: Double) throws(MediaError) -> (frame: UnsafeMutablePointer<AVFrame>, time: Double) {
        let before = keyFrames.last { $0.time <= time + Self.epsilon }
        var seekNeeded: Bool
        if streaming, let position = currentTime {
            if position >= time - Self.epsilon { return (current, position) }
            // Jump ahead when a key frame lies well past the current position.
            seekNeeded = before.map { $0.time > position + max(1, 8 * frameDuration) } ?? false
        } else if streaming {
            seekNeeded = before.map { $0.time > max(1, 8 * frameDuration) } ?? false
        } else {
            seekNeeded = true
        }
        if seekNeeded {
            if let before {
                // Straight to that index entry: a backward seek to a key frame's timestamp can
                // land on the key frame before it (MP4 compares presentation times).
                try decoder.seek(toTimestamp: before.timestamp, exactKeyFrame: true)
            } else {
                try decoder.seek(to: time)
            }
            currentTime = nil
            av_frame_unref(current)
            streaming = true
        }
        // Frames nobody refers to can be skipped until shortly before the time asked for.
        let codec = decoder.codec
        let cutoff = decoder.timestamp(time - max(0.25, 4 * frameDuration))
        decoder.shouldDecode = { packet in
            let pts = packet.pointee.pts
            codec.pointee.skip_frame = pts != steiger_nopts_value() && pts < cutoff ? AVDISCARD_NONREF : AVDISCARD_DEFAULT
            return true
        }
        defer {
            decoder.shouldDecode = nil
            codec.pointee.skip_frame = AVDISCARD_DEFAULT
        }
        while let frame = try decoder.nextFrame() {
            let frameTime = decoder.frameTime ?? (currentTime.map { $0 + frameDuration } ?? 0)
            keep(frame, time: frameTime)
            if frameTime >= time - Self.epsilon { return (current, frameTime) }
        }
        guard let last = currentTime else {
            throw MediaError(.decodeFailed, "No picture could be decoded from the video.", path: decoder.input.path)
        }
        return (current, last)
    }

    private func keep(_ frame: UnsafeMutablePointer<AVFrame>, time: Double? = nil) {
        av_frame_unref(current)
        av_frame_ref(current, frame)
        currentTime = time ?? decoder.frameTime
    }
}
