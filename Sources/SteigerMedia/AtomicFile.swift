import Foundation

/// Writes files so that nobody ever sees half of one: the bytes go to a temporary name in
/// the same directory, are flushed, and the file is renamed into place.
public enum AtomicFile {
    /// Writes `bytes` to `path`, replacing any file there.
    public static func write(_ bytes: [UInt8], to path: String) throws(MediaError) {
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw MediaError(.writeFailed, "The file could not be written: \(error.localizedDescription)", path: path)
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw MediaError(.writeFailed, "The file could not be put in place: \(reason).", path: path)
        }
    }
}
