import Foundation
import Synchronization
import Testing

@testable import SteigerMedia

/// What ffprobe says about a finished rendition's streams.
struct RenditionFacts {
    let probe: ReferenceProbe
    let layout: [String]

    init(_ path: String) throws {
        probe = try ReferenceProbe(path)
        // Top-level MP4 boxes, in order, as ffprobe's trace shows them.
        let reader = try FileReader(path: path)
        layout = try ContainerLayout.scanBoxes(reader).boxes.map(\.type)
    }

    func startTime(_ kind: String) -> Double? {
        probe.streams.first { $0["codec_type"] as? String == kind }.flatMap { ($0["start_time"] as? String).flatMap(Double.init) }
    }
}

@Suite("Transcoding")
struct TranscoderTests {

    @Test("every source becomes a web rendition", arguments: Fixture.media)
    func rendition(_ name: String) throws {
        let path = Fixture.path(name)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try MediaProbe.probe(path: path)
        let output = directory + "/out"
        let result = try Transcoder.transcode(input: path, output: output)
        let facts = try RenditionFacts(output)
        let info = result.output

        if result.plan.container == "webm" {
            // A web-safe browser recording: copied into WebM that now has cues and a duration.
            #expect(source.container.kind == "webm")
            #expect(info.container.kind == "webm")
            #expect(info.container.hasSeekIndex)
            #expect(info.container.durationSource == "container")
        } else {
            #expect(info.container.kind == "mp4")
            #expect(info.container.fastStart == true)
            #expect(facts.layout.firstIndex(of: "moov")! < facts.layout.firstIndex(of: "mdat")!, "moov before mdat: \(facts.layout)")
            if let video = info.video {
                #expect(video.codec == "h264")
                #expect(video.pixelFormat == "yuv420p")
                #expect(video.width! % 2 == 0 && video.height! % 2 == 0)
            }
            if let audio = info.audio {
                #expect(audio.codec == "aac")
                if result.plan.action == .transcode {
                    #expect(audio.channels == 2 && audio.sampleRate == 48_000)
                }
            }
        }
        #expect((info.video == nil) == (source.video == nil))
        #expect((info.audio == nil) == (source.audio == nil))
        if let sourceVideo = source.video, let video = info.video {
            // The same way up as the source shows.
            #expect((video.displayWidth! > video.displayHeight!) == (sourceVideo.displayWidth! > sourceVideo.displayHeight!))
            if result.plan.action == .transcode { #expect(video.rotation == 0) }
        }
        let sourceDuration = try #require(source.container.duration)
        let duration = try #require(info.container.duration)
        #expect(abs(duration - sourceDuration) <= 0.1, "\(duration) vs \(sourceDuration)")
        if let videoStart = facts.startTime("video"), let audioStart = facts.startTime("audio") {
            #expect(abs(videoStart - audioStart) <= 0.05, "video starts at \(videoStart), audio at \(audioStart)")
        }
        // The picture looks like the source's (colour matrix and range carried or converted right).
        if let sourceVideo = source.video, info.video != nil {
            let time = name == "black_start.mp4" ? 3.01 : name == "still_with_audio.mkv" ? 0 : min(1.51, sourceDuration / 2)
            let ours = try RGBThumbnail(video: output, at: time)
            let reference = try RGBThumbnail(video: path, at: time, extraFilter: sourceVideo.isHDR == true ? RGBThumbnail.toneMapChain : nil)
            #expect(ours.difference(reference) < 12, "\(name): rendition differs from the source")
        }
        // Nothing but the output is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out"])
    }

    @Test func webSafeFilesAreRemuxedOthersTranscoded() throws {
        let options = TranscodeOptions()
        for (name, action) in [
            ("h264_aac.mp4", TranscodePlan.Action.remux), ("rotated_90.mp4", .remux), ("audio_only.m4a", .remux),
            ("mediarecorder.webm", .remux), ("h264_aac.mkv", .transcode), ("hevc_10bit_hdr.mp4", .transcode),
            ("h264_10bit.mkv", .transcode), ("mpeg4_mp3.avi", .transcode),
        ] {
            let plan = TranscodePlan.decide(for: try MediaProbe.probe(path: Fixture.path(name)), options: options)
            #expect(plan.action == action, "\(name): \(plan.reasons)")
        }
        var small = options
        small.maxHeight = 240
        let tooTall = TranscodePlan.decide(for: try MediaProbe.probe(path: Fixture.path("h264_aac.mp4")), options: small)
        #expect(tooTall.action == .transcode)
        #expect(tooTall.width == 426 && tooTall.height == 240)
    }

    @Test func rotationIsBakedIntoThePixels() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/portrait.mp4"
        let result = try Transcoder.transcode(input: Fixture.path("rotated_90.mp4"), output: output, options: TranscodeOptions(allowRemux: false))
        let video = try #require(result.output.video)
        #expect(video.rotation == 0)
        #expect(video.width == 360 && video.height == 640)
        let ours = try RGBThumbnail(video: output, at: 1.51)
        let reference = try RGBThumbnail(video: Fixture.path("rotated_90.mp4"), at: 1.51)
        #expect(ours.difference(reference) < 12)
    }

