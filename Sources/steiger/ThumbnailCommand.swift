import ArgumentParser
import Foundation
import SteigerMedia

/// `steiger thumbnail`: one poster image from a video.
struct ThumbnailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbnail",
        abstract: "Write a poster image (JPEG or WebP) from a video.",
        discussion:
            "The picture is upright (rotation applied), has square pixels and 8-bit colour. Without --at, a representative frame is chosen: not black, not the first frame."
    )

    @Argument(help: "The video file.")
    var file: String

    @Option(name: .long, help: "Seconds from the start; the frame at or just after this time is used.")
    var at: Double?

    @Option(name: .long, help: "Width of the image in pixels (default: the video's display width, at most 1280).")
    var width: Int?

    @Option(name: [.short, .customLong("output")], help: "Where to write the image (.jpg or .webp).")
    var output: String

    @Option(name: .long, help: "Image format: jpeg or webp (default: from the output name, else jpeg).")
    var format: ImageFormat?

    @Option(name: .long, help: "Image quality, 1-100.")
    var quality: Int = 85

    @OptionGroup var media: MediaOptions

    func run() throws {
        media.configure()
        let format = self.format ?? ImageFormat(fileName: output) ?? .jpeg
        do {
            let poster = try Thumbnailer.poster(path: file, at: at, width: width, format: format, quality: quality, limits: media.limits)
            try AtomicFile.write(poster.bytes, to: output)
            print(String(format: "%@: %dx%d %@ from %.3f s", output, poster.width, poster.height, format.rawValue, poster.time))
        } catch {
            throw error.report()
        }
    }
}

extension ImageFormat: ExpressibleByArgument {}
extension FramePrecision: ExpressibleByArgument {}
