import Foundation
import SteigerMedia
import Testing

@testable import SteigerPipeline

@Suite("A processing run's deadline follows the recording")
struct DeadlineTests {
    @Test("a short clip gets minutes, a long HD recording more, nothing more than the cap")
    func derived() throws {
        let clip = try MediaProbe.probe(path: Archive.fixtures + "/h264_aac.mp4")
        let rules = SubmissionProcessor.Rules()
        let short = rules.deadline(for: clip)
        // A few seconds of small video: two minutes and a little.
        #expect(short >= 120 && short < 130, "\(short)")
        // Twenty-nine minutes of the same picture: four times the work its length and size should cost.
        var long = clip
        long.container.duration = 29 * 60
        let size = Double(try #require(clip.video?.width) * (try #require(clip.video?.height))) / (1920 * 1080)
        #expect(abs(rules.deadline(for: long) - (120 + 4 * 29 * 60 * max(size, 0.25) * 0.35)) < 1)
        #expect(rules.deadline(for: long) > 10 * 60)
        var capped = rules
        capped.deadline = 600
        #expect(capped.deadline(for: long) == 600)
    }
}
