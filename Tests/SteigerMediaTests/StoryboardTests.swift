import Foundation
import Testing

@testable import SteigerMedia

/// A parsed WebVTT cue of a storyboard.
struct StoryboardCue {
    var start: Double
    var end: Double
    var file: String
    var x: Int, y: Int, width: Int, height: Int

    static func parse(_ text: String) throws -> [StoryboardCue] {
        #expect(text.hasPrefix("WEBVTT\n"))
        var cues: [StoryboardCue] = []
        let blocks = text.components(separatedBy: "\n\n").dropFirst()
        for block in blocks where !block.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let lines = block.split(separator: "\n")
            let times = lines[0].components(separatedBy: " --> ")
            let payload = String(lines[1])
            let parts = payload.components(separatedBy: "#xywh=")
            let numbers = parts[1].split(separator: ",").compactMap { Int($0) }
            try #require(numbers.count == 4)
            cues.append(
                StoryboardCue(
                    start: seconds(times[0]), end: seconds(times[1]), file: parts[0],
                    x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3]))
        }
        return cues
    }

    static func seconds(_ stamp: String) -> Double {
        let parts = stamp.split(separator: ":").map { Double($0) ?? 0 }
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    }
}

@Suite("Storyboards")
struct StoryboardTests {
    @Test("cues cover the video and point inside their sprites", arguments: Fixture.video)
    func coversDurationWithinSprites(_ name: String) throws {
        let path = Fixture.path(name)
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let options = StoryboardOptions(interval: 1, tileWidth: 120, columns: 3, rows: 2)
        let storyboard = try StoryboardMaker.make(path: path, options: options)
        let vttPath = try storyboard.write(to: directory)
        let cues = try StoryboardCue.parse(try String(contentsOfFile: vttPath, encoding: .utf8))
        let duration = try #require(try MediaProbe.probe(path: path).container.duration)

        #expect(cues.count == Int((duration - 1e-6).rounded(.up)))
        #expect(cues.first?.start == 0)
        #expect(abs((cues.last?.end ?? 0) - duration) < 0.002)
        for (previous, next) in zip(cues, cues.dropFirst()) {
            #expect(previous.end == next.start, "cues are contiguous")
        }
        var sizes: [String: (width: Int, height: Int)] = [:]
        for cue in cues {
            let size =
                try sizes[cue.file]
                ?? {
                    let s = try imageSize(directory + "/" + cue.file)
                    return (s.width, s.height)
                }()
            sizes[cue.file] = size
            #expect(cue.x >= 0 && cue.y >= 0 && cue.width > 0 && cue.height > 0)
            #expect(cue.x + cue.width <= size.width && cue.y + cue.height <= size.height, "\(cue) inside \(size)")
        }
        // Six tiles per sheet.
        #expect(sizes.count == (cues.count + 5) / 6)
        // Tiles have the display shape.
        let video = try #require(try MediaProbe.probe(path: path).video)
        let expectedHeight = Int((120 * Double(video.displayHeight!) / Double(video.displayWidth!) / 2).rounded()) * 2
        #expect(cues.allSatisfy { $0.width == 120 && $0.height == expectedHeight })
        // Every tile's frame comes from its own span (or the last frame, at the end).
        for tile in storyboard.tiles {
            #expect(
                tile.frameTime >= tile.start - 0.1 && tile.frameTime <= tile.end + 0.1 || name == "still_with_audio.mkv",
                "\(name): frame \(tile.frameTime) for \(tile.start)..<\(tile.end)")
        }
        for file in sizes.keys {
            let stats = try #require(Thumbnailer.decodeForTest(directory + "/" + file))
            #expect(stats.standardDeviation > 10, "sheet is not blank")
        }
    }

    @Test func shorterThanOneInterval() throws {
        let storyboard = try StoryboardMaker.make(path: Fixture.path("h264_aac.mp4"), options: StoryboardOptions(interval: 10))
        #expect(storyboard.tiles.count == 1)
        #expect(storyboard.tiles[0].start == 0 && storyboard.tiles[0].end == 5)
        #expect(storyboard.sheets.count == 1)
        #expect(storyboard.sheets[0].width == 160 && storyboard.sheets[0].height == 90)
    }

    @Test("sparse key frames still give one distinct frame per tile", arguments: FramePrecision.allCases)
    func sparseKeyFrames(_ precision: FramePrecision) throws {
        let storyboard = try StoryboardMaker.make(
            path: Fixture.path("sparse_keyframes.mp4"),
            options: StoryboardOptions(interval: 2, precision: precision))
        #expect(storyboard.tiles.count == 5)
        let times = storyboard.tiles.map(\.frameTime)
        switch precision {
        case .keyframe:
            #expect(times.allSatisfy { $0 < 0.1 }, "only one key frame exists")
        case .fast:
            // The lone key frame lies inside the first tile's span; the others decode forward.
            #expect(times[0] < 0.1)
            #expect(zip(storyboard.tiles, times).dropFirst().allSatisfy { abs($0.start + 1 - $1) < 0.05 }, "\(times)")
        case .exact:
            #expect(zip(storyboard.tiles, times).allSatisfy { abs($0.start + 1 - $1) < 0.05 }, "\(times)")
        }
    }

    @Test func browserRecordingWithoutIndex() throws {
        let storyboard = try StoryboardMaker.make(path: Fixture.path("mediarecorder.webm"), options: StoryboardOptions(interval: 1))
        #expect(storyboard.tiles.count == 6)
        #expect(abs(storyboard.duration - 5.021) < 0.05)
        let times = storyboard.tiles.map(\.frameTime)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "each tile its own frame: \(times)")
    }

    @Test func parallelAndSequentialAgree() throws {
        let path = Fixture.path("h264_aac.mp4")
        var options = StoryboardOptions(interval: 0.25, tileWidth: 64)
        options.concurrency = 1
        let one = try StoryboardMaker.make(path: path, options: options)
        options.concurrency = 2
        let two = try StoryboardMaker.make(path: path, options: options)
        #expect(one.tiles == two.tiles)
        #expect(one.sheets.map(\.bytes) == two.sheets.map(\.bytes))
    }

    @Test func intervalGrowsForVeryLongVideos() throws {
        var options = StoryboardOptions(interval: 0.1)
        options.maxTiles = 10
        let storyboard = try StoryboardMaker.make(path: Fixture.path("h264_aac.mp4"), options: options)
        #expect(storyboard.tiles.count <= 10)
        #expect(storyboard.interval >= 0.5)
    }

    @Test func rejectsNonsenseOptions() throws {
        let error = try #require(throws: MediaError.self) {
            try StoryboardMaker.make(path: Fixture.path("h264_aac.mp4"), options: StoryboardOptions(interval: 0))
        }
        #expect(error.code == .invalidRequest)
    }
}