    @Test func variableFrameRateKeepsItsTiming() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/vfr.mp4"
        try Transcoder.transcode(input: Fixture.path("vfr.mp4"), output: output, options: TranscodeOptions(allowRemux: false))
        func times(_ path: String) throws -> [Double] {
            String(
                decoding: try runTool(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "frame=pts_time", "-of", "csv=p=0", path]),
                as: UTF8.self
            )
            .split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
        let source = try times(Fixture.path("vfr.mp4"))
        let rendition = try times(output)
        #expect(source.count == rendition.count)
        #expect(zip(source, rendition).allSatisfy { abs($0 - $1) < 0.002 })
    }

    @Test func standardDefinitionKeepsItsMatrixTagged() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sd = try Transcoder.transcode(input: Fixture.path("mpeg2_mp2.mpg"), output: directory + "/sd.mp4")
        #expect(sd.output.video?.colorSpace == "smpte170m")
        let hd = try Transcoder.transcode(
            input: Fixture.path("h264_aac.mkv"), output: directory + "/hd.mp4", options: TranscodeOptions(maxHeight: 240))
        #expect(hd.output.video?.colorSpace == "smpte170m", "640x360 untagged is SD")
    }

    @Test func hdrBecomesEightBitBT709() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try Transcoder.transcode(input: Fixture.path("hevc_10bit_hdr.mp4"), output: directory + "/sdr.mp4")
        let video = try #require(result.output.video)
        #expect(video.bitDepth == 8 && video.isHDR == false)
        #expect(video.colorTransfer == "bt709" && video.colorPrimaries == "bt709")
    }

    @Test func progressRisesToOne() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let seen = Mutex<[Double]>([])
        try Transcoder.transcode(input: Fixture.path("h264_aac.mkv"), output: directory + "/out.mp4") { fraction in
            seen.withLock { $0.append(fraction) }
        }
        let values = seen.withLock { $0 }
        #expect(values.count > 5)
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(values.last == 1)
    }

    @Test func cancellationLeavesNothingBehind() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let token = CancellationToken()
        let error = try #require(throws: MediaError.self) {
            try Transcoder.transcode(input: Fixture.path("h264_aac.mkv"), output: directory + "/out.mp4", token: token) { fraction in
                if fraction > 0.3 { token.cancel() }
            }
        }
        #expect(error.code == .cancelled)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func gapsInTheSoundKeepTheRestInSync() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Six seconds of picture; the sound stops at 2 s and resumes at 4 s (timestamps jump).
        let source = directory + "/gap.mkv"
        _ = try runTool([
            "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=6",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
            "-af", "asetpts='if(gte(T,2),PTS+2/TB,PTS)'", "-c:v", "libx264", "-preset", "ultrafast",
            "-c:a", "libopus", source,
        ])
        let output = directory + "/gap.mp4"
        try Transcoder.transcode(input: source, output: output)
        let probe = try ReferenceProbe(output)
        let audio = try #require(probe.streams.first { $0["codec_type"] as? String == "audio" })
        let audioDuration = try #require((audio["duration"] as? String).flatMap(Double.init))
        #expect(abs(audioDuration - 6) < 0.1, "the two-second gap is kept as silence: \(audioDuration)")
        // The tone after the gap plays at 4-6 s, where the source has it, and the gap is silent.
        _ = try runTool(["ffmpeg", "-v", "error", "-ss", "4.5", "-t", "1", "-i", output, "-vn", "-y", directory + "/after.wav"])
        _ = try runTool(["ffmpeg", "-v", "error", "-ss", "2.5", "-t", "1", "-i", output, "-vn", "-y", directory + "/gap.wav"])
        #expect(try AudioLevelMeter.measure(path: directory + "/after.wav").verdict == .ok)
        #expect(try AudioLevelMeter.measure(path: directory + "/gap.wav").verdict == .silent)
    }

    @Test func filesWithoutPictureOrSoundAreRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "1\n00:00:00,000 --> 00:00:02,000\nHello\n".write(toFile: directory + "/s.srt", atomically: true, encoding: .utf8)
        _ = try runTool(["ffmpeg", "-v", "error", "-i", directory + "/s.srt", "-c:s", "mov_text", directory + "/subtitles.mp4"])
        let error = try #require(throws: MediaError.self) {
            try Transcoder.transcode(input: directory + "/subtitles.mp4", output: directory + "/out.mp4")
        }
        #expect(error.code == .notMedia)
        #expect(!FileManager.default.fileExists(atPath: directory + "/out.mp4"))
    }

    @Test func brokenSourcesFailWithTheirError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["truncated.mp4", "hls_playlist.mp4", "text.mp4", "one_hertz.wav"] {
            #expect(throws: MediaError.self) {
                try Transcoder.transcode(input: Fixture.path("hostile/" + name), output: directory + "/out.mp4")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }
}
