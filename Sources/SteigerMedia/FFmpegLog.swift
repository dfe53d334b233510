internal import CFFmpeg
import Synchronization

/// How much FFmpeg itself prints to standard error.
///
/// Steiger reports problems through ``MediaError``; FFmpeg's own log lines are noise for
/// users, so by default they are silenced. Set ``level`` to see them when investigating.
public enum FFmpegLog {
    /// FFmpeg's verbosity levels.
    public enum Level: Int32, Sendable {
        /// Print nothing (the default).
        case quiet = -8
        /// Errors only.
        case error = 16
        /// Errors and warnings.
        case warning = 24
        /// Everything FFmpeg reports normally.
        case info = 32
        /// Debugging detail.
        case debug = 48
    }

    private static let configured = Atomic<Bool>(false)

    /// Sets FFmpeg's log level for the whole process.
    public static func setLevel(_ level: Level) {
        configured.store(true, ordering: .relaxed)
        av_log_set_level(level.rawValue)
    }

    /// Silences FFmpeg unless ``setLevel(_:)`` was called first.
    static func configureOnce() {
        if !configured.exchange(true, ordering: .relaxed) {
            av_log_set_level(Level.quiet.rawValue)
        }
    }
}
