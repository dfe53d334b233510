internal import CFFmpeg

/// An untrusted media file opened for reading within ``InputLimits``.
///
/// Opening does, in order: check the path is a non-empty regular file; detect the format
/// from the bytes alone (never the name); refuse formats outside the allowed list with a
/// message saying what the file really is; check MP4 box structure for truncation; open
/// with `protocol_whitelist=file` and the `format_whitelist`; read stream parameters with
/// decoders capped at `max_pixels`; and check stream count and picture dimensions.
/// The FFmpeg context is closed when the value is released, on every path.
final class InputFile {
    let path: String
    let limits: InputLimits
    let operation: OperationGuard
    /// Size of the file in bytes.
    let fileSize: Int64
    /// The demuxer that reads the file, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
    let demuxerName: String
    /// Top-level structure, for MP4/QuickTime files.
    let layout: ContainerLayout?
    /// "webm" or "matroska" for Matroska files.
    let matroskaDocType: String?
    /// For Matroska files, whether they have a seek index (Cues).
    let matroskaHasCues: Bool?
    let context: UnsafeMutablePointer<AVFormatContext>

    /// Opens `path` for an operation whose deadline and cancellation `operation` carries;
    /// every file an operation opens shares one guard, so reopening never extends the deadline.
    init(path: String, limits: InputLimits = .default, operation: OperationGuard) throws(MediaError) {
        FFmpegLog.configureOnce()
        self.path = path
        self.limits = limits
        self.operation = operation

        let reader = try FileReader(path: path)
        guard reader.size > 0 else {
            throw MediaError(
                .emptyFile, "The file is empty (0 bytes). The upload or recording may have failed; please record or upload it again.", path: path)
        }
        fileSize = reader.size
        let format = try Self.detectFormat(reader, limits: limits)
        demuxerName = String(cString: format.pointee.name)

        if Self.isQuickTimeFamily(demuxerName) {
            let scanned = try ContainerLayout.scanBoxes(reader)
            if let expected = scanned.expectedSize, expected > 1 << 40 {
                throw MediaError(
                    .corrupt,
                    "The file is damaged: a part of its structure claims \(expected) bytes, more than any recording has.",
                    path: path)
            }
            if let expected = scanned.expectedSize {
                throw MediaError(
                    .truncated,
                    "The file is incomplete: it ends after \(reader.size) bytes but its structure needs \(expected). The recording or upload was probably cut off; please upload it again.",
                    path: path)
            }
            if !scanned.boxes.contains(where: { $0.type == "moov" }) {
                throw MediaError(
                    .truncated,
                    "The file has no index (moov box), which happens when a recording is not finished properly. Please upload the complete file.",
                    path: path)
            }
            layout = scanned
        } else {
            layout = nil
        }
        let isMatroska = demuxerName.hasPrefix("matroska")
        matroskaDocType = isMatroska ? try ContainerLayout.matroskaDocType(reader) : nil
        matroskaHasCues = isMatroska ? try ContainerLayout.matroskaHasCues(reader) : nil

        context = try Self.open(path: path, format: format, limits: limits, operation: operation)
        // From here on the object is fully initialised: a throw releases it and deinit closes the context.
        try checkStreams(final: false)  // what the headers claim, before any decoder sees it
        try findStreamInfo()
        try checkStreams(final: true)  // what the decoders found
        try checkIndexAgainstFileSize()
    }

