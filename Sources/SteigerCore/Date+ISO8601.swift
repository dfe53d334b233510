import Foundation

extension Date {
    /// The time in UTC as ISO 8601 with milliseconds, `2026-05-03T14:05:09.120Z`: what the API
    /// and webhooks write. Made from the calendar fields directly (no formatter object), since
    /// lists write thousands of them.
    public var iso8601Milliseconds: String {
        let totalMilliseconds = Int64((timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(totalMilliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
        var milliseconds = Int(totalMilliseconds - Int64(seconds) * 1000)
        if milliseconds < 0 {
            milliseconds += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-" + pad(parts.tm_mday, 2) + "T" + pad(parts.tm_hour, 2) + ":"
            + pad(parts.tm_min, 2) + ":" + pad(parts.tm_sec, 2) + "." + pad(Int32(milliseconds), 3) + "Z"
    }
}
