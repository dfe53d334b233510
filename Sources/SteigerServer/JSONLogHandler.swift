import Foundation
import Logging
import Synchronization

/// Writes one JSON object per log line to standard error: time, level, label, message and the
/// metadata as fields (`request_id`, `user`, `status`, …), for log collectors.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private static let output = Mutex<Void>(())

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) { fields[key] = "\(value)" }
        fields["time"] = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = "\(event.message)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(fields) else { return }
        line.append(0x0A)
        Self.output.withLock { _ in Self.writeToStandardError(line) }
    }

    /// Writes a line with `write(2)`, dropping what cannot be written: a log on a full volume or a
    /// closed pipe loses lines, never the service (`FileHandle.write` ends the process on an error).
    static func writeToStandardError(_ line: Data) {
        line.withUnsafeBytes { buffer in
            guard var start = buffer.baseAddress else { return }
            var left = buffer.count
            while left > 0 {
                let written = write(STDERR_FILENO, start, left)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }
                start += written
                left -= written
            }
        }
    }
}