    deinit {
        var pointer: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&pointer)
    }

    /// Streams of the file, in order.
    var streams: [UnsafeMutablePointer<AVStream>] {
        (0..<Int(context.pointee.nb_streams)).compactMap { context.pointee.streams[$0] }
    }

    /// The presentation time origin of the file in seconds (its first timestamp).
    var startSeconds: Double {
        let start = context.pointee.start_time
        return start == steiger_nopts_value() ? 0 : Double(start) / Double(AV_TIME_BASE)
    }

    /// Makes a Matroska demuxer read Cues stored at the end of the file (it defers them
    /// until a seek needs them), so index entries are known before planning seeks.
    func loadDeferredIndex() {
        guard matroskaHasCues == true, !streams.contains(where: { avformat_index_get_entries_count($0) > 0 }) else { return }
        let start = context.pointee.start_time == steiger_nopts_value() ? 0 : context.pointee.start_time
        _ = av_seek_frame(context, -1, start, AVSEEK_FLAG_BACKWARD)
    }

    static func isQuickTimeFamily(_ demuxer: String) -> Bool { demuxer.hasPrefix("mov,") }

    // MARK: - Opening

    private static func detectFormat(_ reader: borrowing FileReader, limits: InputLimits) throws(MediaError) -> UnsafePointer<AVInputFormat> {
        let path = reader.path
        var size = 2048
        var best: UnsafePointer<AVInputFormat>?
        var score: Int32 = 0
        while true {
            let bytes = try reader.read(at: 0, count: size)
            var padded = bytes + [UInt8](repeating: 0, count: Int(AVPROBE_PADDING_SIZE))
            let found: UnsafePointer<AVInputFormat>? = padded.withUnsafeMutableBufferPointer { buffer in
                "".withCString { emptyName in
                    var probe = AVProbeData(filename: emptyName, buf: buffer.baseAddress, buf_size: Int32(bytes.count), mime_type: nil)
                    return av_probe_input_format3(&probe, 1, &score)
                }
            }
            best = found
            if (found != nil && score > AVPROBE_SCORE_RETRY) || Int64(bytes.count) >= reader.size || size >= 1 << 20 { break }
            size *= 2
        }
        guard let format = best else {
            throw MediaError(
                .notMedia,
                "This is not an audio or video file that can be read. Please upload a video recording (for example MP4, MOV, WebM or MKV).",
                path: path)
        }
        let name = String(cString: format.pointee.name)
        let allowed = Set(limits.allowedFormats)
        guard name.split(separator: ",").contains(where: { allowed.contains(String($0)) }) else {
            let longName = format.pointee.long_name.map { String(cString: $0) } ?? name
            let playlist = ["hls", "concat", "dash", "image2", "mpjpeg", "ffmetadata", "tee"].contains(name)
            let why =
                playlist
                ? "Playlists and file lists can make a player read other files, so they are never opened."
                : "It is not one of the accepted recording formats."
            throw MediaError(
                .unsupportedContainer,
                "This file is not a video recording: its format is “\(longName)” (\(name)). \(why) Please upload the recording itself (for example MP4, MOV, WebM or MKV).",
                path: path)
        }
        return format
    }

    private static func open(
        path: String, format: UnsafePointer<AVInputFormat>, limits: InputLimits, operation: OperationGuard
    ) throws(MediaError) -> UnsafeMutablePointer<AVFormatContext> {
        guard let context = avformat_alloc_context() else {
            throw MediaError(.unreadable, "Out of memory while opening the file.", path: path)
        }
        context.pointee.interrupt_callback = operation.interruptCallback
        var options: OpaquePointer?
        defer { av_dict_free(&options) }
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        av_dict_set(&options, "format_whitelist", limits.allowedFormats.joined(separator: ","), 0)
        av_dict_set_int(&options, "probesize", Int64(limits.probeSize), 0)
        av_dict_set_int(&options, "analyzeduration", Int64(limits.analyzeDuration), 0)
        av_dict_set_int(&options, "max_streams", Int64(max(limits.maxStreams * 8, 256)), 0)
        av_dict_set(&options, "enable_drefs", "0", 0)
        av_dict_set(&options, "use_absolute_path", "0", 0)

        var contextPointer: UnsafeMutablePointer<AVFormatContext>? = context
        let result = avformat_open_input(&contextPointer, "file:" + path, format, &options)
        guard result >= 0, let opened = contextPointer, opened == context else {
            // avformat_open_input frees the context on failure. A demuxer interrupted by the
            // deadline often reports damaged data: the deadline is the real cause.
            try operation.check()
            // Only operating-system failures mean the file itself cannot be read; anything the
            // demuxer reports (damaged data, an unsupported feature) is about its contents.
            let systemFailures = [EACCES, EIO, ENOENT, EISDIR, EMFILE, ENFILE].map { steiger_averror($0) }
            if systemFailures.contains(result) {
                throw MediaError.ffmpeg(result, .unreadable, "The file could not be opened.", path: path)
            }
            throw MediaError.ffmpeg(
                result, .corrupt, "The file is damaged or uses a feature that cannot be read. Please upload the original recording again.", path: path
            )
        }
        return opened
    }

    private func findStreamInfo() throws(MediaError) {
        let count = Int(context.pointee.nb_streams)
        let perStream = UnsafeMutablePointer<OpaquePointer?>.allocate(capacity: max(count, 1))
        perStream.initialize(repeating: nil, count: max(count, 1))
        defer {
            for i in 0..<max(count, 1) { av_dict_free(&perStream[i]) }
            perStream.deallocate()
        }
        for i in 0..<count {
            av_dict_set_int(&perStream[i], "max_pixels", Int64(limits.maxPixels), 0)
            av_dict_set_int(&perStream[i], "threads", 1, 0)
            // Probing needs stream parameters, not good pictures.
            av_dict_set(&perStream[i], "skip_loop_filter", "all", 0)
            av_dict_set(&perStream[i], "flags2", "+fast", 0)
        }
        let result = avformat_find_stream_info(context, count > 0 ? perStream : nil)
        try operation.check()
        if result < 0 {
            throw MediaError.ffmpeg(result, .corrupt, "The streams in the file could not be read; it is damaged or incomplete.", path: path)
        }
    }

    /// `final`: after reading stream information; before it, some formats (FLV, MPEG-PS)
    /// have not created their streams yet.
    private func checkStreams(final: Bool) throws(MediaError) {
        let count = Int(context.pointee.nb_streams)
        if count == 0, final {
            throw MediaError(.notMedia, "The file contains no audio or video streams.", path: path)
        }
        if count > limits.maxStreams {
            throw MediaError(
                .tooManyStreams,
                "The file has \(count) streams; a recording has at most \(limits.maxStreams). It is not a recording Steiger can accept.", path: path)
        }
        for stream in streams where stream.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO {
            let width = Int(stream.pointee.codecpar.pointee.width)
            let height = Int(stream.pointee.codecpar.pointee.height)
            if width > limits.maxDimension || height > limits.maxDimension || width * height > limits.maxPixels {
                throw MediaError(
                    .dimensionsTooLarge,
                    "The video claims a picture of \(width)x\(height) pixels, larger than the \(limits.maxDimension) pixels per side (\(limits.maxPixels / 1_000_000) megapixels) Steiger accepts.",
                    path: path)
            }
        }
    }

    /// For indexed containers (MP4/QuickTime, AVI), the index says where every sample is:
    /// a file that ends before its last sample was cut short.
    private func checkIndexAgainstFileSize() throws(MediaError) {
        var needed: Int64 = 0
        for stream in streams {
            let entries = avformat_index_get_entries_count(stream)
            guard entries > 0, let last = avformat_index_get_entry(stream, entries - 1) else { continue }
            let (end, overflow) = last.pointee.pos.addingReportingOverflow(Int64(max(last.pointee.size, 0)))
            needed = max(needed, overflow ? Int64.max : end)
        }
        if Self.isQuickTimeFamily(demuxerName), needed > fileSize {
            let percent = Int(min(99, Double(fileSize) * 100 / Double(needed)))
            throw MediaError(
                .truncated,
                "The file is incomplete: only \(percent)% of the media its index describes is present (\(fileSize) of \(needed) bytes). The upload or recording was probably interrupted; please upload it again.",
                path: path)
        }
    }
}
