internal import CFFmpeg

/// Encodes a ``Picture`` as a JPEG (FFmpeg's mjpeg encoder) or WebP (libwebp) image.
public enum ImageEncoder {
    /// Encodes `picture`; `quality` runs from 1 (smallest) to 100 (best).
    public static func encode(_ picture: Picture, as format: ImageFormat, quality: Int = 80) throws(MediaError) -> [UInt8] {
        let name = format == .jpeg ? "mjpeg" : "libwebp"
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw MediaError(.unsupportedCodec, "This installation's FFmpeg has no \(name) encoder.")
        }
        guard let objects = CodecObjects.allocate(for: codec) else {
            throw MediaError(.encodeFailed, "Out of memory while encoding an image.")
        }
        defer { objects.release() }
        let (context, frame) = (objects.context, objects.frame)
        let clamped = min(max(quality, 1), 100)
        let pixelFormat = format == .jpeg ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P
        context.pointee.width = Int32(picture.width)
        context.pointee.height = Int32(picture.height)
        context.pointee.pix_fmt = pixelFormat
        context.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointee.color_range = picture.fullRange ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        if format == .jpeg {
            // mjpeg's scale: 2 (best) … 31 (worst).
            let scale = Int32(min(31, max(2, Int((31 - Double(clamped) * 0.29).rounded()))))
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = FF_QP2LAMBDA * scale
            frame.pointee.quality = context.pointee.global_quality
        } else {
            av_dict_set(&options, "quality", String(clamped), 0)
            av_dict_set(&options, "preset", "picture", 0)
        }
        var result = avcodec_open2(context, codec, &options)
        guard result >= 0 else {
            throw MediaError.ffmpeg(result, .encodeFailed, "The \(format.rawValue) encoder could not be started.", path: nil)
        }
        frame.pointee.color_range = context.pointee.color_range
        frame.pointee.pts = 0

        var bytes: [UInt8] = []
        result = picture.lend(to: frame, format: pixelFormat) {
            let sent = avcodec_send_frame(context, frame)
            return sent >= 0 ? avcodec_send_frame(context, nil) : sent
        }
        guard result >= 0 else {
            throw MediaError.ffmpeg(result, .encodeFailed, "Encoding the image failed.", path: nil)
        }
        try objects.drainPackets(failure: "Encoding the image failed.", path: nil) { packet throws(MediaError) in
            bytes.append(contentsOf: UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
        }
        guard !bytes.isEmpty else {
            throw MediaError(.encodeFailed, "The image encoder produced no output.")
        }
        return bytes
    }
}
