/// When an exercise's supports are withdrawn and put back: the fading rules of one exercise.
///
/// The defaults follow contingent scaffolding and fading (Wood, Bruner & Ross 1976; van de Pol,
/// Volman & Beishuizen 2010) and mastery streaks as in ASSISTments: take one support away after
/// two good attempts in a row, give it back after one poor attempt, recheck a week, a month and
/// three months after the last support went that the skill held, and call a trainer when a
/// learner is stuck.
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
    /// Rechecks for lasting change: after the last support is withdrawn, for each of these days
    /// (ascending) the first attempt made at least that many days later must pass too, or the
    /// previous level comes back (none: no rechecks). Policies recorded before rechecks had one
    /// delayed check, `delayedCheckDays`, read as one recheck.
    public var rechecks: [Int]
    /// K: attempts at one level without moving down before the learner is flagged for a trainer
    /// and full support comes back (0: never).
    public var stallAfter: Int
    /// Whether peer reviews move levels; when false (the default) they inform but do not count.
    public var peerReviewsMoveLevels: Bool
    /// Whether guest reviewers' reviews move levels; when false (the default) they inform but do not count.
    public var guestReviewsMoveLevels: Bool

    /// The defaults: N = 2, mastery 0.75, floor 0.5; M = 1 below 0.5; rechecks after 7, 30 and 90
    /// days; stalled after 5 attempts; peer and guest reviews do not move levels. `delayedCheckDays` (one
    /// recheck, 0 for none) is read when `rechecks` is not given.
    public init(
        withdrawAfter: Int = 2, masteryThreshold: Double = 0.75, criterionFloor: Double = 0.5, reinstateAfter: Int = 1,
        supportThreshold: Double = 0.5, delayedCheckDays: Int? = nil, rechecks: [Int]? = nil, stallAfter: Int = 5,
        peerReviewsMoveLevels: Bool = false, guestReviewsMoveLevels: Bool = false
    ) {
        self.withdrawAfter = withdrawAfter
        self.masteryThreshold = masteryThreshold
        self.criterionFloor = criterionFloor
        self.reinstateAfter = reinstateAfter
        self.supportThreshold = supportThreshold
        self.rechecks = rechecks ?? delayedCheckDays.map { $0 == 0 ? [] : [$0] } ?? Self.defaultRechecks
        self.stallAfter = stallAfter
        self.peerReviewsMoveLevels = peerReviewsMoveLevels
        self.guestReviewsMoveLevels = guestReviewsMoveLevels
    }

    /// Rechecks a week, a month and three months after the last support went.
    public static let defaultRechecks = [7, 30, 90]

    /// The first recheck's day, as policies before rechecks named their one delayed check (0: none).
    public var delayedCheckDays: Int { rechecks.first ?? 0 }

    /// The level a learner starts at after a kick-off attempt with this weighted total and lowest
    /// criterion score, on a ladder whose top is `top`: level 1 for a pass (they already show the
    /// skill and have one support left to prove it without), the top below the support
    /// threshold, and in between the levels from the top down to 2 share the scores from the
    /// support threshold up to the mastery threshold evenly.
    public func kickOffLevel(total: Double, lowest: Double, top: Int) -> Int {
        guard top > 1 else { return max(top, 0) }
        if passes(total: total, lowest: lowest) { return 1 }
        guard total >= supportThreshold, masteryThreshold > supportThreshold else { return top }
        let share = min((total - supportThreshold) / (masteryThreshold - supportThreshold), 0.999_999)
        return top - Int((share * Double(top - 1)).rounded(.down))
    }

    /// Whether an attempt with this weighted total and lowest criterion score shows mastery.
    public func passes(total: Double, lowest: Double) -> Bool { total >= masteryThreshold && lowest >= criterionFloor }

    /// Whether an attempt with this weighted total calls for more support.
    public func needsSupport(total: Double) -> Bool { total < supportThreshold }

    /// Whether reviews of `kind` move levels under this policy (trainer reviews always do; self
    /// reviews never; peers' and guests' as the policy says).
    public func moves(_ kind: ReviewTask.Kind) -> Bool {
        switch kind {
        case .trainer: true
        case .peer: peerReviewsMoveLevels
        case .selfReview: false
        case .guest: guestReviewsMoveLevels
        case .manager: false
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
        validator.check(
            rechecks.count <= 6 && rechecks.allSatisfy { (1...365).contains($0) } && zip(rechecks, rechecks.dropFirst()).allSatisfy { $0 < $1 },
            "rechecks", Message("validation.rechecks", ["max": 365, "count": 6]))
        validator.check(
            stallAfter == 0 || (stallAfter >= withdrawAfter && stallAfter <= 100), "stallAfter",
            Message("validation.stallAfter", ["min": .integer(withdrawAfter), "max": 100]))
        try validator.finish()
    }

    private enum CodingKeys: String, CodingKey {
        case withdrawAfter, masteryThreshold, criterionFloor, reinstateAfter, supportThreshold, delayedCheckDays, rechecks, stallAfter
        case peerReviewsMoveLevels, guestReviewsMoveLevels
    }

    /// Encodes every field, and the first recheck as `delayedCheckDays` for readers that know only that.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(withdrawAfter, forKey: .withdrawAfter)
        try container.encode(masteryThreshold, forKey: .masteryThreshold)
        try container.encode(criterionFloor, forKey: .criterionFloor)
        try container.encode(reinstateAfter, forKey: .reinstateAfter)
        try container.encode(supportThreshold, forKey: .supportThreshold)
        try container.encode(delayedCheckDays, forKey: .delayedCheckDays)
        try container.encode(rechecks, forKey: .rechecks)
        try container.encode(stallAfter, forKey: .stallAfter)
        try container.encode(peerReviewsMoveLevels, forKey: .peerReviewsMoveLevels)
        try container.encode(guestReviewsMoveLevels, forKey: .guestReviewsMoveLevels)
    }

    /// Set to `true` in a decoder's `userInfo` to read policies recorded earlier without checking
    /// them again (a later, stricter check must not make a stored history unreadable).
    public static let recordedKey = CodingUserInfoKey(rawValue: "steiger.recordedPolicy")!

    /// Decodes, with the defaults for fields left out (`delayedCheckDays` stands for one recheck
    /// when `rechecks` is left out), and checks the result (unless ``recordedKey`` is set).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ScaffoldPolicy()
        self.init(
            withdrawAfter: try container.decodeIfPresent(Int.self, forKey: .withdrawAfter) ?? defaults.withdrawAfter,
            masteryThreshold: try container.decodeIfPresent(Double.self, forKey: .masteryThreshold) ?? defaults.masteryThreshold,
            criterionFloor: try container.decodeIfPresent(Double.self, forKey: .criterionFloor) ?? defaults.criterionFloor,
            reinstateAfter: try container.decodeIfPresent(Int.self, forKey: .reinstateAfter) ?? defaults.reinstateAfter,
            supportThreshold: try container.decodeIfPresent(Double.self, forKey: .supportThreshold) ?? defaults.supportThreshold,
            delayedCheckDays: try container.decodeIfPresent(Int.self, forKey: .delayedCheckDays),
            rechecks: try container.decodeIfPresent([Int].self, forKey: .rechecks),
            stallAfter: try container.decodeIfPresent(Int.self, forKey: .stallAfter) ?? defaults.stallAfter,
            peerReviewsMoveLevels: try container.decodeIfPresent(Bool.self, forKey: .peerReviewsMoveLevels) ?? defaults.peerReviewsMoveLevels,
            guestReviewsMoveLevels: try container.decodeIfPresent(Bool.self, forKey: .guestReviewsMoveLevels)
                ?? defaults.guestReviewsMoveLevels)
        if decoder.userInfo[Self.recordedKey] as? Bool == true { return }
        do { try check() } catch { throw error.prefixed(by: decoder.codingPath) }
    }
}
