internal import CFFmpeg

/// An AAC encoder for web renditions: stereo, 48 kHz, fed decoded audio of any format.
///
/// Resamples with libswresample and buffers in an `AVAudioFifo`, because AAC takes frames of
/// exactly 1024 samples. Output timestamps count samples from the first audio frame's time,
/// so sound stays where it was relative to the picture.
final class AudioEncoder {
    static let sampleRate: Int32 = 48_000
    private let objects: CodecObjects
    private let fifo: OpaquePointer
    var context: UnsafeMutablePointer<AVCodecContext> { objects.context }
    private var frame: UnsafeMutablePointer<AVFrame> { objects.frame }
    private var resampler: OpaquePointer?
    private var resamplerInput: (format: Int32, rate: Int32, order: UInt32, mask: UInt64, channels: Int32)?
    /// Samples already handed to the FIFO, counted from the first audio frame's position.
    private var samplesQueued: Int64 = 0
    /// Output position of the first audio sample.
    private var firstPTS: Int64 = 0
    private var nextPTS: Int64?
    private let path: String

    /// Opens the AAC encoder at `bitRate` bits per second.
    init(bitRate: Int, globalHeader: Bool, path: String) throws(MediaError) {
        self.path = path
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_AAC) else {
            throw MediaError(.unsupportedCodec, "This installation's FFmpeg has no AAC encoder.", path: path)
        }
        let objects = CodecObjects.allocate(for: codec)
        let fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, 2, 4096)
        guard let objects, let fifo else {
            objects?.release()
            if let fifo { av_audio_fifo_free(fifo) }
            throw MediaError(.encodeFailed, "Out of memory while preparing the audio encoder.", path: path)
        }
        self.objects = objects
        self.fifo = fifo
        let context = objects.context
        context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
        context.pointee.sample_rate = Self.sampleRate
        av_channel_layout_default(&context.pointee.ch_layout, 2)
        context.pointee.bit_rate = Int64(bitRate)
        context.pointee.time_base = AVRational(num: 1, den: Self.sampleRate)
        if globalHeader { context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        let result = avcodec_open2(context, codec, nil)
        guard result >= 0 else {
            throw MediaError.ffmpeg(result, .encodeFailed, "The AAC encoder could not be started.", path: path)
        }
    }

    deinit {
        objects.release()
        av_audio_fifo_free(fifo)
        swr_free(&resampler)
    }

    /// Adds a decoded frame shown at `time` seconds from the start of the output.
    func add(
        _ decoded: UnsafeMutablePointer<AVFrame>, time: Double?, _ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void
    ) throws(MediaError) {
        let position = time.map { ($0 * Double(Self.sampleRate)).rounded() }
        if let position, !(position.isFinite && abs(position) < 1e15) {
            throw MediaError(.corrupt, "The sound's timestamps are impossible.", path: path)
        }
        if nextPTS == nil {
            nextPTS = Int64(max(position ?? 0, 0))
            firstPTS = nextPTS ?? 0
        }
        // A gap in the source's sound (a dropped stretch, a damaged packet) is filled with
        // silence, so everything after it stays in sync with the picture.
        if let position {
            let expected = firstPTS + samplesQueued
            let gap = Int64(position) - expected
            if gap > Int64(Self.sampleRate) / 10 {
                guard gap < Int64(Self.sampleRate) * 3600 else {
                    throw MediaError(.corrupt, "The sound track jumps ahead by more than an hour.", path: path)
                }
                try enqueueSilence(Int32(gap))
            }
        }
        try configureResampler(for: decoded)
        let inputCount = Int32(decoded.pointee.nb_samples)
        let capacity = swr_get_out_samples(resampler, inputCount)
        guard capacity >= 0 else { return }
        var planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?
        var lineSize: Int32 = 0
        guard av_samples_alloc_array_and_samples(&planes, &lineSize, 2, max(capacity, 1), AV_SAMPLE_FMT_FLTP, 0) >= 0, let planes else {
            throw MediaError(.encodeFailed, "Out of memory while resampling audio.", path: path)
        }
        defer {
            av_freep(UnsafeMutableRawPointer(planes))
            var array: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>? = planes
            av_freep(&array)
        }
        let input = UnsafeMutableRawPointer(decoded.pointee.extended_data!).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        let converted = swr_convert(resampler, planes, capacity, input, inputCount)
        guard converted >= 0 else {
            throw MediaError.ffmpeg(converted, .encodeFailed, "Resampling audio failed.", path: path)
        }
        try enqueue(planes, count: converted)
        try encodeFullFrames(sink)
    }

    /// Encodes what is left (the last, shorter frame) and flushes the encoder.
    func finish(_ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        try flushResampler()
        try encodeFullFrames(sink)
        let remaining = av_audio_fifo_size(fifo)
        if remaining > 0 { try encodeFrame(count: remaining, sink) }
        avcodec_send_frame(context, nil)
        try drain(sink)
    }

    /// Moves the samples still inside the resampler's filter into the FIFO.
    private func flushResampler() throws(MediaError) {
        guard let resampler else { return }
        var planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?
        var lineSize: Int32 = 0
        guard av_samples_alloc_array_and_samples(&planes, &lineSize, 2, 4096, AV_SAMPLE_FMT_FLTP, 0) >= 0, let planes else {
            throw MediaError(.encodeFailed, "Out of memory while resampling audio.", path: path)
        }
        defer {
            av_freep(UnsafeMutableRawPointer(planes))
            var array: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>? = planes
            av_freep(&array)
        }
        while true {
            let flushed = swr_convert(resampler, planes, 4096, nil, 0)
            guard flushed > 0 else { return }
            try enqueue(planes, count: flushed)
        }
    }

    /// Adds `count` samples of silence.
    private func enqueueSilence(_ count: Int32) throws(MediaError) {
        var remaining = count
        var zeros = [Float](repeating: 0, count: 4096)
        while remaining > 0 {
            let chunk = min(remaining, 4096)
            let written = zeros.withUnsafeMutableBytes { buffer -> Int32 in
                var planes: [UnsafeMutableRawPointer?] = [buffer.baseAddress, buffer.baseAddress]
                return av_audio_fifo_write(fifo, &planes, chunk)
            }
            guard written == chunk else {
                throw MediaError(.encodeFailed, "Out of memory while buffering audio.", path: path)
            }
            samplesQueued += Int64(chunk)
            remaining -= chunk
        }
    }

    private func configureResampler(for decoded: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let layout = decoded.pointee.ch_layout
        let rate = decoded.pointee.sample_rate
        guard (1_000...768_000).contains(rate), (1...64).contains(layout.nb_channels) else {
            throw MediaError(.corrupt, "The sound track claims \(layout.nb_channels) channels at \(rate) Hz, which no recording has.", path: path)
        }
        let shape = (
            decoded.pointee.format, rate, layout.order.rawValue,
            layout.order == AV_CHANNEL_ORDER_NATIVE ? layout.u.mask : 0, layout.nb_channels
        )
        if let current = resamplerInput, current == shape { return }
        try flushResampler()  // keep what the old filter still holds
        swr_free(&resampler)
        var inputLayout = decoded.pointee.ch_layout
        if inputLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&inputLayout, inputLayout.nb_channels)
        }
        var outputLayout = context.pointee.ch_layout
        let result = swr_alloc_set_opts2(
            &resampler, &outputLayout, AV_SAMPLE_FMT_FLTP, Self.sampleRate,
            &inputLayout, AVSampleFormat(rawValue: decoded.pointee.format), decoded.pointee.sample_rate, 0, nil)
        guard result >= 0, swr_init(resampler) >= 0 else {
            throw MediaError(.encodeFailed, "The sound's format cannot be converted to 48 kHz stereo.", path: path)
        }
        resamplerInput = shape
    }

    private func enqueue(_ planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, count: Int32) throws(MediaError) {
        guard count > 0 else { return }
        let written = planes.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 2) {
            av_audio_fifo_write(fifo, $0, count)
        }
        guard written >= count else {
            throw MediaError(.encodeFailed, "Out of memory while buffering audio.", path: path)
        }
        samplesQueued += Int64(count)
    }

    private func encodeFullFrames(_ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        let frameSize = max(context.pointee.frame_size, 1)
        while av_audio_fifo_size(fifo) >= frameSize {
            try encodeFrame(count: frameSize, sink)
        }
    }

    private func encodeFrame(count: Int32, _ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        av_frame_unref(frame)
        frame.pointee.nb_samples = count
        frame.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        frame.pointee.sample_rate = Self.sampleRate
        av_channel_layout_copy(&frame.pointee.ch_layout, &context.pointee.ch_layout)
        guard av_frame_get_buffer(frame, 0) >= 0 else {
            throw MediaError(.encodeFailed, "Out of memory while encoding audio.", path: path)
        }
        let read = frame.pointee.extended_data!.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 2) {
            av_audio_fifo_read(fifo, $0, count)
        }
        guard read == count else {
            throw MediaError(.encodeFailed, "Reading buffered audio failed.", path: path)
        }
        frame.pointee.pts = nextPTS ?? 0
        nextPTS = (nextPTS ?? 0) + Int64(count)
        let sent = avcodec_send_frame(context, frame)
        guard sent >= 0 else {
            throw MediaError.ffmpeg(sent, .encodeFailed, "Encoding audio failed.", path: path)
        }
        try drain(sink)
    }

    private func drain(_ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        try objects.drainPackets(failure: "Encoding audio failed.", path: path, sink)
    }
}
