internal import CFFmpeg
import Foundation

/// Reads a media file's structure: the entry point behind `steiger probe`.
///
/// Probing reads the container headers and the first packets of each stream (bounded by
/// ``InputLimits``); it decodes no more than FFmpeg needs to learn stream parameters. Only
/// files whose container states no duration (browser recordings) are read through to the
/// end to measure it.
public enum MediaProbe {
    /// Probes the file at `path`.
    ///
    /// - Parameters:
    ///   - checkAudio: also decode the main audio stream and report its loudness
    ///     (``MediaInfo/audioLevel``); this reads the whole stream.
    /// - Throws: ``MediaError`` for a file that is missing, empty, not media, refused,
    ///   truncated, damaged or beyond the limits.
    public static func probe(
        path: String,
        limits: InputLimits = .default,
        checkAudio: Bool = false,
        token: CancellationToken? = nil
    ) throws(MediaError) -> MediaInfo {
        let operation = OperationGuard(timeout: limits.timeout, token: token, path: path)
        let input = try InputFile(path: path, limits: limits, operation: operation)
        var info = try describe(input)
        if checkAudio, info.mainAudioStream != nil {
            info.audioLevel = try AudioLevelMeter.measure(path: path, limits: limits, operation: operation)
        }
        return info
    }

    /// Describes an opened file. Measures the duration from packets when the container
    /// has none, reading a second handle on the file so `input` stays at its start.
    static func describe(_ input: InputFile) throws(MediaError) -> MediaInfo {
        let context = input.context
        let streams = input.streams.enumerated().map { describe(stream: $1, index: $0, in: input) }
        let formatName = String(cString: context.pointee.iformat.pointee.name)
        let formatLongName = context.pointee.iformat.pointee.long_name.map { String(cString: $0) } ?? formatName
        let tags = Tags(context.pointee.metadata)

        var container = ContainerInfo(
            kind: containerKind(demuxer: formatName, tags: tags, docType: input.matroskaDocType),
            formatName: formatName,
            formatLongName: formatLongName,
            size: input.fileSize)
        container.fastStart = input.layout?.moovBeforeMdat
        container.title = tags["title"]
        container.encoder = tags["encoder"]
        container.creationTime =
            tags.first(of: ["com.apple.quicktime.creationdate", "creation_time", "date"])
            ?? input.streams.lazy.compactMap { Tags($0.pointee.metadata)["creation_time"] }.first
        let device = DeviceInfo(
            make: tags.first(of: ["com.apple.quicktime.make", "make", "com.android.manufacturer", "manufacturer"]),
            model: tags.first(of: ["com.apple.quicktime.model", "model", "com.android.model"]),
            software: tags.first(of: ["com.apple.quicktime.software", "com.android.version", "software"]))
        if device.make != nil || device.model != nil || device.software != nil { container.device = device }

        if context.pointee.start_time != steiger_nopts_value() {
            container.startTime = Double(context.pointee.start_time) / Double(AV_TIME_BASE)
        }
        let estimatedFromBitRate = context.pointee.duration_estimation_method == AVFMT_DURATION_FROM_BITRATE
        if context.pointee.duration != steiger_nopts_value(), context.pointee.duration > 0, !estimatedFromBitRate {
            container.duration = Double(context.pointee.duration) / Double(AV_TIME_BASE)
            container.durationSource = "container"
        } else if let measured = try measureDurationFromPackets(path: input.path, limits: input.limits, operation: input.operation) {
            container.duration = measured
            container.durationSource = "packets"
        }
        if context.pointee.bit_rate > 0, !estimatedFromBitRate {
            container.bitRate = context.pointee.bit_rate
        } else if let duration = container.duration, duration > 0 {
            // A file claiming a vanishing duration would make a rate no integer holds: then none is given.
            let rate = (Double(input.fileSize) * 8 / duration).rounded()
            if rate.isFinite, rate < Double(Int64.max) { container.bitRate = Int64(rate) }
        }
        container.hasSeekIndex = hasSeekIndex(input)

        var info = MediaInfo(
            container: container,
            streams: streams,
            mainVideoStream: mainVideoStream(streams, input: input),
            mainAudioStream: nil,
            playback: PlaybackVerdict(playable: false))
        info.mainAudioStream = mainAudioStream(input: input, relatedTo: info.mainVideoStream)
        info.playback = PlaybackVerdict.judge(info)
        return info
    }

