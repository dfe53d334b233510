/// How loud a recording's sound is, to catch the most common broken role-play: a muted
/// or disconnected microphone.
///
/// Levels are in dBFS (0 is the loudest a digital signal can be); digital silence is
/// reported as ``floorDBFS``.
public struct AudioLevel: Codable, Sendable, Equatable {
    /// What the levels mean for a recording.
    public enum Verdict: String, Codable, Sendable {
        /// Nothing audible anywhere: the loudest moment is below ``AudioLevel/silentBelowDBFS``.
        case silent
        /// Only a faint noise floor: the loudest moment is below ``AudioLevel/nearSilentBelowDBFS``.
        case nearSilent
        /// Sound at a level speech normally reaches.
        case ok
    }

    /// The lowest level reported; digital silence reads as this.
    public static let floorDBFS = -120.0
    /// Loudest-moment level under which a track counts as silent.
    public static let silentBelowDBFS = -60.0
    /// Loudest-moment level under which a track counts as near-silent: speech into a
    /// working microphone reaches -30 dBFS or more for some moments.
    public static let nearSilentBelowDBFS = -45.0
    /// Length of the moments compared to find the loudest one, in seconds.
    public static let momentLength = 0.4

    /// The verdict.
    public var verdict: Verdict
    /// Highest absolute sample value, in dBFS.
    public var peakDBFS: Double
    /// RMS level of the loudest moment (``momentLength`` seconds), in dBFS: the loudest level found.
    public var loudestDBFS: Double
    /// RMS level over the whole track, in dBFS.
    public var averageDBFS: Double
    /// Seconds of sound analysed.
    public var analysedSeconds: Double

    /// Creates a value, deriving the verdict from the loudest moment.
    public init(peakDBFS: Double, loudestDBFS: Double, averageDBFS: Double, analysedSeconds: Double) {
        self.peakDBFS = peakDBFS
        self.loudestDBFS = loudestDBFS
        self.averageDBFS = averageDBFS
        self.analysedSeconds = analysedSeconds
        self.verdict = loudestDBFS < Self.silentBelowDBFS ? .silent : loudestDBFS < Self.nearSilentBelowDBFS ? .nearSilent : .ok
    }

    /// Whether the track is silent or near-silent.
    public var isSilent: Bool { verdict != .ok }
}
