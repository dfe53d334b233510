import Foundation

/// Decides a learner's scaffold level for one skill from their log, one event at a time.
///
/// Pure: the state after a log is a function of the log alone, so it can be replayed at any
/// time and every decision explained. Rules, checked in this order for each review that counts:
///
/// 0. **Kick-off placement.** The review of a kick-off attempt, while nothing has placed the
///    learner on the skill yet, sets the level they start at from its score
///    (``ScaffoldPolicy/kickOffLevel(total:lowest:top:)``) and records their development points:
///    the criteria it scored lowest. A kick-off reviewed after the level moved only informs.
/// 1. **Rechecks.** At level 0 reached by withdrawal, for each of the policy's recheck days in
///    turn, the first attempt made at least that many days later must pass, or the level it
///    came from comes back; a pass also answers the later rechecks already due by then.
/// 2. **Reinstatement** (contingent shift): `reinstateAfter` consecutive attempts below the
///    support threshold bring one level back.
/// 3. **Withdrawal**: `withdrawAfter` consecutive passing attempts (score at least the mastery
///    threshold, no criterion below the floor) take one level away.
/// 4. **Stalling**: `stallAfter` attempts at one level without moving down flag the learner for
///    a trainer and put the full support back.
///
/// A review counts when the policy lets its kind move levels (trainers always; peers only if the
/// exercise says so; self reviews never), it is the first counting review of its attempt, and
/// the attempt was made at the learner's current level. A trainer's override sets the level at
/// once and starts afresh: it holds until the next rule fires. Each event is judged by the policy
/// it carries, so changing a policy never rewrites history. A reviewer's correction of a sent
/// review's scores stands in for the review's first assessment, where that one stood in the log.
public enum ScaffoldEngine {
    /// Applies one event, returning the engine's account of it.
    @discardableResult
    public static func apply(_ event: ScaffoldEvent, to state: inout ScaffoldState) -> ScaffoldStep {
        switch event {
        case .assessed(let assessment): assess(assessment, &state)
        case .override(let override): place(override, &state)
        }
    }

    /// Replays a log from the start.
    public static func replay(_ events: some Sequence<ScaffoldEvent>) -> ScaffoldHistory {
        var state = ScaffoldState()
        let steps = corrected(events).map { apply($0, to: &state) }
        return ScaffoldHistory(state: state, steps: steps)
    }

    /// The state after a log, without keeping the account of each step.
    public static func state(after events: some Sequence<ScaffoldEvent>) -> ScaffoldState {
        var state = ScaffoldState()
        for event in corrected(events) { apply(event, to: &state) }
        return state
    }

    /// The log as the rules read it: a correction of a review's scores takes the place of the
    /// review's earlier assessment (keeping that one's place and time, so the decisions after it
    /// are taken again on the corrected scores) and is not an attempt of its own. A correction
    /// whose review is not in the log is dropped.
    public static func corrected(_ events: some Sequence<ScaffoldEvent>) -> [ScaffoldEvent] {
        let events = Array(events)
        guard events.contains(where: { if case .assessed(let assessment) = $0 { assessment.isCorrection == true } else { false } }) else {
            return events
        }
        var result: [ScaffoldEvent] = []
        var place: [ReviewID: Int] = [:]
        for event in events {
            guard case .assessed(let assessment) = event else {
                result.append(event)
                continue
            }
            if assessment.isCorrection == true {
                guard let index = place[assessment.reviewID], case .assessed(var first) = result[index] else { continue }
                first.total = assessment.total
                first.lowest = assessment.lowest
                if let criteria = assessment.criteria { first.criteria = criteria }
                result[index] = .assessed(first)
            } else {
                place[assessment.reviewID] = result.count
                result.append(event)
            }
        }
        return result
    }