    // MARK: - Streams

    static func describe(stream: UnsafeMutablePointer<AVStream>, index: Int, in input: InputFile) -> StreamInfo {
        let parameters = stream.pointee.codecpar.pointee
        let kind: StreamKind =
            switch parameters.codec_type {
            case AVMEDIA_TYPE_VIDEO: .video
            case AVMEDIA_TYPE_AUDIO: .audio
            case AVMEDIA_TYPE_SUBTITLE: .subtitle
            case AVMEDIA_TYPE_DATA: .data
            case AVMEDIA_TYPE_ATTACHMENT: .attachment
            default: .unknown
            }
        var info = StreamInfo(index: index, kind: kind, codec: String(cString: avcodec_get_name(parameters.codec_id)))
        info.codecLongName = avcodec_descriptor_get(parameters.codec_id)?.pointee.long_name.map { String(cString: $0) }
        info.profile = avcodec_profile_name(parameters.codec_id, parameters.profile).map { String(cString: $0) }
        if parameters.bit_rate > 0 { info.bitRate = parameters.bit_rate }
        let timeBase = stream.pointee.time_base
        if stream.pointee.duration != steiger_nopts_value(), stream.pointee.duration > 0, timeBase.den > 0 {
            info.duration = Double(stream.pointee.duration) * av_q2d(timeBase)
        }
        if stream.pointee.start_time != steiger_nopts_value(), timeBase.den > 0 {
            let start = Double(stream.pointee.start_time) * av_q2d(timeBase)
            if start.isFinite, abs(start) < 1e9 { info.startTime = start }
        }
        if stream.pointee.nb_frames > 0 { info.frameCount = stream.pointee.nb_frames }
        let tags = Tags(stream.pointee.metadata)
        if let language = tags["language"], language != "und" { info.language = language }
        info.title = tags["title"]
        info.isDefault = stream.pointee.disposition & AV_DISPOSITION_DEFAULT != 0
        info.isAttachedPicture = stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0

        switch kind {
        case .video:
            describeVideo(stream, into: &info, input: input)
        case .audio:
            info.sampleRate = parameters.sample_rate > 0 ? Int(parameters.sample_rate) : nil
            var layout = parameters.ch_layout
            if layout.nb_channels > 0 {
                info.channels = Int(layout.nb_channels)
                var buffer = [CChar](repeating: 0, count: 64)
                if av_channel_layout_describe(&layout, &buffer, buffer.count) > 0 {
                    info.channelLayout = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
            if parameters.format >= 0, let name = av_get_sample_fmt_name(AVSampleFormat(rawValue: parameters.format)) {
                info.sampleFormat = String(cString: name)
            }
        default:
            break
        }
        return info
    }

    private static func describeVideo(_ stream: UnsafeMutablePointer<AVStream>, into info: inout StreamInfo, input: InputFile) {
        let parameters = stream.pointee.codecpar.pointee
        let geometry = VideoGeometry(stream: stream, context: input.context)
        info.width = Int(parameters.width)
        info.height = Int(parameters.height)
        info.sampleAspectRatio = "\(geometry.sampleAspectRatio.num):\(geometry.sampleAspectRatio.den)"
        info.displayWidth = geometry.displayWidth
        info.displayHeight = geometry.displayHeight
        info.rotation = geometry.rotation
        let pixelFormat = AVPixelFormat(rawValue: parameters.format)
        if parameters.format >= 0, let name = av_get_pix_fmt_name(pixelFormat) {
            info.pixelFormat = String(cString: name)
            if let descriptor = av_pix_fmt_desc_get(pixelFormat) {
                info.bitDepth = Int(descriptor.pointee.comp.0.depth)
            }
        }
        info.averageFrameRate = rationalString(stream.pointee.avg_frame_rate)
        info.realFrameRate = rationalString(stream.pointee.r_frame_rate)
        if parameters.color_trc != AVCOL_TRC_UNSPECIFIED, let name = av_color_transfer_name(parameters.color_trc) {
            info.colorTransfer = String(cString: name)
        }
        if parameters.color_primaries != AVCOL_PRI_UNSPECIFIED, let name = av_color_primaries_name(parameters.color_primaries) {
            info.colorPrimaries = String(cString: name)
        }
        if parameters.color_space != AVCOL_SPC_UNSPECIFIED, let name = av_color_space_name(parameters.color_space) {
            info.colorSpace = String(cString: name)
        }
        if parameters.color_range != AVCOL_RANGE_UNSPECIFIED, let name = av_color_range_name(parameters.color_range) {
            info.colorRange = String(cString: name)
        }
        info.isHDR = parameters.color_trc == AVCOL_TRC_SMPTE2084 || parameters.color_trc == AVCOL_TRC_ARIB_STD_B67
    }

    private static func rationalString(_ value: AVRational) -> String? {
        guard value.num > 0, value.den > 0 else { return nil }
        return "\(value.num)/\(value.den)"
    }

    private static func mainVideoStream(_ streams: [StreamInfo], input: InputFile) -> Int? {
        let candidates = streams.filter { $0.kind == .video && !$0.isAttachedPicture && ($0.width ?? 0) > 0 }
        guard !candidates.isEmpty else { return nil }
        let best = av_find_best_stream(input.context, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        if best >= 0, candidates.contains(where: { $0.index == Int(best) }) { return Int(best) }
        return candidates.max { ($0.width ?? 0) * ($0.height ?? 0) < ($1.width ?? 0) * ($1.height ?? 0) }?.index
    }

    private static func mainAudioStream(input: InputFile, relatedTo video: Int?) -> Int? {
        let best = av_find_best_stream(input.context, AVMEDIA_TYPE_AUDIO, -1, Int32(video ?? -1), nil, 0)
        return best >= 0 ? Int(best) : nil
    }

    // MARK: - Container

    private static func containerKind(demuxer: String, tags: Tags, docType: String?) -> String {
        if InputFile.isQuickTimeFamily(demuxer) {
            let brand = tags["major_brand"]?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            if brand == "qt" { return "mov" }
            if brand.hasPrefix("m4a") || brand.hasPrefix("m4b") { return "m4a" }
            if brand.hasPrefix("3g") { return "3gp" }
            return "mp4"
        }
        if demuxer.hasPrefix("matroska") { return docType == "webm" ? "webm" : "matroska" }
        return String(demuxer.split(separator: ",").first ?? Substring(demuxer))
    }

    private static func hasSeekIndex(_ input: InputFile) -> Bool {
        if let cues = input.matroskaHasCues { return cues }
        return input.streams.contains { avformat_index_get_entries_count($0) > 0 }
    }

    /// Reads every packet to find where the streams end, for files whose container
    /// states no duration (MediaRecorder WebM).
    private static func measureDurationFromPackets(path: String, limits: InputLimits, operation: OperationGuard) throws(MediaError) -> Double? {
        let input = try InputFile(path: path, limits: limits, operation: operation)
        let context = input.context
        let origin = input.startSeconds
        var end: Double?
        try input.forEachPacket(skippingDamage: true) { packet throws(MediaError) in
            guard let stream = context.pointee.streams[Int(packet.pointee.stream_index)] else { return }
            let kind = stream.pointee.codecpar.pointee.codec_type
            guard kind == AVMEDIA_TYPE_VIDEO || kind == AVMEDIA_TYPE_AUDIO else { return }
            let timestamp = packet.pointee.pts != steiger_nopts_value() ? packet.pointee.pts : packet.pointee.dts
            guard timestamp != steiger_nopts_value() else { return }
            // In floating point: timestamps come from the file and may be absurd.
            let seconds = (Double(timestamp) + Double(max(packet.pointee.duration, 0))) * av_q2d(stream.pointee.time_base) - origin
            if seconds.isFinite, seconds < 1e9 { end = max(end ?? 0, seconds) }
        }
        return end
    }
}

/// A read-only view of an FFmpeg metadata dictionary.
struct Tags {
    let dictionary: OpaquePointer?

    init(_ dictionary: OpaquePointer?) { self.dictionary = dictionary }

    subscript(key: String) -> String? {
        guard let entry = av_dict_get(dictionary, key, nil, 0), let value = entry.pointee.value else { return nil }
        let text = String(cString: value).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    func first(of keys: [String]) -> String? {
        for key in keys { if let value = self[key] { return value } }
        return nil
    }
}
