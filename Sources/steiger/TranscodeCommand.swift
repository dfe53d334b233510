import ArgumentParser
import Foundation
import SteigerMedia

/// `steiger transcode`: one web rendition.
struct TranscodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Make a web rendition: H.264/AAC MP4 with the index at the front, or a remux when the file already plays in browsers.",
        discussion: """
            The output's name decides its container: .mp4 and .m4v are MP4 (H.264/AAC, copied when the source \
            already is that, re-encoded otherwise); .webm copies a VP8/VP9 browser recording as it is. The output \
            is written under a temporary name and renamed when it is complete and reads back correctly.
            """)

    @Argument(help: "The source file.")
    var input: String

    @Argument(help: "Where to write the rendition: a name ending in .mp4 (or .m4v), or .webm for a copy of a WebM recording.")
    var output: String

    @OptionGroup var rendition: RenditionOptions

    @Option(name: .long, help: "Encoder threads (0: one per core).")
    var threads: Int = 0

    @Flag(name: .long, help: "Always re-encode, even when the source could be copied.")
    var noRemux = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    @OptionGroup var media: MediaOptions

    func validate() throws {
        guard OutputContainer(fileName: output) != nil else {
            throw ValidationError("The output's name must end in .mp4, .m4v or .webm, which decides its container (got '\(output)').")
        }
    }

    func run() throws {
        media.configure()
        var options = rendition.transcodeOptions(threads: threads, allowRemux: !noRemux)
        options.container = OutputContainer(fileName: output)
        let token = CancellationToken()
        SignalHandling.cancelOnInterrupt(token)
        let showProgress = isatty(STDERR_FILENO) == 1 && !json
        let result: TranscodeResult
        do {
            result = try Transcoder.transcode(input: input, output: output, options: options, limits: media.limits, token: token) { fraction in
                if showProgress { FileHandle.standardError.write(Data(String(format: "\r%5.1f%%", fraction * 100).utf8)) }
            }
        } catch {
            if showProgress { FileHandle.standardError.write(Data("\r".utf8)) }
            throw error.report()
        }
        if showProgress { FileHandle.standardError.write(Data("\r".utf8)) }
        if json {
            print(try encodeJSON(TranscodeSummary(result: result, input: input, output: output)))
        } else {
            let video = result.output.video.map { "\($0.codec) \($0.displayWidth ?? 0)x\($0.displayHeight ?? 0)" } ?? "no video"
            let audio = result.output.audio.map { "\($0.codec) \($0.sampleRate ?? 0) Hz \($0.channelLayout ?? "")" } ?? "no audio"
            print(String(format: "%@: %@ (%@, %@), %.1f s", output, result.plan.action.rawValue, video, audio, result.seconds))
        }
    }
}

/// The JSON form of one transcode.
struct TranscodeSummary: Encodable {
    var input: String
    var output: String
    var plan: TranscodePlan
    var seconds: Double
    var result: MediaInfo

    init(result: TranscodeResult, input: String, output: String) {
        self.input = input
        self.output = output
        self.plan = result.plan
        self.seconds = result.seconds
        self.result = result.output
    }
}
