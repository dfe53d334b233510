/// When an exercise's supports are withdrawn and put back: the fading rules of one exercise.
///
/// The defaults follow contingent scaffolding and fading (Wood, Bruner & Ross 1976; van de Pol,
/// Volman & Beishuizen 2010) and mastery streaks as in ASSISTments: take one support away after
/// two good attempts in a row, give it back after one poor attempt, check a week after the last
/// support went that the skill held, and call a trainer when a learner is stuck.
public struct ScaffoldPolicy: Sendable, Codable, Equatable {
    /// N: consecutive passing attempts at a level before one level of support is withdrawn.
    public var withdrawAfter: Int
    /// An attempt passes when its normalised weighted score is at least this (0…1)…
    public var masteryThreshold: Double
    /// …and no criterion scores below this (0…1).
    public var criterionFloor: Double
    /// M: consecutive attempts below ``supportThreshold`` before one level comes back.
    public var reinstateAfter: Int
    /// An attempt whose normalised weighted score is below this counts towards reinstatement (0…1).
    public var supportThreshold: Double
    /// D: after the last support is withdrawn, the first attempt made at least this many days
    /// later must pass too, or the previous level comes back (0: no delayed check).
    public var delayedCheckDays: Int
    /// K: attempts at one level without moving down before the learner is flagged for a trainer
    /// and full support comes back (0: never).
    public var stallAfter: Int
    /// Whether peer reviews move levels; when false (the default) they inform but do not count.
    public var peerReviewsMoveLevels: Bool

    /// The defaults: N = 2, mastery 0.75, floor 0.5; M = 1 below 0.5; a delayed check after 7 days;
    /// stalled after 5 attempts; peer reviews do not move levels.
    public init(
        withdrawAfter: Int = 2, masteryThreshold: Double = 0.75, criterionFloor: Double = 0.5, reinstateAfter: Int = 1,
        supportThreshold: Double = 0.5, delayedCheckDays: Int = 7, stallAfter: Int = 5, peerReviewsMoveLevels: Bool = false
    ) {
        self.withdrawAfter = withdrawAfter
        self.masteryThreshold = masteryThreshold
        self.criterionFloor = criterionFloor
        self.reinstateAfter = reinstateAfter
        self.supportThreshold = supportThreshold
        self.delayedCheckDays = delayedCheckDays
        self.stallAfter = stallAfter
        self.peerReviewsMoveLevels = peerReviewsMoveLevels
    }

    /// Whether an attempt with this weighted total and lowest criterion score shows mastery.
    public func passes(total: Double, lowest: Double) -> Bool { total >= masteryThreshold && lowest >= criterionFloor }

    /// Whether an attempt with this weighted total calls for more support.
    public func needsSupport(total: Double) -> Bool { total < supportThreshold }

    /// Whether reviews of `kind` move levels under this policy (trainer reviews always do; self
    /// reviews never).
    public func moves(_ kind: ReviewTask.Kind) -> Bool {
        switch kind {
        case .trainer: true
        case .peer: peerReviewsMoveLevels
        case .selfReview: false
        }
    }

    /// Checks the policy. - Throws: ``ValidationError`` naming each bad field.
    public func check() throws(ValidationError) {
        var validator = Validator()
        let fraction = 0.0...1.0
        validator.check((1...20).contains(withdrawAfter), "withdrawAfter", Message("validation.range", ["min": 1, "max": 20]))
        validator.check(fraction.contains(masteryThreshold), "masteryThreshold", Message("validation.range", ["min": 0, "max": 1]))
        validator.check(fraction.contains(criterionFloor), "criterionFloor", Message("validation.range", ["min": 0, "max": 1]))
        validator.check((1...20).contains(reinstateAfter), "reinstateAfter", Message("validation.range", ["min": 1, "max": 20]))
        validator.check(fraction.contains(supportThreshold), "supportThreshold", Message("validation.range", ["min": 0, "max": 1]))
        validator.check(supportThreshold <= masteryThreshold, "supportThreshold", Message("validation.supportAboveMastery"))
        validator.check((0...365).contains(delayedCheckDays), "delayedCheckDays", Message("validation.delayedCheckDays", ["max": 365]))
        validator.check(
            stallAfter == 0 || (stallAfter >= withdrawAfter && stallAfter <= 100), "stallAfter",
            Message("validation.stallAfter", ["min": .integer(withdrawAfter), "max": 100]))
        try validator.finish()
    }

    private enum CodingKeys: String, CodingKey {
        case withdrawAfter, masteryThreshold, criterionFloor, reinstateAfter, supportThreshold, delayedCheckDays, stallAfter, peerReviewsMoveLevels
    }

    /// Set to `true` in a decoder's `userInfo` to read policies recorded earlier without checking
    /// them again (a later, stricter check must not make a stored history unreadable).
    public static let recordedKey = CodingUserInfoKey(rawValue: "steiger.recordedPolicy")!

    /// Decodes, with the defaults for fields left out, and checks the result (unless
    /// ``recordedKey`` is set).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ScaffoldPolicy()
        self.init(
            withdrawAfter: try container.decodeIfPresent(Int.self, forKey: .withdrawAfter) ?? defaults.withdrawAfter,
            masteryThreshold: try container.decodeIfPresent(Double.self, forKey: .masteryThreshold) ?? defaults.masteryThreshold,
            criterionFloor: try container.decodeIfPresent(Double.self, forKey: .criterionFloor) ?? defaults.criterionFloor,
            reinstateAfter: try container.decodeIfPresent(Int.self, forKey: .reinstateAfter) ?? defaults.reinstateAfter,
            supportThreshold: try container.decodeIfPresent(Double.self, forKey: .supportThreshold) ?? defaults.supportThreshold,
            delayedCheckDays: try container.decodeIfPresent(Int.self, forKey: .delayedCheckDays) ?? defaults.delayedCheckDays,
            stallAfter: try container.decodeIfPresent(Int.self, forKey: .stallAfter) ?? defaults.stallAfter,
            peerReviewsMoveLevels: try container.decodeIfPresent(Bool.self, forKey: .peerReviewsMoveLevels) ?? defaults.peerReviewsMoveLevels)
        if decoder.userInfo[Self.recordedKey] as? Bool == true { return }
        do { try check() } catch { throw error.prefixed(by: decoder.codingPath) }
    }
}
