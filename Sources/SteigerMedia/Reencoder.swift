internal import CFFmpeg
import Foundation

/// Decodes a file's main streams and encodes them as H.264 (upright, square pixels, 8-bit
/// BT.709, at most the planned size) and AAC stereo 48 kHz in MP4 with the index at the front.
///
/// One pass over the packets feeds both decoders; frame times are carried over from the
/// source, so variable frame rate stays variable and sound stays in sync.
struct Reencoder {
    let input: InputFile
    let info: MediaInfo
    let plan: TranscodePlan
    let options: TranscodeOptions

    init(
        input path: String, info: MediaInfo, plan: TranscodePlan, options: TranscodeOptions,
        limits: InputLimits, operation: OperationGuard
    ) throws(MediaError) {
        input = try InputFile(path: path, limits: limits, operation: operation)
        self.info = info
        self.plan = plan
        self.options = options
    }

    func run(to path: String, progress: ((Double) -> Void)?) throws(MediaError) {
        let output = try OutputFile(path: path, format: "mp4")
        var video: VideoLane?
        var audio: AudioLane?
        if let index = info.mainVideoStream, let width = plan.width, let height = plan.height {
            video = try VideoLane(
                input: input, index: index, width: width, height: height, threads: min(options.threads, 8),
                options: options, output: output)
        }
        if let index = info.mainAudioStream {
            audio = try AudioLane(input: input, index: index, options: options, output: output)
        }
        for stream in input.streams where stream.pointee.index != video?.decoder.streamIndex && stream.pointee.index != audio?.decoder.streamIndex {
            stream.pointee.discard = AVDISCARD_ALL
        }
        try output.writeHeader(options: ["movflags": "+faststart"])

        let meter = ProgressMeter(duration: info.container.duration ?? 0, report: progress)
        try input.forEachPacket(skippingDamage: true) { packet throws(MediaError) in
            if let lane = video, packet.pointee.stream_index == lane.decoder.streamIndex {
                try lane.decoder.send(packet)
                try lane.drain(into: output, meter: meter)
            } else if let lane = audio, packet.pointee.stream_index == lane.decoder.streamIndex {
                try lane.decoder.send(packet)
                try lane.drain(into: output, meter: video == nil ? meter : nil)
            }
        }
        if let video {
            try video.decoder.send(nil)
            try video.drain(into: output, meter: meter)
            try video.encoder.finish { packet throws(MediaError) in try video.write(packet, to: output) }
        }
        if let audio {
            try audio.decoder.send(nil)
            try audio.drain(into: output, meter: nil)
            try audio.encoder.finish { packet throws(MediaError) in try audio.write(packet, to: output) }
        }
        try output.finish()
    }
}

/// Decoder, picture conversion and encoder for the video stream.
private final class VideoLane {
    let decoder: StreamDecoder
    let encoder: VideoEncoder
    let stream: UnsafeMutablePointer<AVStream>
    let scaler: PictureScaler
    let geometry: VideoGeometry
    let width: Int, height: Int
    private var lastPTS: Int64 = .min
    private var lastTime: Double?
    private let frameDuration: Double
    private let colour: VideoEncoder.Colour

    init(input: InputFile, index: Int, width: Int, height: Int, threads: Int, options: TranscodeOptions, output: OutputFile) throws(MediaError) {
        decoder = try StreamDecoder(input: input, streamIndex: index, threads: threads, threadType: FF_THREAD_FRAME | FF_THREAD_SLICE)
        let source = decoder.stream
        geometry = VideoGeometry(stream: source, context: input.context)
        var rate = source.pointee.avg_frame_rate.num > 0 ? source.pointee.avg_frame_rate : source.pointee.r_frame_rate
        if rate.num <= 0 || rate.den <= 0 || Double(rate.num) / Double(rate.den) > 240 { rate = AVRational(num: 30, den: 1) }
        frameDuration = Double(rate.den) / Double(rate.num)
        var timeBase = source.pointee.time_base
        if timeBase.num <= 0 || timeBase.den <= 0 { timeBase = AVRational(num: 1, den: 90_000) }
        self.width = width
        self.height = height
        // SD video made with the BT.601 matrix stays BT.601 (tagged so): converting matrices costs
        // quality and time for nothing. HD, HDR (tone-mapped) and anything else become BT.709.
        let parameters = source.pointee.codecpar.pointee
        let space = parameters.color_space
        let standardDefinition =
            space == AVCOL_SPC_SMPTE170M || space == AVCOL_SPC_BT470BG
            || (space == AVCOL_SPC_UNSPECIFIED && parameters.width < 1280 && parameters.height < 720)
        let hdr = parameters.color_trc == AVCOL_TRC_SMPTE2084 || parameters.color_trc == AVCOL_TRC_ARIB_STD_B67
        colour = standardDefinition && !hdr ? .bt601 : .bt709
        encoder = try VideoEncoder(
            width: width, height: height, timeBase: timeBase, frameRate: rate, colour: colour, options: options,
            globalHeader: output.wantsGlobalHeader, path: input.path)
        stream = try output.addStream(encoder: encoder.context)
        stream.pointee.avg_frame_rate = rate
        scaler = PictureScaler(path: input.path)
    }

