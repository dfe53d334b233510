import ArgumentParser
import Foundation
import SteigerMedia

/// `steiger storyboard`: scrub-preview sprite sheets and their WebVTT track.
struct StoryboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storyboard",
        abstract: "Write storyboard sprite sheets and a WebVTT track for scrub previews.",
        discussion:
            "Writes NAME-001.jpg, ... and NAME.vtt into the output directory. Each cue covers one interval and points into a sheet with #xywh=x,y,w,h."
    )

    @Argument(help: "The video file.")
    var file: String

    @Option(name: .long, help: "Seconds of video per tile.")
    var every: Double = 2

    @Option(name: .long, help: "Tile width in pixels.")
    var tile: Int = 160

    @Option(name: .long, help: "Tiles per row.")
    var columns: Int = 10

    @Option(name: .long, help: "Rows per sheet.")
    var rows: Int = 10

    @Option(name: [.short, .customLong("output")], help: "Directory to write into.")
    var output: String

    @Option(name: .long, help: "Base name of the files.")
    var name: String = "storyboard"

    @Option(name: .long, help: "Sheet format: jpeg or webp.")
    var format: ImageFormat = .jpeg

    @Option(name: .long, help: "Image quality, 1-100.")
    var quality: Int = 75

    @Option(
        name: .long,
        help: "exact: frame at each tile's time; fast: a key frame inside the tile's span when there is one; keyframe: nearest key frame.")
    var precision: FramePrecision = .fast

    @Option(name: .long, help: "Decoders working at once (default: one per core).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var media: MediaOptions

    func run() throws {
        media.configure()
        let options = StoryboardOptions(
            interval: every, tileWidth: tile, columns: columns, rows: rows, format: format,
            quality: quality, precision: precision, concurrency: jobs)
        do {
            let storyboard = try StoryboardMaker.make(path: file, options: options, name: name, limits: media.limits)
            let vtt = try storyboard.write(to: output, name: name)
            let first = storyboard.tiles[0]
            print(
                "\(vtt): \(storyboard.tiles.count) tiles of \(first.width)x\(first.height) every \(storyboard.interval) s in \(storyboard.sheets.count) sheet(s)"
            )
        } catch {
            throw error.report()
        }
    }
}
