internal import CFFmpeg

/// An H.264 encoder (libx264) for web renditions: 8-bit 4:2:0, BT.709, square pixels.
final class VideoEncoder {
    private let objects: CodecObjects
    private let path: String
    var context: UnsafeMutablePointer<AVCodecContext> { objects.context }
    private var frame: UnsafeMutablePointer<AVFrame> { objects.frame }

    /// Opens libx264 for `width`×`height` pictures timed in `timeBase`.
    /// The colour description written into the stream: BT.709 for HD and everything converted,
    /// BT.601 (SMPTE 170M) for SD kept as it was.
    struct Colour {
        var matrix: AVColorSpace
        var primaries: AVColorPrimaries
        var transfer: AVColorTransferCharacteristic

        static let bt709 = Colour(matrix: AVCOL_SPC_BT709, primaries: AVCOL_PRI_BT709, transfer: AVCOL_TRC_BT709)
        static let bt601 = Colour(matrix: AVCOL_SPC_SMPTE170M, primaries: AVCOL_PRI_SMPTE170M, transfer: AVCOL_TRC_SMPTE170M)

        /// swscale's matrix constant for this colour.
        var swscaleMatrix: Int32 { matrix == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_ITU601 }
    }

    init(
        width: Int, height: Int, timeBase: AVRational, frameRate: AVRational, colour: Colour = .bt709, options: TranscodeOptions,
        globalHeader: Bool, path: String
    ) throws(MediaError) {
        self.path = path
        guard let codec = avcodec_find_encoder_by_name("libx264") else {
            throw MediaError(.unsupportedCodec, "This installation's FFmpeg has no libx264 encoder.", path: path)
        }
        guard let objects = CodecObjects.allocate(for: codec) else {
            throw MediaError(.encodeFailed, "Out of memory while preparing the video encoder.", path: path)
        }
        self.objects = objects
        let context = objects.context
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        context.pointee.time_base = timeBase
        context.pointee.framerate = frameRate
        context.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        context.pointee.color_range = AVCOL_RANGE_MPEG
        context.pointee.colorspace = colour.matrix
        context.pointee.color_primaries = colour.primaries
        context.pointee.color_trc = colour.transfer
        context.pointee.thread_count = Int32(max(options.threads, 0))
        let fps = frameRate.num > 0 && frameRate.den > 0 ? Double(frameRate.num) / Double(frameRate.den) : 30
        context.pointee.gop_size = Int32(max(1, (fps * options.keyFrameInterval).rounded()))
        if globalHeader { context.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        av_dict_set(&dictionary, "preset", options.preset, 0)
        av_dict_set(&dictionary, "crf", String(options.crf), 0)
        av_dict_set(&dictionary, "profile", "high", 0)
        let result = avcodec_open2(context, codec, &dictionary)
        guard result >= 0 else {
            throw MediaError.ffmpeg(
                result, .encodeFailed, "The H.264 encoder could not be started (preset \(options.preset), CRF \(options.crf)).", path: path)
        }
    }

    deinit { objects.release() }

    /// Encodes one picture shown at `pts` (encoder time base); finished packets go to `sink`.
    func encode(_ picture: Picture, pts: Int64, _ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        frame.pointee.pts = pts
        let sent = picture.lend(to: frame, format: AV_PIX_FMT_YUV420P) { avcodec_send_frame(context, frame) }
        guard sent >= 0 else {
            throw MediaError.ffmpeg(sent, .encodeFailed, "Encoding a video frame failed.", path: path)
        }
        try drain(sink)
    }

    /// A new reference-counted frame of the encoder's size and format, to draw into and pass to
    /// ``encode(frame:pts:_:)``.
    func makeFrame() throws(MediaError) -> UnsafeMutablePointer<AVFrame> {
        guard let frame = av_frame_alloc() else {
            throw MediaError(.encodeFailed, "Out of memory while encoding video.", path: path)
        }
        frame.pointee.width = context.pointee.width
        frame.pointee.height = context.pointee.height
        frame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        guard av_frame_get_buffer(frame, 0) >= 0 else {
            var pointer: UnsafeMutablePointer<AVFrame>? = frame
            av_frame_free(&pointer)
            throw MediaError(.encodeFailed, "Out of memory while encoding video.", path: path)
        }
        return frame
    }

    /// Encodes a reference-counted frame (from ``makeFrame()``) shown at `pts`; frees it.
    func encode(
        frame: UnsafeMutablePointer<AVFrame>, pts: Int64, _ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void
    ) throws(MediaError) {
        var pointer: UnsafeMutablePointer<AVFrame>? = frame
        defer { av_frame_free(&pointer) }
        frame.pointee.pts = pts
        let sent = avcodec_send_frame(context, frame)
        guard sent >= 0 else {
            throw MediaError.ffmpeg(sent, .encodeFailed, "Encoding a video frame failed.", path: path)
        }
        try drain(sink)
    }

    /// Flushes the frames the encoder still holds.
    func finish(_ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        avcodec_send_frame(context, nil)
        try drain(sink)
    }

    private func drain(_ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        try objects.drainPackets(failure: "Encoding video failed.", path: path, sink)
    }
}
