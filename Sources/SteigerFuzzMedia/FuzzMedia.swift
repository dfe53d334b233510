import Foundation
import SteigerMedia

/// The media input layer under attack: the bytes of a file as a learner could upload them, opened
/// and probed (with the loudness check, which decodes the sound) and made into a poster, as the
/// first steps of processing do. Any outcome but a crash or a hang is fine: a `MediaError` is the
/// answer a hostile file should get.
enum FuzzMedia {
    /// Where each input is written (a file in memory-backed `/dev/shm` when there is one).
    static let path: String = {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return "\(directory)/steiger-fuzz-\(getpid()).bin"
    }()

    /// Limits as processing uses them, with a shorter timeout so slow inputs count as hangs only when they are.
    static let limits: InputLimits = {
        var limits = InputLimits.default
        limits.timeout = 10
        return limits
    }()

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
        defer { unlink(path) }
        guard (try? MediaProbe.probe(path: path, limits: limits, checkAudio: true)) != nil else { return }
        _ = try? Thumbnailer.poster(path: path, width: 160, limits: limits)
    }
}

#if STEIGER_FUZZ
/// libFuzzer's driver (linked by `-sanitize=fuzzer`), run from this program's own entry point.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The executable's entry point (SwiftPM names it after the target): hands over to libFuzzer,
/// which calls back with each input (built with `-sanitize=fuzzer,address` by `scripts/fuzz-media`).
@_cdecl("SteigerFuzzMedia_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOne)
}

/// One input (libFuzzer also looks this symbol up by name).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMedia.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
/// Without the fuzzer: runs the target once on each file named (the fuzz fixtures, a crash
/// found), so a finding can be replayed in an ordinary build.
@main
struct Replay {
    static func main() {
        for file in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: file) else {
                print("\(file): cannot read")
                exit(2)
            }
            data.withUnsafeBytes { FuzzMedia.run($0) }
            print("\(file): ok")
        }
    }
}
#endif
