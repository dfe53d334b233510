import Foundation
import Testing

@testable import SteigerMedia

@Suite("Posters")
struct ThumbnailTests {
    @Test("poster at a time matches ffmpeg's upright frame", arguments: Fixture.video)
    func matchesReferenceFrame(_ name: String) throws {
        let path = Fixture.path(name)
        let info = try MediaProbe.probe(path: path)
        let video = try #require(info.video)
        let duration = try #require(info.container.duration)
        // A moment with a moving picture: after black_start's black opening; a still's only frame.
        let time = name == "black_start.mp4" ? 3.01 : name == "still_with_audio.mkv" ? 0 : min(1.51, duration / 2)
        let poster = try Thumbnailer.poster(path: path, at: time, width: 320)

        // Display size: 320 wide, height from the display aspect ratio, even.
        let expectedHeight = Int((320 * Double(video.displayHeight!) / Double(video.displayWidth!) / 2).rounded()) * 2
        #expect(poster.width == 320)
        #expect(poster.height == expectedHeight)
        #expect(poster.time >= time - 0.001 || duration - poster.time < 0.5, "frame at or after the time asked for")

        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/poster.jpg"
        try AtomicFile.write(poster.bytes, to: file)
        let written = try imageSize(file)
        #expect(written.width == poster.width && written.height == poster.height)
        #expect(written.codec == "mjpeg")
        #expect(written.pixelFormat == "yuvj420p", "8-bit output even for 10-bit input")

        // The picture ffmpeg shows at that moment (it applies rotation and SAR itself).
        let ours = try RGBThumbnail(image: file)
        // HDR is compared with FFmpeg's own tone-mapping chain, everything else with the plain frame.
        let reference = try RGBThumbnail(video: path, at: time, extraFilter: video.isHDR == true ? RGBThumbnail.toneMapChain : nil)
        #expect(ours.difference(reference) < 12, "poster differs from the reference frame of \(name)")

        if let rotation = video.rotation, rotation != 0 {
            // The same frame left unrotated must look clearly different: the test can fail.
            let unrotated = try RGBThumbnail(video: path, at: time, extraFilter: rotation == 90 ? "transpose=cclock" : "transpose=clock")
            #expect(ours.difference(unrotated) > 25)
        }
        let picture = try #require(Thumbnailer.decodeForTest(file))
        #expect(picture.standardDeviation > 10, "not blank")
    }

    @Test func automaticPosterAvoidsBlackAndTheFirstFrame() throws {
        let poster = try Thumbnailer.poster(path: Fixture.path("black_start.mp4"), width: 320)
        #expect(poster.time >= 2, "the first two seconds are black")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFile.write(poster.bytes, to: directory + "/auto.jpg")
        let stats = try #require(Thumbnailer.decodeForTest(directory + "/auto.jpg"))
        #expect(stats.mean > 30 && stats.standardDeviation > 20)
        // Every video gets an automatic poster that is not its first frame.
        for name in Fixture.video where name != "still_with_audio.mkv" {
            let automatic = try Thumbnailer.poster(path: Fixture.path(name), width: 160)
            #expect(automatic.time > 0.1, "\(name): \(automatic.time)")
        }
    }

    @Test("HDR is tone-mapped like FFmpeg's reference chain", arguments: ["hevc_10bit_hdr.mp4", "hevc_hlg.mp4"])
    func hdrIsToneMappedLikeFFmpegsReferenceChain(_ name: String) throws {
        let path = Fixture.path(name)
        let poster = try Thumbnailer.poster(path: path, at: 1, width: 320)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFile.write(poster.bytes, to: directory + "/hdr.jpg")
        let ours = try RGBThumbnail(image: directory + "/hdr.jpg")
        let toneMapped = try RGBThumbnail(video: path, at: 1, extraFilter: RGBThumbnail.toneMapChain)
        let untouched = try RGBThumbnail(video: path, at: 1, extraFilter: "format=yuv420p")
        #expect(ours.difference(toneMapped) < 11, "close to FFmpeg's zscale+tonemap result")
        #expect(ours.difference(toneMapped) + 3 < untouched.difference(toneMapped), "much closer than the untouched picture is")
    }

    @Test func webPOutput() throws {
        let poster = try Thumbnailer.poster(path: Fixture.path("rotated_90.mp4"), at: 1, width: 240, format: .webp)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AtomicFile.write(poster.bytes, to: directory + "/poster.webp")
        let size = try imageSize(directory + "/poster.webp")
        #expect(size.codec == "webp")
        #expect(size.width == 240 && size.height == 426)
        let ours = try RGBThumbnail(image: directory + "/poster.webp")
        #expect(ours.difference(try RGBThumbnail(video: Fixture.path("rotated_90.mp4"), at: 1)) < 12)
    }

    @Test func defaultWidthIsTheDisplayWidth() throws {
        let poster = try Thumbnailer.poster(path: Fixture.path("anamorphic.mp4"), at: 1)
        #expect(poster.width == 640 && poster.height == 360)
    }

    @Test("a poster is never enlarged, and its long side is bounded whichever way the video stands")
    func posterSizeIsBoundedNotStretched() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A QCIF clip from an old webcam and a portrait phone clip (1080x1920 as shown).
        let small = directory + "/qcif.mp4", portrait = directory + "/portrait.mp4"
        _ = try runTool(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=176x144:rate=10:duration=1", "-pix_fmt", "yuv420p", small])
        _ = try runTool([
            "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1080x1920:rate=10:duration=1", "-pix_fmt", "yuv420p",
            "-c:v", "libx264", "-preset", "ultrafast", portrait,
        ])
        let qcif = try Thumbnailer.poster(path: small)
        #expect(qcif.width == 176 && qcif.height == 144)
        let phone = try Thumbnailer.poster(path: portrait)
        #expect(phone.width == 720 && phone.height == 1280)
        // What the file says agrees with what the poster says.
        let written = directory + "/phone.jpg"
        try Data(phone.bytes).write(to: URL(fileURLWithPath: written))
        let size = try imageSize(written)
        #expect(size.width == 720 && size.height == 1280)
    }
}

extension Thumbnailer {
    /// Brightness statistics of an image file, decoded by ffmpeg into 8-bit grey.
    static func decodeForTest(_ path: String) -> (mean: Double, standardDeviation: Double)? {
        guard let data = try? runTool(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-"]), !data.isEmpty else {
            return nil
        }
        let values = data.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        return (mean, variance.squareRoot())
    }
}
