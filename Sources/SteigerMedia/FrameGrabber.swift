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
    /// Index timestamp of the key frame ``current`` holds, when it came from a lone key-frame decode.
    private var currentKey: Int64?
    private static let epsilon = 0.001

    /// Pictures are for small previews: lone key frames may skip the deblocking filter,
    /// which is invisible once scaled down and saves a fifth of the decoding.
    let forPreview: Bool

    init(input: InputFile, streamIndex: Int, threads: Int = 1, forPreview: Bool = false) throws(MediaError) {
        self.forPreview = forPreview
        input.loadDeferredIndex()
        decoder = try StreamDecoder(
            input: input, streamIndex: streamIndex, threads: threads,
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
        // Index timestamps are decode times in MP4; with B-frames a frame shows a constant
        // reorder delay later. The stream's start time minus its first index entry is that delay.
        var shift: Int64 = 0
        if count > 0, let first = avformat_index_get_entry(stream, 0), stream.pointee.start_time != steiger_nopts_value() {
            let delay = stream.pointee.start_time - first.pointee.timestamp
            if delay > 0, Double(delay) * av_q2d(stream.pointee.time_base) < 1 { shift = delay }
        }
        for i in 0..<count {
            guard let entry = avformat_index_get_entry(stream, i), entry.pointee.flags & AVINDEX_KEYFRAME != 0 else { continue }
            keys.append(KeyFrame(timestamp: entry.pointee.timestamp, time: decoder.seconds(entry.pointee.timestamp + shift)))
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
            if let time = currentTime, currentKey == key.timestamp {
                return (current, time)
            }
            try decoder.seek(toTimestamp: key.timestamp, exactKeyFrame: true)
            // Nothing is predicted from a lone key frame, so skipping its loop filter cannot spread.
            if forPreview { decoder.codec.pointee.skip_loop_filter = AVDISCARD_ALL }
            defer { decoder.codec.pointee.skip_loop_filter = AVDISCARD_DEFAULT }
            if let frame = try decoder.nextKeyFrame() {
                keep(frame)
                currentKey = key.timestamp
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
    ///
    /// Continues from the current position when that is on the way; otherwise seeks, and
    /// checks the seek: formats without a real index (MPEG-PS, some AVI) seek by guessing
    /// byte positions and can land past the time or at the end, so it retries from further
    /// back, finally from the start of the file.
    private func decodeForward(to time: Double) throws(MediaError) -> (frame: UnsafeMutablePointer<AVFrame>, time: Double) {
        let before = keyFrames.last { $0.time <= time + Self.epsilon }
        if streaming {
            var onTheWay = true
            if let position = currentTime {
                if position >= time - Self.epsilon { return (current, position) }
                // Jump ahead when a key frame lies well past the current position.
                if let before, before.time > position + max(1, 8 * frameDuration) { onTheWay = false }
            } else if let before, before.time > max(1, 8 * frameDuration) {
                onTheWay = false
            }
            if onTheWay {
                if let found = try readForward(to: time, rejectOvershoot: false) { return found }
                if let last = currentTime { return (current, last) }
            }
        }
        enum Start { case keyFrame(Int64), time(Double), fileStart }
        var starts: [Start] = before.map { [.keyFrame($0.timestamp)] } ?? []
        starts += [.time(time), .time(time - 2), .time(time - 10), .fileStart]
        for (n, start) in starts.enumerated() {
            do {
                switch start {
                case .keyFrame(let timestamp): try decoder.seek(toTimestamp: timestamp, exactKeyFrame: true)
                case .time(let seconds): try decoder.seek(to: max(seconds, 0))
                case .fileStart: try decoder.seekToStart()
                }
            } catch  where error.code == .decodeFailed {
                continue  // this kind of seek is not possible here; try the next
            }
            currentTime = nil
            currentKey = nil
            av_frame_unref(current)
            streaming = true
            if let found = try readForward(to: time, rejectOvershoot: n < starts.count - 1) { return found }
            if n == starts.count - 1, let last = currentTime { return (current, last) }
        }
        throw MediaError(.decodeFailed, "No picture could be decoded from the video.", path: decoder.input.path)
    }

    /// Decodes until a frame at or after `time`. Returns nil when no frame came at all, or
    /// (with `rejectOvershoot`) when the first frame is already later than `time`.
    private func readForward(to time: Double, rejectOvershoot: Bool) throws(MediaError) -> (frame: UnsafeMutablePointer<AVFrame>, time: Double)? {
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
        var first = currentTime == nil
        while let frame = try decoder.nextFrame() {
            let frameTime = decoder.frameTime ?? (currentTime.map { $0 + frameDuration } ?? 0)
            if first, rejectOvershoot, frameTime > time + max(frameDuration, 0.05) { return nil }
            first = false
            keep(frame, time: frameTime)
            if frameTime >= time - Self.epsilon { return (current, frameTime) }
        }
        return nil
    }

    private func keep(_ frame: UnsafeMutablePointer<AVFrame>, time: Double? = nil) {
        currentKey = nil
        av_frame_unref(current)
        av_frame_ref(current, frame)
        currentTime = time ?? decoder.frameTime
    }
}
