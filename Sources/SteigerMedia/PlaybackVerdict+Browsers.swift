extension PlaybackVerdict {
    /// Video codecs every current browser plays, by container kind.
    private static let videoCodecs: [String: Set<String>] = [
        "mp4": ["h264"], "mov": ["h264"], "m4a": [], "3gp": ["h264"],
        "webm": ["vp8", "vp9"],
    ]
    /// Audio codecs every current browser plays, by container kind.
    private static let audioCodecs: [String: Set<String>] = [
        "mp4": ["aac", "mp3"], "mov": ["aac", "mp3"], "m4a": ["aac"], "3gp": ["aac"],
        "webm": ["opus", "vorbis"],
        "mp3": ["mp3"], "wav": ["pcm_s16le", "pcm_u8"],
    ]
    /// Pixel formats browsers decode for H.264 and VP8/VP9.
    private static let pixelFormats: Set<String> = ["yuv420p", "yuvj420p"]

    /// Judges whether Chrome, Firefox and Safari can all play the file as it is.
    static func judge(_ info: MediaInfo) -> PlaybackVerdict {
        var reasons: [String] = []
        var notes: [String] = []
        let kind = info.container.kind
        guard let videoCodecs = videoCodecs[kind] ?? (audioCodecs[kind] != nil ? [] : nil) else {
            reasons.append("Browsers do not play \(info.container.formatLongName) files (\(kind)).")
            return PlaybackVerdict(playable: false, reasons: reasons, notes: notes)
        }
        if let video = info.video {
            if !videoCodecs.contains(video.codec) {
                reasons.append("The video codec \(video.codec) is not played by every browser in \(kind) files.")
            } else if let format = video.pixelFormat, !pixelFormats.contains(format) {
                reasons.append("The video's pixel format \(format) (\(video.bitDepth ?? 8)-bit) is not played by every browser; 8-bit 4:2:0 is.")
            }
            if let width = video.width, let height = video.height, width * height > 4096 * 2304 {
                reasons.append("The picture (\(width)x\(height)) is larger than browsers decode reliably.")
            }
            if video.isHDR == true {
                notes.append("HDR video looks washed out on most screens and browsers.")
            }
        } else if info.audio == nil {
            reasons.append("The file has neither video nor sound that a browser can play.")
        }
        if let audio = info.audio {
            let allowed = audioCodecs[kind] ?? []
            if !allowed.contains(audio.codec) {
                reasons.append("The audio codec \(audio.codec) is not played by every browser in \(kind) files.")
            }
            if let rate = audio.sampleRate, !(8_000...192_000).contains(rate) {
                reasons.append("The sound's sample rate (\(rate) Hz) is outside what browsers play (8 to 192 kHz).")
            }
        }
        if info.container.fastStart == false {
            notes.append("The MP4 index is at the end of the file: playback starts only after the end has been fetched.")
        }
        if !info.container.hasSeekIndex, info.video != nil {
            notes.append("The file has no seek index: seeking is slow or impossible until it is remuxed.")
        }
        if info.container.durationSource == "packets" {
            notes.append("The file states no duration: players show no length or timeline until it is remuxed.")
        }
        return PlaybackVerdict(playable: reasons.isEmpty, reasons: reasons, notes: notes)
    }
}
