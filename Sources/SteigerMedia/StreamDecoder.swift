internal import CFFmpeg

/// A decoder for one stream of an ``InputFile``, fed by the file's packets.
///
/// Owns its codec context, packet and frame and frees them on release. Packets of other
/// streams are skipped; a damaged packet is skipped and counted, and only a run of
/// failures ends the operation.
final class StreamDecoder {
    let input: InputFile
    let streamIndex: Int32
    let stream: UnsafeMutablePointer<AVStream>
    private let objects: CodecObjects
    var codec: UnsafeMutablePointer<AVCodecContext> { objects.context }
    private var packet: UnsafeMutablePointer<AVPacket> { objects.packet }
    var frame: UnsafeMutablePointer<AVFrame> { objects.frame }
    /// Presentation time, in seconds, of the file's start (subtracted from every frame time).
    let origin: Double

    /// Decide per packet (before it is sent) whether to decode it; nil decodes every packet.
    var shouldDecode: ((UnsafeMutablePointer<AVPacket>) -> Bool)?
    /// True once the decoder has given up its last frame.
    private(set) var reachedEnd = false
    private var draining = false
    private var consecutiveFailures = 0
    private var readFailures = 0

    /// Opens a decoder for stream `index` of `input`; `threads` 0 lets FFmpeg choose.
    init(input: InputFile, streamIndex index: Int, threads: Int = 1, threadType: Int32 = FF_THREAD_SLICE) throws(MediaError) {
        self.input = input
        guard index >= 0, index < Int(input.context.pointee.nb_streams), let stream = input.context.pointee.streams[index] else {
            throw MediaError(.invalidRequest, "Stream \(index) does not exist in this file.", path: input.path)
        }
        self.streamIndex = Int32(index)
        self.stream = stream
        self.origin = input.startSeconds
        let parameters: UnsafeMutablePointer<AVCodecParameters> = stream.pointee.codecpar
        guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw MediaError(.unsupportedCodec, "There is no decoder for the \(name) codec in this installation.", path: input.path)
        }
        guard let objects = CodecObjects.allocate(for: decoder) else {
            throw MediaError(.decodeFailed, "Out of memory while preparing the decoder.", path: input.path)
        }
        self.objects = objects
        let codec = objects.context
        // Fully initialised: from here, a throw releases self and deinit frees everything.
        var result = avcodec_parameters_to_context(codec, parameters)
        if result < 0 {
            throw MediaError.ffmpeg(result, .decodeFailed, "The stream's codec parameters are invalid.", path: input.path)
        }
        codec.pointee.pkt_timebase = stream.pointee.time_base
        codec.pointee.thread_count = Int32(max(threads, 0))
        codec.pointee.thread_type = threadType
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set_int(&options, "max_pixels", Int64(input.limits.maxPixels), 0)
        result = avcodec_open2(codec, decoder, &options)
        if result < 0 {
            throw MediaError.ffmpeg(result, .decodeFailed, "The stream's decoder could not be started.", path: input.path)
        }
    }

    deinit { objects.release() }

    /// The stream's time base.
    var timeBase: AVRational { stream.pointee.time_base }

    /// Seconds from the file's start for a timestamp in the stream's time base.
    func seconds(_ timestamp: Int64) -> Double {
        Double(timestamp) * av_q2d(timeBase) - origin
    }

    /// The stream timestamp for seconds from the file's start.
    func timestamp(_ seconds: Double) -> Int64 {
        let value = ((seconds + origin) * 1_000_000).rounded()
        let microseconds = value.isFinite ? Int64(min(max(value, -9e18), 9e18)) : 0
        return av_rescale_q(microseconds, steiger_time_base_q(), timeBase)
    }

    /// Time of the current ``frame`` in seconds from the file's start, or nil if it has none.
    var frameTime: Double? {
        let timestamp = frame.pointee.best_effort_timestamp != steiger_nopts_value() ? frame.pointee.best_effort_timestamp : frame.pointee.pts
        return timestamp == steiger_nopts_value() ? nil : seconds(timestamp)
    }

    /// Decodes until the next frame and returns it (valid until the next call), or nil
    /// once the stream is finished.
    func nextFrame() throws(MediaError) -> UnsafeMutablePointer<AVFrame>? {
        while true {
            if let frame = try receive() { return frame }
            if reachedEnd { return nil }
            if draining {  // drained and nothing more will come
                reachedEnd = true
                return nil
            }
            try input.operation.check()
            let read = av_read_frame(input.context, packet)
            if read < 0 {
                try input.operation.check()
                if read == steiger_averror_eof() || noteReadFailure() { startDraining() }
                continue
            }
            readFailures = 0
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex else { continue }
            if let shouldDecode, !shouldDecode(packet) { continue }
            try send(packet)
        }
    }

    /// Reads packets up to the next key packet of this stream and decodes only that one,
    /// draining the decoder so the picture comes out at once. Returns nil at the end.
    func nextKeyFrame() throws(MediaError) -> UnsafeMutablePointer<AVFrame>? {
        while true {
            try input.operation.check()
            let read = av_read_frame(input.context, packet)
            if read < 0 {
                try input.operation.check()
                if read == steiger_averror_eof() || noteReadFailure() { return nil }
                continue
            }
            readFailures = 0
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == streamIndex, packet.pointee.flags & AV_PKT_FLAG_KEY != 0 else { continue }
            let sent = avcodec_send_packet(codec, packet)
            if sent < 0 {
                try noteFailure(sent)
                continue
            }
            startDraining()
            if let frame = try nextFrame() { return frame }
            flush()
        }
    }

    /// Feeds one packet read by the caller (nil: the end of the stream). A damaged packet
    /// is counted and skipped.
    func send(_ packet: UnsafeMutablePointer<AVPacket>?) throws(MediaError) {
        guard let packet else {
            startDraining()
            return
        }
        let sent = avcodec_send_packet(codec, packet)
        if sent < 0, sent != steiger_averror_eagain() {
            try noteFailure(sent)
        }
    }

    /// The next decoded frame from what was sent (valid until the next call), or nil when
    /// the decoder needs more input or is finished.
    func receive() throws(MediaError) -> UnsafeMutablePointer<AVFrame>? {
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received >= 0 {
                consecutiveFailures = 0
                return frame
            }
            if received == steiger_averror_eagain() { return nil }
            if received == steiger_averror_eof() {
                reachedEnd = true
                return nil
            }
            try noteFailure(received)
        }
    }

    /// Tells the decoder no more packets follow, so it gives up frames it holds back.
    func startDraining() {
        if !draining {
            draining = true
            avcodec_send_packet(codec, nil)
        }
    }

    /// Forgets buffered packets and frames (after a seek or a drain).
    func flush() {
        avcodec_flush_buffers(codec)
        draining = false
        reachedEnd = false
    }

    /// Moves to the key frame at or before `seconds` and resets the decoder.
    func seek(to seconds: Double) throws(MediaError) {
        try seek(toTimestamp: timestamp(seconds))
    }

    /// Moves to the key frame at or before `timestamp` (stream time base) and resets the
    /// decoder; with `exactKeyFrame`, to the index entry at exactly that timestamp.
    func seek(toTimestamp target: Int64, exactKeyFrame: Bool = false) throws(MediaError) {
        var result = av_seek_frame(input.context, streamIndex, target, exactKeyFrame ? 0 : AVSEEK_FLAG_BACKWARD)
        if result < 0 {
            result = avformat_seek_file(input.context, streamIndex, Int64.min, target, target, 0)
        }
        try input.operation.check()
        if result < 0 {
            throw MediaError.ffmpeg(result, .decodeFailed, "Seeking in the file failed.", path: input.path)
        }
        flush()
    }

    /// A damaged stretch of the file: skip it, unless the damage goes on (then treat it as the end).
    /// Moves to the very start of the file and resets the decoder.
    func seekToStart() throws(MediaError) {
        let start = input.context.pointee.start_time == steiger_nopts_value() ? 0 : input.context.pointee.start_time
        var result = avformat_seek_file(input.context, -1, Int64.min, start, start, AVSEEK_FLAG_BACKWARD)
        if result < 0 { result = av_seek_frame(input.context, -1, start, AVSEEK_FLAG_BACKWARD) }
        if result < 0, let pb = input.context.pointee.pb {
            // Last resort for formats that cannot seek by time: back to the first byte.
            result = avio_seek(pb, 0, SEEK_SET) >= 0 ? avformat_flush(input.context) : -1
        }
        try input.operation.check()
        if result < 0 {
            throw MediaError.ffmpeg(result, .decodeFailed, "Seeking to the start of the file failed.", path: input.path)
        }
        flush()
    }

    private func noteReadFailure() -> Bool {
        readFailures += 1
        return readFailures > 64
    }

    private func noteFailure(_ code: Int32) throws(MediaError) {
        try input.operation.check()
        consecutiveFailures += 1
        if consecutiveFailures > 64 {
            throw MediaError.ffmpeg(code, .decodeFailed, "The stream is too damaged to decode.", path: input.path)
        }
    }
}