    private static func assess(_ assessment: ScaffoldAssessment, _ state: inout ScaffoldState) -> ScaffoldStep {
        let policy = assessment.policy, top = assessment.top
        let current = state.level(top: top)
        func outcome(_ outcome: ScaffoldStep.Outcome) -> ScaffoldStep {
            ScaffoldStep(
                event: .assessed(assessment), levelBefore: current, levelAfter: state.level(top: top), outcome: outcome,
                passStreak: state.passStreak.count, attemptsAtLevel: state.attemptsAtLevel.count)
        }
        func move(
            to level: Int, _ rule: ScaffoldTransition.Rule, evidence: [ScaffoldEvidence], recheckDays: Int? = nil,
            developmentPoints: [String]? = nil
        ) -> ScaffoldStep {
            var transition = ScaffoldTransition(
                rule: rule, at: assessment.at, from: current, to: min(max(level, 0), top),
                exerciseID: assessment.exerciseID, evidence: evidence, policy: policy,
                policyVersion: assessment.policyVersion)
            transition.recheckDays = recheckDays
            transition.developmentPoints = developmentPoints
            state.enter(transition)
            return outcome(.transition(transition))
        }

        guard policy.moves(assessment.reviewerKind) else { return outcome(.informs) }
        guard state.assessed.insert(assessment.submissionID).inserted else { return outcome(.alreadyAssessed) }
        if assessment.purpose == .kickOff {
            guard state.lastTransition == nil else { return outcome(.informs) }
            let level = policy.kickOffLevel(total: assessment.total, lowest: assessment.lowest, top: top)
            let points = developmentPoints(assessment.criteria ?? [])
            state.developmentPoints = points
            return move(to: level, .kickOff, evidence: [ScaffoldEvidence(assessment)], developmentPoints: points)
        }
        // Only attempts made at the current level since it was entered count.
        guard assessment.attemptLevel == current, state.lastTransition.map({ assessment.attemptMadeAt >= $0.at }) ?? true else {
            return outcome(.otherLevel)
        }
        // A ladder of another height (an exercise's ladder was edited) or another policy starts
        // the counts afresh, so every decision rests on attempts judged by the rules it names.
        if state.countedTop != top { state.attemptsAtLevel = [] }
        if state.countedTop != top || state.streakPolicy != policy {
            state.passStreak = []
            state.lowStreak = []
        }
        state.countedTop = top
        state.streakPolicy = policy

        let evidence = ScaffoldEvidence(assessment)
        let passes = policy.passes(total: assessment.total, lowest: assessment.lowest)
        state.attemptsAtLevel.append(evidence)
        state.passStreak = passes ? state.passStreak + [evidence] : []
        state.lowStreak = policy.needsSupport(total: assessment.total) ? state.lowStreak + [evidence] : []

        if current == 0, let check = state.delayedCheck, assessment.attemptMadeAt >= check.dueAt {
            // A pass answers every recheck already due by then: one attempt after a long break is
            // not asked to prove the same thing three times over.
            var next = check.next
            while passes, let due = next, assessment.attemptMadeAt >= due.dueAt { next = due.next }
            state.delayedCheck = next
            if passes {
                state.checkPassedAt = assessment.at
                var step = outcome(.checkPassed)
                step.recheckDays = check.days
                return step
            }
            return move(to: check.previousLevel, .delayedCheckFailed, evidence: [evidence], recheckDays: check.days)
        }
        if state.lowStreak.count >= policy.reinstateAfter, current < top {
            return move(to: current + 1, .reinstatement, evidence: Array(state.lowStreak.suffix(policy.reinstateAfter)))
        }
        if state.passStreak.count >= policy.withdrawAfter, current > 0 {
            let step = move(to: current - 1, .withdrawal, evidence: Array(state.passStreak.suffix(policy.withdrawAfter)))
            state.flagged = false
            if current == 1, let first = policy.rechecks.first {
                state.delayedCheck = ScaffoldState.DelayedCheck(
                    reachedAt: assessment.at, days: first, later: Array(policy.rechecks.dropFirst()), previousLevel: current)
            }
            return step
        }
        if policy.stallAfter > 0, current > 0, state.attemptsAtLevel.count >= policy.stallAfter {
            let evidence = Array(state.attemptsAtLevel.suffix(policy.stallAfter))
            let step = move(to: top, .stalled, evidence: evidence)
            state.flagged = true
            return step
        }
        return outcome(.counted)
    }

    /// A kick-off's development points: the (at most two) criteria it scored lowest, leaving
    /// out any at full marks; equal scores in the rubric's order.
    public static func developmentPoints(_ criteria: [ScaffoldCriterionScore]) -> [String] {
        criteria.enumerated().filter { $0.element.score < 1 }
            .sorted { ($0.element.score, $0.offset) < ($1.element.score, $1.offset) }
            .prefix(2).map(\.element.key)
    }

