import ArgumentParser
import SteigerMedia

/// Options shared by every command that reads media.
struct MediaOptions: ParsableArguments {
    @Option(name: .long, help: "Give up on a file after this many seconds.")
    var timeout: Double = InputLimits.default.timeout

    @Flag(name: .long, help: "Show FFmpeg's own warnings and errors.")
    var verbose = false

    /// The input limits these options describe.
    var limits: InputLimits {
        var limits = InputLimits.default
        limits.timeout = timeout
        return limits
    }

    /// Applies the logging choice; call before touching media.
    func configure() {
        FFmpegLog.setLevel(verbose ? .warning : .quiet)
    }
}

/// The encoder settings of a web rendition, shared by `transcode` and `batch transcode`.
struct RenditionOptions: ParsableArguments {
    @Option(name: .long, help: "Largest picture height, as shown.")
    var maxHeight: Int = 720

    @Option(name: .long, help: "x264 quality: 18 (best) to 28 (smallest).")
    var crf: Int = 23

    @Option(name: .long, help: "x264 preset: ultrafast ... veryslow.")
    var preset: String = "veryfast"

    func validate() throws {
        guard TranscodeOptions.presets.contains(preset) else {
            throw ValidationError("Unknown preset \(preset); use one of \(TranscodeOptions.presets.joined(separator: ", ")).")
        }
        guard (0...51).contains(crf) else { throw ValidationError("--crf must be between 0 and 51.") }
        guard maxHeight >= 16 else { throw ValidationError("--max-height must be at least 16.") }
    }

    /// The library's options for these settings.
    func transcodeOptions(threads: Int = 0, allowRemux: Bool = true) -> TranscodeOptions {
        TranscodeOptions(maxHeight: maxHeight, crf: crf, preset: preset, threads: threads, allowRemux: allowRemux)
    }
}

/// Exit statuses, after BSD's sysexits: scripts can tell bad input from a failure of ours.
enum ExitStatus {
    /// The file is not usable media (EX_DATAERR).
    static let badMedia: Int32 = 65
    /// The file does not exist or cannot be read (EX_NOINPUT).
    static let noInput: Int32 = 66
    /// An output could not be written (EX_CANTCREAT).
    static let cannotWrite: Int32 = 73
    /// A deadline passed or the run was cancelled (EX_TEMPFAIL).
    static let interrupted: Int32 = 75
    /// Something else went wrong (EX_SOFTWARE).
    static let failure: Int32 = 70
}

extension MediaError {
    /// Prints the error for a person and returns the exit code that classifies it.
    func report() -> ExitCode {
        var line = "steiger: \(path.map { "\($0): " } ?? "")\(description)"
        line += " [\(code)]"
        printError(line)
        switch code {
        case .fileNotFound, .unreadable: return ExitCode(ExitStatus.noInput)
        case .writeFailed: return ExitCode(ExitStatus.cannotWrite)
        case .timedOut, .cancelled: return ExitCode(ExitStatus.interrupted)
        case .invalidRequest: return ExitCode.validationFailure
        default: return ExitCode(ExitStatus.badMedia)
        }
    }
}
