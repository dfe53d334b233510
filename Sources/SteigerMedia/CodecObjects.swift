internal import CFFmpeg

/// A codec context with the frame and packet that work with it: allocated together and
/// released together, so decoders and encoders share one correct path for both.
struct CodecObjects {
    let context: UnsafeMutablePointer<AVCodecContext>
    let frame: UnsafeMutablePointer<AVFrame>
    let packet: UnsafeMutablePointer<AVPacket>

    /// Allocates all three for `codec`, or none (nil when memory runs out).
    static func allocate(for codec: UnsafePointer<AVCodec>) -> CodecObjects? {
        var context = avcodec_alloc_context3(codec)
        var frame = av_frame_alloc()
        var packet = av_packet_alloc()
        guard let context, let frame, let packet else {
            avcodec_free_context(&context)
            av_frame_free(&frame)
            av_packet_free(&packet)
            return nil
        }
        return CodecObjects(context: context, frame: frame, packet: packet)
    }

    /// Hands every packet an encoder has ready to `sink`, until it needs more input or is done.
    func drainPackets(failure: String, path: String?, _ sink: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        while true {
            let received = avcodec_receive_packet(context, packet)
            if received == steiger_averror_eagain() || received == steiger_averror_eof() { return }
            guard received >= 0 else {
                throw MediaError.ffmpeg(received, .encodeFailed, failure, path: path)
            }
            defer { av_packet_unref(packet) }
            try sink(packet)
        }
    }

    /// Frees all three; call once, from the owner's `deinit`.
    func release() {
        var context: UnsafeMutablePointer<AVCodecContext>? = context
        avcodec_free_context(&context)
        var frame: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&frame)
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&packet)
    }
}
