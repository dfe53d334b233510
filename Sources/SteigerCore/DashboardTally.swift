import Foundation

/// The programme dashboard's counts, kept as the things they count happen so a dashboard over
/// thousands of learners reads a few thousand rows instead of millions.
///
/// A tally counts events of one measure in one cohort, exercise and skill, in one week, by two
/// small numbers whose meaning depends on the measure (see ``Measure``). Tallies are anonymous
/// counts: they hold no person.
public struct DashboardTally: Sendable, Hashable {
    /// What is counted, and what `a` and `b` mean.
    public enum Measure: String, Sendable, Codable, CaseIterable {
        /// A learner's level on a skill changed from `a` to `b` (`a` is -1 when they started on
        /// the skill: `b` is then the level they started at).
        case level
        /// A learner reached level 0 on a skill for the first time, after `a` attempts and `b`
        /// days from their first attempt at it.
        case independent
        /// A recheck `b` days after the last support went: passed (`a` = 1) or failed (`a` = 0).
        case recheck
        /// A review was sent: `a` is its kind (``ReviewTask/Kind``'s index), `b` the minutes from the
        /// attempt being ready for review to the review, in ``DashboardTally/minuteBucket(_:)`` steps.
        case turnaround
    }

    /// The measure.
    public var measure: Measure
    /// The exercise the event belongs to.
    public var exerciseID: ExerciseID
    /// The skill (empty for a review's turnaround).
    public var skillKey: String
    /// The week it happened in (see ``DashboardTally/week(of:)``).
    public var week: Int
    /// The first number.
    public var a: Int
    /// The second number.
    public var b: Int

    /// Creates a tally key.
    public init(_ measure: Measure, exerciseID: ExerciseID, skillKey: String, week: Int, a: Int, b: Int) {
        (self.measure, self.exerciseID, self.skillKey, self.week, self.a, self.b) = (measure, exerciseID, skillKey, week, a, b)
    }
}

extension DashboardTally {
    static let weekSeconds = 7 * 86_400
    /// 1970-01-01 was a Thursday: weeks start on the Monday before.
    static let mondayOffset = 3 * 86_400

    /// The week `date` falls in, counted in whole weeks from Monday 29 December 1969 (UTC), so
    /// weeks start on Mondays as ISO 8601 has them.
    public static func week(of date: Date) -> Int {
        Int(((date.timeIntervalSince1970 + Double(mondayOffset)) / Double(weekSeconds)).rounded(.down))
    }

    /// The Monday (00:00 UTC) week `week` starts on.
    public static func start(ofWeek week: Int) -> Date {
        Date(timeIntervalSince1970: Double(week * weekSeconds - mondayOffset))
    }

    /// Minutes rounded down to a step that keeps every bucket within 5 % of its value: whole
    /// minutes to an hour, 5 minutes to 4 hours, 15 to a day, then whole hours.
    public static func minuteBucket(_ minutes: Int) -> Int {
        switch max(minutes, 0) {
        case ..<60: max(minutes, 0)
        case let m where m < 240: m - m % 5
        case let m where m < 1440: m - m % 15
        case let m: m - m % 60
        }
    }

    /// The tallies a learner's history on one skill adds up to: where they started and each
    /// change of level, the first time they reached level 0, and each recheck.
    public static func contributions(of steps: [ScaffoldStep], skill: String) -> [DashboardTally: Int] {
        var tallies: [DashboardTally: Int] = [:]
        guard let first = steps.first else { return tallies }
        func add(_ measure: Measure, _ step: ScaffoldStep, _ a: Int, _ b: Int) {
            let key = DashboardTally(measure, exerciseID: step.event.exerciseID, skillKey: skill, week: week(of: step.event.at), a: a, b: b)
            tallies[key, default: 0] += 1
        }
        add(.level, first, -1, first.levelBefore)
        var attempts = 0
        var independent = false
        let startedAt = first.event.startedAt
        for step in steps {
            if case .assessed = step.event, step.outcome != .informs, step.outcome != .alreadyAssessed { attempts += 1 }
            if step.levelAfter != step.levelBefore { add(.level, step, step.levelBefore, step.levelAfter) }
            if !independent, step.levelAfter == 0 {
                independent = true
                let days = Int((step.event.at.timeIntervalSince(startedAt) / 86_400).rounded(.down))
                add(.independent, step, attempts, max(days, 0))
            }
            if step.outcome == .checkPassed, let days = step.recheckDays { add(.recheck, step, 1, days) }
            if let transition = step.transition, transition.rule == .delayedCheckFailed, let days = transition.recheckDays {
                add(.recheck, step, 0, days)
            }
        }
        return tallies
    }

    /// The tally of one sent review: the minutes from its task being made (the attempt ready
    /// for review) to the review.
    public static func turnaround(kind: ReviewTask.Kind, exerciseID: ExerciseID, ready: Date, reviewed: Date) -> DashboardTally {
        let minutes = Int((reviewed.timeIntervalSince(ready) / 60).rounded(.down))
        return DashboardTally(
            .turnaround, exerciseID: exerciseID, skillKey: "", week: week(of: reviewed), a: kind.tallyIndex, b: minuteBucket(minutes))
    }

    /// What turns `old` into `new`: the counts to add (negative to take away), none of them 0.
    public static func difference(from old: [DashboardTally: Int], to new: [DashboardTally: Int]) -> [DashboardTally: Int] {
        var change = new
        for (key, count) in old { change[key, default: 0] -= count }
        return change.filter { $0.value != 0 }
    }
}

extension ReviewTask.Kind {
    /// The kind's number in a turnaround tally (its place in ``allCases``).
    public var tallyIndex: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    /// The kind a turnaround tally's number stands for.
    public init?(tallyIndex: Int) {
        guard Self.allCases.indices.contains(tallyIndex) else { return nil }
        self = Self.allCases[tallyIndex]
    }
}

extension ScaffoldEvent {
    /// When the attempt it judges was made (an override: when it was set).
    var startedAt: Date {
        switch self {
        case .assessed(let assessment): assessment.attemptMadeAt
        case .override(let override): override.at
        }
    }
}