    private static func place(_ override: ScaffoldOverride, _ state: inout ScaffoldState) -> ScaffoldStep {
        let current = state.level(top: override.top)
        let transition = ScaffoldTransition(
            rule: .override, at: override.at, from: current, to: min(max(override.level, 0), override.top),
            exerciseID: override.exerciseID, trainerID: override.trainerID, reason: override.reason)
        state.enter(transition)
        state.flagged = false
        return ScaffoldStep(
            event: .override(override), levelBefore: current, levelAfter: transition.to, outcome: .transition(transition),
            passStreak: 0, attemptsAtLevel: 0)
    }
}

/// Where a learner stands on one skill.
public struct ScaffoldState: Sendable, Equatable {
    /// The pending recheck after the last support was withdrawn.
    public struct DelayedCheck: Sendable, Equatable {
        /// When level 0 was reached.
        public var reachedAt: Date
        /// Days from then until this recheck.
        public var days: Int
        /// Attempts made from then on are the recheck.
        public var dueAt: Date
        /// The days of the rechecks after this one.
        public var later: [Int]
        /// The level that comes back if the check fails.
        public var previousLevel: Int

        /// The recheck `days` after `reachedAt`, with `later` ones to follow.
        public init(reachedAt: Date, days: Int, later: [Int] = [], previousLevel: Int) {
            self.reachedAt = reachedAt
            self.days = days
            self.dueAt = reachedAt.addingTimeInterval(Double(days) * 86_400)
            self.later = later
            self.previousLevel = previousLevel
        }

        /// The recheck after this one, if any.
        var next: DelayedCheck? {
            later.first.map { DelayedCheck(reachedAt: reachedAt, days: $0, later: Array(later.dropFirst()), previousLevel: previousLevel) }
        }
    }

    /// The level set by the last transition; nil until the first (the learner is at the top).
    public var placedLevel: Int?
    /// Whether the learner stalled and waits for a trainer (cleared by an override or by moving down).
    public var flagged = false
    /// The delayed check still to come, if any.
    public var delayedCheck: DelayedCheck?
    /// When the last recheck was passed (at level 0 until something moves the level).
    public var checkPassedAt: Date?
    /// The criteria the kick-off attempt scored lowest, by key (kept whatever happens after).
    public var developmentPoints: [String] = []
    /// The last change of level (or flag), if any.
    public var lastTransition: ScaffoldTransition?
    /// Consecutive passing attempts at the current level.
    public var passStreak: [ScaffoldEvidence] = []
    /// Consecutive attempts below the support threshold at the current level.
    public var lowStreak: [ScaffoldEvidence] = []
    /// Counted attempts since the level was entered.
    public var attemptsAtLevel: [ScaffoldEvidence] = []
    /// Attempts already judged by a counting review.
    public var assessed: Set<SubmissionID> = []
    /// The ladder height the counts were made on.
    public var countedTop: Int?
    /// The policy the streaks were judged by.
    public var streakPolicy: ScaffoldPolicy?

    /// A learner nobody has judged or placed yet: at the top of any ladder.
    public init() {}

    /// The current level on a ladder whose top is `top`.
    public func level(top: Int) -> Int { min(placedLevel ?? top, max(top, 0)) }

    mutating func enter(_ transition: ScaffoldTransition) {
        placedLevel = transition.to
        lastTransition = transition
        passStreak = []
        lowStreak = []
        attemptsAtLevel = []
        delayedCheck = nil
        checkPassedAt = nil
    }
}

/// A replayed log: the final state and the account of each event, in order.
public struct ScaffoldHistory: Sendable, Equatable {
    /// Where the learner stands now.
    public var state: ScaffoldState
    /// One step per event.
    public var steps: [ScaffoldStep]

    /// Every change of level (and every flag), oldest first.
    public var transitions: [ScaffoldTransition] { steps.compactMap(\.transition) }
}

/// One attempt's part in a decision.
public struct ScaffoldEvidence: Sendable, Equatable, Codable {
    /// The review that judged it.
    public var reviewID: ReviewID
    /// The attempt.
    public var submissionID: SubmissionID
    /// Its attempt number.
    public var attempt: Int
    /// Its normalised weighted score.
    public var total: Double
    /// Its lowest criterion score.
    public var lowest: Double
    /// When it was made.
    public var madeAt: Date

