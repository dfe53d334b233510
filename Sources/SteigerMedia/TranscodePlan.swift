/// What a transcode will do with one file, decided from its probe before any work starts.
public struct TranscodePlan: Sendable, Equatable, Codable {
    /// The kind of work.
    public enum Action: String, Sendable, Codable {
        /// Copy the streams into a new, seekable, fast-starting container: seconds, not minutes.
        case remux
        /// Decode and encode H.264/AAC.
        case transcode
    }

    /// Remux or transcode.
    public var action: Action
    /// The output container: "mp4", or "webm" when a browser recording is remuxed.
    public var container: String
    /// Why the file is re-encoded (empty for a remux).
    public var reasons: [String]
    /// Output picture size as shown, for a transcode with video.
    public var width: Int?
    /// Output picture height as shown.
    public var height: Int?

    /// The usual file extension of the output, without the dot.
    public var fileExtension: String { container }

    /// Decides how to make a web rendition of a file described by `info`.
    ///
    /// A file is remuxed when browsers already decode its streams and its picture is no
    /// taller than `maxHeight`: H.264 8-bit 4:2:0 with AAC in MP4/MOV (to MP4 with the index at
    /// the front), VP8/VP9 with Opus/Vorbis in WebM (to WebM with cues and a duration, which
    /// browser recordings lack). Everything else is transcoded. When `options.container` names
    /// the output's container, only streams that container takes are copied; a WebM output that
    /// would need re-encoding is planned as a transcode into WebM, which ``Transcoder`` refuses.
    public static func decide(for info: MediaInfo, options: TranscodeOptions) -> TranscodePlan {
        let video = info.video
        let audio = info.audio
        var reasons: [String] = []
        let kind = info.container.kind
        let mp4Family = ["mp4", "mov", "m4a", "3gp"].contains(kind)
        var remuxContainer: String?
        if mp4Family {
            remuxContainer = "mp4"
        } else if kind == "webm" {
            remuxContainer = "webm"
        } else {
            reasons.append("the \(kind) container is not played by browsers")
        }
        if let wanted = options.container, let source = remuxContainer, source != wanted.rawValue {
            reasons.append("the output is \(wanted.rawValue.uppercased()), the source \(source.uppercased())")
            remuxContainer = wanted.rawValue
        }
        let videoCodecs: Set<String> = remuxContainer == "webm" ? ["vp8", "vp9"] : ["h264"]
        let audioCodecs: Set<String> = remuxContainer == "webm" ? ["opus", "vorbis"] : ["aac"]
        if let video {
            if !videoCodecs.contains(video.codec) { reasons.append("video codec \(video.codec)") }
            if let format = video.pixelFormat, !["yuv420p", "yuvj420p"].contains(format) { reasons.append("pixel format \(format)") }
            if video.isHDR == true { reasons.append("HDR") }
            if let height = video.displayHeight, height > options.maxHeight { reasons.append("taller than \(options.maxHeight) pixels") }
        }
        if let audio, !audioCodecs.contains(audio.codec) { reasons.append("audio codec \(audio.codec)") }
        if video == nil, audio == nil { reasons.append("no playable stream") }
        if !options.allowRemux { reasons.append("remuxing is turned off") }

        var plan = TranscodePlan(action: .transcode, container: options.container?.rawValue ?? "mp4", reasons: reasons)
        if reasons.isEmpty, let remuxContainer {
            plan.action = .remux
            plan.container = remuxContainer
            return plan
        }
        if let video, let displayWidth = video.displayWidth, let displayHeight = video.displayHeight, displayWidth > 0, displayHeight > 0 {
            let height = min(displayHeight, options.maxHeight) / 2 * 2
            let width = Int((Double(height) * Double(displayWidth) / Double(displayHeight) / 2).rounded()) * 2
            plan.width = max(width, 2)
            plan.height = max(height, 2)
        }
        return plan
    }
}
