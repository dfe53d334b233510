import Foundation
import Synchronization

/// The unfinished output files of this process, so that an abrupt exit (a second Ctrl-C)
/// can still remove them and leave nothing that looks like a finished rendition.
public enum TemporaryFiles {
    private static let paths = Mutex<Set<String>>([])

    /// Records a temporary file that exists until ``forget(_:)``.
    static func register(_ path: String) { paths.withLock { _ = $0.insert(path) } }

    /// Stops tracking a file (renamed into place or deleted).
    static func forget(_ path: String) { paths.withLock { _ = $0.remove(path) } }

    /// Deletes every registered file; for signal handlers about to end the process.
    public static func removeAll() {
        for path in paths.withLock({ $0 }) { unlink(path) }
    }
}
