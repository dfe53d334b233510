import ArgumentParser
import Foundation
import SteigerMedia

#if canImport(Glibc)
import Glibc
#endif

/// Runs another program to completion and reports its wall time and peak memory: how the
/// benchmarks measure the `ffprobe`/`ffmpeg` reference programs and Steiger's own processes.
struct ChildProcess {
    /// What a finished run measured.
    struct Result {
        var status: Int32
        var seconds: Double
        /// Peak resident memory in bytes (`ru_maxrss`).
        var peakMemory: Int
    }

    /// Runs `arguments[0]` (looked up on `PATH` unless it contains a slash) with standard
    /// output and error sent to /dev/null.
    static func run(_ arguments: [String]) throws -> Result {
        guard let program = resolve(arguments[0]) else {
            throw ValidationError("\(arguments[0]) is not installed (run scripts/bootstrap).")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments.dropFirst()).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw ValidationError("Could not start \(program): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { throw ValidationError("Waiting for \(program) failed.") }
        }
        let elapsed = ContinuousClock.now - start
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(status: exitStatus, seconds: elapsed.seconds, peakMemory: Int(usage.ru_maxrss) * 1024)
    }

    static func resolve(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
