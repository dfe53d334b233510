/// Writing WebVTT (W3C) text tracks.
public enum WebVTT {
    /// A cue timestamp: `hh:mm:ss.ttt`.
    public static func timestamp(_ seconds: Double) -> String {
        let milliseconds = Int((max(seconds, 0) * 1000).rounded())
        let hours = milliseconds / 3_600_000
        let minutes = milliseconds / 60_000 % 60
        let secs = milliseconds / 1000 % 60
        let millis = milliseconds % 1000
        return pad(hours, 2) + ":" + pad(minutes, 2) + ":" + pad(secs, 2) + "." + pad(millis, 3)
    }

    /// A complete WebVTT document of cues with plain payloads.
    public static func document(_ cues: [(start: Double, end: Double, text: String)]) -> String {
        var text = "WEBVTT\n"
        for cue in cues {
            text += "\n\(timestamp(cue.start)) --> \(timestamp(cue.end))\n\(cue.text)\n"
        }
        return text
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