    func drain(into output: OutputFile, meter: ProgressMeter) throws(MediaError) {
        while let frame = try decoder.receive() {
            let time = decoder.frameTime ?? (lastTime.map { $0 + frameDuration } ?? 0)
            lastTime = time
            meter.update(time)
            let timeBase = encoder.context.pointee.time_base
            let ticks = (max(time, 0) * Double(timeBase.den) / Double(timeBase.num)).rounded()
            guard time.isFinite, time < 1e9, ticks < 1e18 else {
                throw MediaError(.corrupt, "The video's timestamps are impossible (a frame at \(time) s).", path: decoder.input.path)
            }
            var pts = Int64(ticks)
            if pts <= lastPTS { pts = lastPTS + 1 }  // repeated or reordered timestamps
            lastPTS = pts
            if geometry.rotation == 0 {
                // Upright SDR: scale straight into the encoder's frame.
                let target = try encoder.makeFrame()
                let scaled: Bool
                do {
                    scaled = try scaler.scale(frame, into: target, matrix: colour.swscaleMatrix)
                } catch {
                    var pointer: UnsafeMutablePointer<AVFrame>? = target
                    av_frame_free(&pointer)
                    throw error
                }
                if scaled {
                    try encoder.encode(frame: target, pts: pts) { packet throws(MediaError) in try write(packet, to: output) }
                    continue
                }
                var pointer: UnsafeMutablePointer<AVFrame>? = target
                av_frame_free(&pointer)
            }
            // Turned or HDR: through a picture (tone mapping, rotation).
            let (codedWidth, codedHeight) = geometry.swapsAxes ? (height, width) : (width, height)
            let picture = try scaler.scale(
                frame, width: codedWidth, height: codedHeight, fullRange: false, matrix: colour.swscaleMatrix, accurate: false
            )
            .rotated(clockwise: geometry.rotation)
            try encoder.encode(picture, pts: pts) { packet throws(MediaError) in try write(packet, to: output) }
        }
    }

    func write(_ packet: UnsafeMutablePointer<AVPacket>, to output: OutputFile) throws(MediaError) {
        try output.write(packet, encodedIn: encoder.context.pointee.time_base, into: stream)
    }
}

/// Decoder, resampler and AAC encoder for the audio stream.
private final class AudioLane {
    let decoder: StreamDecoder
    let encoder: AudioEncoder
    let stream: UnsafeMutablePointer<AVStream>

    init(input: InputFile, index: Int, options: TranscodeOptions, output: OutputFile) throws(MediaError) {
        decoder = try StreamDecoder(input: input, streamIndex: index)
        encoder = try AudioEncoder(bitRate: options.audioBitRate, globalHeader: output.wantsGlobalHeader, path: input.path)
        stream = try output.addStream(encoder: encoder.context)
        if let language = av_dict_get(decoder.stream.pointee.metadata, "language", nil, 0) {
            av_dict_set(&stream.pointee.metadata, "language", language.pointee.value, 0)
        }
    }

    func drain(into output: OutputFile, meter: ProgressMeter?) throws(MediaError) {
        while let frame = try decoder.receive() {
            let time = decoder.frameTime
            if let time { meter?.update(time) }
            try encoder.add(frame, time: time) { packet throws(MediaError) in try write(packet, to: output) }
        }
    }

    func write(_ packet: UnsafeMutablePointer<AVPacket>, to output: OutputFile) throws(MediaError) {
        try output.write(packet, encodedIn: encoder.context.pointee.time_base, into: stream)
    }
}
