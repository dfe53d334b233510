import Foundation
import SteigerCore
public import SteigerMedia

/// The end-of-batch report: one JSON object per line, and the same as CSV for spreadsheets.
public enum BatchReport {
    /// Writes `items` as `report.jsonl` and `report.csv` in `directory`; returns their paths.
    @discardableResult
    public static func write(_ items: [BatchItem], to directory: String) throws(MediaError) -> (jsonLines: String, csv: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = ""
        for item in items {
            guard let data = try? encoder.encode(item) else { continue }
            lines += String(decoding: data, as: UTF8.self) + "\n"
        }
        let jsonPath = (directory as NSString).appendingPathComponent("report.jsonl")
        let csvPath = (directory as NSString).appendingPathComponent("report.csv")
        try AtomicFile.write(Array(lines.utf8), to: jsonPath)
        try AtomicFile.write(Array(csv(items).utf8), to: csvPath)
        return (jsonPath, csvPath)
    }

    /// The CSV text: a header row, then one row per item.
    public static func csv(_ items: [BatchItem]) -> String {
        let header = [
            "source", "output", "action", "seconds", "reason", "error_code", "bytes",
            "input_container", "input_video", "input_size", "input_audio", "input_duration",
            "output_container", "output_video", "output_size", "output_audio", "output_duration", "output_bytes",
        ]
        var rows = [header]
        for item in items {
            rows.append(
                [
                    item.source, item.output ?? "", item.action.rawValue, item.seconds.map { String(format: "%.2f", $0) } ?? "",
                    item.reason ?? "", item.errorCode ?? "", String(item.bytes),
                ] + describe(item.input) + describe(item.result) + [item.result.map { String($0.container.size) } ?? ""])
        }
        return rows.map { $0.map(CSV.field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    private static func describe(_ info: MediaInfo?) -> [String] {
        guard let info else { return ["", "", "", "", ""] }
        let video = info.video
        return [
            info.container.kind,
            video?.codec ?? "",
            video.map { "\($0.displayWidth ?? 0)x\($0.displayHeight ?? 0)" } ?? "",
            info.audio.map { "\($0.codec) \($0.channels ?? 0)ch \($0.sampleRate ?? 0)Hz" } ?? "",
            info.container.duration.map { String(format: "%.3f", $0) } ?? "",
        ]
    }
}