    init(_ assessment: ScaffoldAssessment) {
        reviewID = assessment.reviewID
        submissionID = assessment.submissionID
        attempt = assessment.attempt
        total = assessment.total
        lowest = assessment.lowest
        madeAt = assessment.attemptMadeAt
    }
}

/// A change of level: which rule, on what evidence, under which policy.
public struct ScaffoldTransition: Sendable, Equatable, Codable {
    /// The rule that fired.
    public enum Rule: String, Sendable, Codable, CaseIterable {
        /// Enough passing attempts in a row: one support less.
        case withdrawal
        /// Enough poor attempts in a row: one support back.
        case reinstatement
        /// The attempt after the delay at level 0 did not pass: the previous level back.
        case delayedCheckFailed = "delayed-check-failed"
        /// Too many attempts at one level: full support back and a trainer alerted.
        case stalled
        /// A trainer set the level.
        case override
        /// The review of a kick-off attempt set the level the learner starts at.
        case kickOff = "kick-off"
    }

    /// The rule.
    public var rule: Rule
    /// When it fired.
    public var at: Date
    /// The level before.
    public var from: Int
    /// The level after.
    public var to: Int
    /// The exercise whose event fired it (its ladder names the supports).
    public var exerciseID: ExerciseID
    /// The attempts it rests on (none for an override).
    public var evidence: [ScaffoldEvidence]
    /// The policy applied (none for an override).
    public var policy: ScaffoldPolicy?
    /// Its version.
    public var policyVersion: Int?
    /// The trainer, for an override.
    public var trainerID: UserID?
    /// The trainer's reason, for an override.
    public var reason: String?
    /// For a failed recheck: how many days after the last support went it was due.
    public var recheckDays: Int?
    /// For a kick-off: the criteria it scored lowest, by key.
    public var developmentPoints: [String]?

    /// Creates a transition.
    public init(
        rule: Rule, at: Date, from: Int, to: Int, exerciseID: ExerciseID, evidence: [ScaffoldEvidence] = [], policy: ScaffoldPolicy? = nil,
        policyVersion: Int? = nil, trainerID: UserID? = nil, reason: String? = nil
    ) {
        self.rule = rule
        self.at = at
        self.from = from
        self.to = to
        self.exerciseID = exerciseID
        self.evidence = evidence
        self.policy = policy
        self.policyVersion = policyVersion
        self.trainerID = trainerID
        self.reason = reason
    }
}

/// The engine's account of one event.
public struct ScaffoldStep: Sendable, Equatable {
    /// What the event did.
    public enum Outcome: Sendable, Equatable {
        /// Counted towards the rules; no rule fired.
        case counted
        /// A rule fired (or a trainer set the level).
        case transition(ScaffoldTransition)
        /// The delayed check passed: support stays withdrawn.
        case checkPassed
        /// A review of a kind that does not move levels under the policy (peers, self).
        case informs
        /// The attempt was already judged by an earlier review.
        case alreadyAssessed
        /// The attempt was made at another level than the learner's current one.
        case otherLevel

        /// A stable name: counted, transition, check-passed, informs, already-assessed, other-level.
        public var name: String {
            switch self {
            case .counted: "counted"
            case .transition: "transition"
            case .checkPassed: "check-passed"
            case .informs: "informs"
            case .alreadyAssessed: "already-assessed"
            case .otherLevel: "other-level"
            }
        }
    }

    /// The event.
    public var event: ScaffoldEvent
    /// The level before it (on the event's exercise's ladder).
    public var levelBefore: Int
    /// The level after it.
    public var levelAfter: Int
    /// What it did.
    public var outcome: Outcome
    /// Passing attempts in a row at the level after it.
    public var passStreak: Int
    /// Counted attempts at the level after it.
    public var attemptsAtLevel: Int
    /// For a recheck passed: how many days after the last support went it was due.
    public var recheckDays: Int?

    /// The transition, if a rule fired.
    public var transition: ScaffoldTransition? {
        if case .transition(let transition) = outcome { transition } else { nil }
    }
}
