import Testing

@testable import SteigerMedia

@Suite("Audio check")
struct AudioLevelTests {
    @Test func mutedMicrophoneIsCaught() throws {
        let level = try AudioLevelMeter.measure(path: Fixture.path("silent_audio.mp4"))
        #expect(level.isSilent)
        #expect(level.loudestDBFS < -60)
        #expect(level.peakDBFS > AudioLevel.floorDBFS, "a noise floor, not digital silence")
        #expect(abs(level.analysedSeconds - 4) < 0.1)
    }

    /// The fixtures' tone is a sine of amplitude 1/16 (RMS -27.1 dBFS); made stereo from
    /// mono, each channel carries it 3 dB lower.
    @Test(
        "a tone at a known level",
        arguments: [
            ("mediarecorder.webm", -27.1), ("mpeg4_mp3.avi", -27.1), ("cover_art.mp3", -27.1),
            ("h264_aac.mp4", -30.1), ("audio_only.m4a", -30.1),
        ])
    func toneLevel(_ name: String, _ expected: Double) throws {
        let level = try AudioLevelMeter.measure(path: Fixture.path(name))
        #expect(level.verdict == .ok)
        #expect(abs(level.loudestDBFS - expected) < 1, "\(level.loudestDBFS)")
        #expect(abs(level.peakDBFS - (expected + 3)) < 2.5, "\(level.peakDBFS)")
        #expect(abs(level.averageDBFS - expected) < 1)
    }

    @Test func probeIncludesTheCheckOnlyWhenAsked() throws {
        #expect(try MediaProbe.probe(path: Fixture.path("silent_audio.mp4")).audioLevel == nil)
        let info = try MediaProbe.probe(path: Fixture.path("silent_audio.mp4"), checkAudio: true)
        #expect(info.audioLevel?.verdict == .silent)
    }

    @Test func verdictThresholds() {
        #expect(AudioLevel(peakDBFS: -50, loudestDBFS: -70, averageDBFS: -80, analysedSeconds: 1).verdict == .silent)
        #expect(AudioLevel(peakDBFS: -40, loudestDBFS: -50, averageDBFS: -60, analysedSeconds: 1).verdict == .nearSilent)
        #expect(AudioLevel(peakDBFS: -3, loudestDBFS: -20, averageDBFS: -30, analysedSeconds: 1).verdict == .ok)
    }
}
