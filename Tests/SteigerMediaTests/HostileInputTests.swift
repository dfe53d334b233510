import Foundation
import Testing

@testable import SteigerMedia

@Suite("Hostile and broken input")
struct HostileInputTests {
    @Test(
        "each hostile fixture gives its typed error",
        arguments: [
            ("empty.mp4", MediaError.Code.emptyFile),
            ("text.mp4", .notMedia),
            ("truncated.mp4", .truncated),
            ("truncated_no_index.mp4", .truncated),
            ("hls_playlist.mp4", .unsupportedContainer),
            ("concat_playlist.mp4", .unsupportedContainer),
            ("huge_dimensions.avi", .dimensionsTooLarge),
            ("too_many_streams.mkv", .tooManyStreams),
            ("huge_box.mp4", .corrupt),
        ])
    func refused(_ name: String, _ code: MediaError.Code) throws {
        let path = Fixture.path("hostile/" + name)
        let error = try #require(throws: MediaError.self) { try MediaProbe.probe(path: path) }
        #expect(error.code == code)
        #expect(error.path == path)
        #expect(error.message.count > 20, "a message a person can act on")
        // The other operations refuse the same file the same way.
        let posterError = try #require(throws: MediaError.self) { try Thumbnailer.poster(path: path) }
        #expect(posterError.code == code)
        let boardError = try #require(throws: MediaError.self) { try StoryboardMaker.make(path: path) }
        #expect(boardError.code == code)
    }

    @Test("every input the fuzzer found is probed and made a poster of without a crash, within the limits")
    func fuzzFindings() throws {
        let directory = Fixture.path("hostile/fuzz")
        let findings = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasSuffix(".md") }.sorted()
        var limits = InputLimits.default
        limits.timeout = 30
        for name in findings {
            let started = Date()
            if (try? MediaProbe.probe(path: directory + "/" + name, limits: limits, checkAudio: true)) != nil {
                _ = try? Thumbnailer.poster(path: directory + "/" + name, width: 160, limits: limits)
            }
            #expect(Date().timeIntervalSince(started) < 60, "\(name) took too long")
        }
    }

    @Test func playlistNeverReadsTheFileItPointsAt() throws {
        // An absolute reference as well as the committed relative one.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let playlist = directory + "/recording.mp4"
        try "#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5.0,\nfile:\(Fixture.path("h264_aac.mp4"))\n#EXT-X-ENDLIST\n"
            .write(toFile: playlist, atomically: true, encoding: .utf8)
        let error = try #require(throws: MediaError.self) { try MediaProbe.probe(path: playlist) }
        #expect(error.code == .unsupportedContainer)
        #expect(error.message.contains("hls"))
    }

    @Test func missingFilesAndDirectories() throws {
        let missing = try #require(throws: MediaError.self) { try MediaProbe.probe(path: "/nonexistent/recording.mp4") }
        #expect(missing.code == .fileNotFound)
        let directory = try #require(throws: MediaError.self) { try MediaProbe.probe(path: Fixture.directory) }
        #expect(directory.code == .fileNotFound)
    }

    @Test func deadlineStopsWork() throws {
        var limits = InputLimits.default
        limits.timeout = 0
        let error = try #require(throws: MediaError.self) {
            try StoryboardMaker.make(path: Fixture.path("sparse_keyframes.mp4"), limits: limits)
        }
        #expect(error.code == .timedOut)
    }

    @Test func cancellationStopsWork() throws {
        let token = CancellationToken()
        token.cancel()
        let error = try #require(throws: MediaError.self) {
            try AudioLevelMeter.measure(path: Fixture.path("h264_aac.mp4"), token: token)
        }
        #expect(error.code == .cancelled)
    }

    @Test func smallerLimitsAreEnforced() throws {
        var limits = InputLimits.default
        limits.maxDimension = 320
        let error = try #require(throws: MediaError.self) { try MediaProbe.probe(path: Fixture.path("h264_aac.mp4"), limits: limits) }
        #expect(error.code == .dimensionsTooLarge)
        limits = .default
        limits.allowedFormats = ["matroska", "webm"]
        let refused = try #require(throws: MediaError.self) { try MediaProbe.probe(path: Fixture.path("h264_aac.mp4"), limits: limits) }
        #expect(refused.code == .unsupportedContainer)
    }

    @Test func requestsOutsideTheVideo() throws {
        let late = try #require(throws: MediaError.self) { try Thumbnailer.poster(path: Fixture.path("h264_aac.mp4"), at: 60) }
        #expect(late.code == .invalidRequest)
        let noVideo = try #require(throws: MediaError.self) { try Thumbnailer.poster(path: Fixture.path("cover_art.mp3")) }
        #expect(noVideo.code == .noVideoStream)
        let noSound = try #require(throws: MediaError.self) { try AudioLevelMeter.measure(path: Fixture.path("video_only.mp4")) }
        #expect(noSound.code == .noAudioStream)
    }
}
