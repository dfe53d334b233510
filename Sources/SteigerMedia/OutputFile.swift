internal import CFFmpeg

/// A media file being written: the muxer side of a transcode or remux.
///
/// Written to the path given (callers pass a temporary name and rename the finished file
/// into place). Frees the muxer on release; a file whose trailer was never written is left
/// for the caller to delete.
final class OutputFile {
    let path: String
    let context: UnsafeMutablePointer<AVFormatContext>
    private var opened = false
    private var headerWritten = false
    private var finished = false

    /// Prepares a muxer for `format` ("mp4", "webm", ...).
    init(path: String, format: String) throws(MediaError) {
        self.path = path
        var pointer: UnsafeMutablePointer<AVFormatContext>?
        let result = avformat_alloc_output_context2(&pointer, nil, format, "file:" + path)
        guard result >= 0, let pointer else {
            throw MediaError.ffmpeg(result, .writeFailed, "The \(format) writer could not be set up.", path: path)
        }
        context = pointer
    }

    deinit {
        if opened { avio_closep(&context.pointee.pb) }
        avformat_free_context(context)
    }

    /// Whether the container wants codec headers out of band (MP4 does).
    var wantsGlobalHeader: Bool { context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 }

    /// Adds a stream whose parameters come from an opened encoder.
    func addStream(encoder: UnsafeMutablePointer<AVCodecContext>) throws(MediaError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(context, nil) else {
            throw MediaError(.writeFailed, "Out of memory while adding a stream.", path: path)
        }
        let result = avcodec_parameters_from_context(stream.pointee.codecpar, encoder)
        guard result >= 0 else {
            throw MediaError.ffmpeg(result, .writeFailed, "The encoder's parameters could not be copied.", path: path)
        }
        stream.pointee.time_base = encoder.pointee.time_base
        return stream
    }

    /// Adds a stream copying `source`'s parameters (remuxing), keeping its display matrix.
    func addStream(copying source: UnsafeMutablePointer<AVStream>) throws(MediaError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(context, nil) else {
            throw MediaError(.writeFailed, "Out of memory while adding a stream.", path: path)
        }
        let result = avcodec_parameters_copy(stream.pointee.codecpar, source.pointee.codecpar)
        guard result >= 0 else {
            throw MediaError.ffmpeg(result, .writeFailed, "The stream's parameters could not be copied.", path: path)
        }
        stream.pointee.codecpar.pointee.codec_tag = 0
        stream.pointee.time_base = source.pointee.time_base
        stream.pointee.disposition = source.pointee.disposition & AV_DISPOSITION_DEFAULT
        var size: Int = 0
        if let matrix = av_stream_get_side_data(source, AV_PKT_DATA_DISPLAYMATRIX, &size), size >= 36,
            let copy = av_stream_new_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, size)
        {
            copy.update(from: matrix, count: size)
        }
        if let language = av_dict_get(source.pointee.metadata, "language", nil, 0) {
            av_dict_set(&stream.pointee.metadata, "language", language.pointee.value, 0)
        }
        return stream
    }

    /// Opens the file and writes the header; `options` are muxer options such as
    /// `movflags=+faststart`.
    func writeHeader(options: [String: String] = [:]) throws(MediaError) {
        av_dict_set(&context.pointee.metadata, "encoder", nil, 0)
        if context.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
            var whitelist: OpaquePointer?
            av_dict_set(&whitelist, "protocol_whitelist", "file", 0)
            defer { av_dict_free(&whitelist) }
            let result = avio_open2(&context.pointee.pb, "file:" + path, AVIO_FLAG_WRITE, nil, &whitelist)
            guard result >= 0 else {
                throw MediaError.ffmpeg(result, .writeFailed, "The output file could not be created.", path: path)
            }
            opened = true
        }
        context.pointee.protocol_whitelist = av_strdup("file")
        var dictionary: OpaquePointer?
        defer { av_dict_free(&dictionary) }
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        let result = avformat_write_header(context, &dictionary)
        guard result >= 0 else {
            throw MediaError.ffmpeg(result, .writeFailed, "The output file's header could not be written.", path: path)
        }
        headerWritten = true
    }

    /// Writes one packet (its stream index and timestamps in the output stream's terms),
    /// interleaving streams by time.
    func write(_ packet: UnsafeMutablePointer<AVPacket>) throws(MediaError) {
        let result = av_interleaved_write_frame(context, packet)
        guard result >= 0 else {
            throw MediaError.ffmpeg(result, .writeFailed, "Writing to the output file failed.", path: path)
        }
    }

    /// Writes a packet an encoder made (timestamps in `timeBase`) into `stream`.
    func write(
        _ packet: UnsafeMutablePointer<AVPacket>, encodedIn timeBase: AVRational, into stream: UnsafeMutablePointer<AVStream>
    ) throws(MediaError) {
        av_packet_rescale_ts(packet, timeBase, stream.pointee.time_base)
        packet.pointee.stream_index = stream.pointee.index
        try write(packet)
    }

    /// Writes the trailer (for MP4 with faststart this moves the index to the front) and closes the file.
    func finish() throws(MediaError) {
        guard headerWritten, !finished else { return }
        finished = true
        let result = av_write_trailer(context)
        if opened {
            avio_closep(&context.pointee.pb)
            opened = false
        }
        guard result >= 0 else {
            throw MediaError.ffmpeg(result, .writeFailed, "Finishing the output file failed.", path: path)
        }
    }
}
