import Foundation

/// The programme dashboard for one choice of cohorts, exercise and weeks: how fast learners
/// become independent, how levels spread over time, how quickly reviews come, what is overdue,
/// how peers give and take, how rechecks go, and who is stalled.
public struct DashboardReport: Sendable, Equatable {
    /// Time to independence on one skill.
    public struct Independence: Sendable, Equatable {
        /// The skill's key.
        public var skillKey: String
        /// Its name.
        public var skill: String
        /// Learners who had started on it by the end of the period.
        public var started: Int
        /// Of those, how many had reached level 0 by then.
        public var independent: Int
        /// Learners who reached level 0 in the period.
        public var reached: Int
        /// Their attempts from the first to level 0: median and 90th percentile.
        public var attemptsMedian: Int?
        public var attemptsP90: Int?
        /// Their days from the first attempt to level 0: median and 90th percentile.
        public var daysMedian: Int?
        public var daysP90: Int?
    }

    /// How many learner-skills stood at each level at the end of one week.
    public struct LevelWeek: Sendable, Equatable {
        /// The week's Monday.
        public var week: Date
        /// Learners at each level, by level (0: independent).
        public var learners: [Int: Int]
        /// All of them.
        public var total: Int { learners.values.reduce(0, +) }
        /// The share at `level`, 0 to 1 (0 when nobody has started).
        public func share(_ level: Int) -> Double { total == 0 ? 0 : Double(learners[level] ?? 0) / Double(total) }
    }

    /// How quickly reviews of one kind came.
    public struct Turnaround: Sendable, Equatable {
        public var kind: ReviewTask.Kind
        /// Reviews sent in the period.
        public var reviews: Int
        /// Minutes from ready for review to reviewed: median and 90th percentile.
        public var medianMinutes: Int
        public var p90Minutes: Int
    }

    /// Rechecks at one interval.
    public struct Recheck: Sendable, Equatable {
        /// Days after the last support went.
        public var days: Int
        public var passed: Int
        public var failed: Int
    }

    /// Reviews past their due time and not sent, in one cohort, of one kind.
    public struct Overdue: Sendable, Equatable {
        public var cohortID: CohortID
        public var cohort: String
        public var kind: ReviewTask.Kind
        public var count: Int
        /// The oldest due time among them.
        public var oldestDue: Date

        public init(cohortID: CohortID, cohort: String, kind: ReviewTask.Kind, count: Int, oldestDue: Date) {
            (self.cohortID, self.cohort, self.kind, self.count, self.oldestDue) = (cohortID, cohort, kind, count, oldestDue)
        }
    }

    /// How many learners have one give/take balance (peer reviews asked of them minus those
    /// asked on their attempts).
    public struct PeerShare: Sendable, Equatable {
        public var balance: Int
        public var learners: Int

        public init(balance: Int, learners: Int) { (self.balance, self.learners) = (balance, learners) }
    }

    /// A learner who has not moved.
    public struct Stalled: Sendable, Equatable {
        public enum Reason: String, Sendable { case flagged, quiet }
        public var learnerID: UserID
        public var learner: String
        public var cohort: String
        public var skill: String
        public var level: Int?
        public var lastActivity: Date
        /// Flagged by the stalling rule, or no reviewed attempt for ``DashboardReport/quietDays`` days.
        public var reason: Reason

        public init(
            learnerID: UserID, learner: String, cohort: String, skill: String, level: Int?, lastActivity: Date, reason: Reason
        ) {
            (self.learnerID, self.learner, self.cohort, self.skill) = (learnerID, learner, cohort, skill)
            (self.level, self.lastActivity, self.reason) = (level, lastActivity, reason)
        }
    }

    /// The first and last week shown.
    public var weeks: ClosedRange<Int>
    public var independence: [Independence]
    public var levels: [LevelWeek]
    /// The highest level any learner stood at in the period.
    public var topLevel: Int
    public var turnaround: [Turnaround]
    public var rechecks: [Recheck]
    public var overdue: [Overdue]
    public var peers: [PeerShare]
    public var stalled: [Stalled]
    /// All stalled learners, when more than the list holds.
    public var stalledTotal: Int

    /// Days without a reviewed attempt, with supports left, after which a learner counts as stalled.
    public static let quietDays = 14
    /// The longest list of stalled learners shown.
    public static let stalledLimit = 100
}

/// One row of summed tallies as a store reads them.
public struct DashboardTallyRow: Sendable, Equatable {
    public var measure: DashboardTally.Measure
    public var skillKey: String
    public var week: Int
    public var a: Int
    public var b: Int
    public var count: Int

    /// Creates a row.
    public init(_ measure: DashboardTally.Measure, skillKey: String, week: Int, a: Int, b: Int, count: Int) {
        (self.measure, self.skillKey, self.week, self.a, self.b, self.count) = (measure, skillKey, week, a, b, count)
    }
}

extension DashboardReport {
    /// Builds the report for `weeks` from the tallies up to its last week (every week before
    /// the first counts towards the levels it starts from), with the live parts read elsewhere.
    public init(
        weeks: ClosedRange<Int>, tallies: [DashboardTallyRow], skillNames: [String: String], overdue: [Overdue], peers: [PeerShare],
        stalled: [Stalled], stalledTotal: Int
    ) {
        self.weeks = weeks
        let upToEnd = tallies.filter { $0.week <= weeks.upperBound }
        let inPeriod = upToEnd.filter { $0.week >= weeks.lowerBound }

        // Time to independence, per skill.
        var bySkill: [String: Independence] = [:]
        var attempts: [String: [Int: Int]] = [:]
        var days: [String: [Int: Int]] = [:]
        func entry(_ key: String) -> Independence {
            bySkill[key] ?? Independence(skillKey: key, skill: skillNames[key] ?? key, started: 0, independent: 0, reached: 0)
        }
        for row in upToEnd {
            switch row.measure {
            case .level where row.a == -1: bySkill[row.skillKey] = with(entry(row.skillKey)) { $0.started += row.count }
            case .independent:
                bySkill[row.skillKey] = with(entry(row.skillKey)) { $0.independent += row.count }
                if row.week >= weeks.lowerBound {
                    bySkill[row.skillKey] = with(entry(row.skillKey)) { $0.reached += row.count }
                    attempts[row.skillKey, default: [:]][row.a, default: 0] += row.count
                    days[row.skillKey, default: [:]][row.b, default: 0] += row.count
                }
            default: break
            }
        }
        independence = bySkill.values.map { item in
            with(item) {
                $0.attemptsMedian = Self.percentile(0.5, of: attempts[item.skillKey] ?? [:])
                $0.attemptsP90 = Self.percentile(0.9, of: attempts[item.skillKey] ?? [:])
                $0.daysMedian = Self.percentile(0.5, of: days[item.skillKey] ?? [:])
                $0.daysP90 = Self.percentile(0.9, of: days[item.skillKey] ?? [:])
            }
        }.sorted { ($0.skill.lowercased(), $0.skillKey) < ($1.skill.lowercased(), $1.skillKey) }

        // Levels at the end of each week: every change up to it, counted in and out.
        var change: [Int: [Int: Int]] = [:]
        for row in upToEnd where row.measure == .level {
            let week = max(row.week, weeks.lowerBound)
            change[week, default: [:]][row.b, default: 0] += row.count
            if row.a >= 0 { change[week, default: [:]][row.a, default: 0] -= row.count }
        }
        var standing: [Int: Int] = [:]
        var levels: [LevelWeek] = []
        var top = 0
        for week in weeks {
            for (level, count) in change[week] ?? [:] { standing[level, default: 0] += count }
            let present = standing.filter { $0.value > 0 }
            top = max(top, present.keys.max() ?? 0)
            levels.append(LevelWeek(week: DashboardTally.start(ofWeek: week), learners: present))
        }
        self.levels = levels
        topLevel = top

        // Review turnaround, per kind.
        var minutes: [ReviewTask.Kind: [Int: Int]] = [:]
        for row in inPeriod where row.measure == .turnaround {
            guard let kind = ReviewTask.Kind(tallyIndex: row.a) else { continue }
            minutes[kind, default: [:]][row.b, default: 0] += row.count
        }
        turnaround = ReviewTask.Kind.allCases.compactMap { kind in
            guard let histogram = minutes[kind], let median = Self.percentile(0.5, of: histogram),
                let p90 = Self.percentile(0.9, of: histogram)
            else { return nil }
            return Turnaround(kind: kind, reviews: histogram.values.reduce(0, +), medianMinutes: median, p90Minutes: p90)
        }

        // Rechecks, per interval.
        var rechecks: [Int: Recheck] = [:]
        for row in inPeriod where row.measure == .recheck {
            var item = rechecks[row.b] ?? Recheck(days: row.b, passed: 0, failed: 0)
            if row.a == 1 { item.passed += row.count } else { item.failed += row.count }
            rechecks[row.b] = item
        }
        self.rechecks = rechecks.values.sorted { $0.days < $1.days }
        self.overdue = overdue
        self.peers = peers.sorted { $0.balance < $1.balance }
        self.stalled = stalled
        self.stalledTotal = stalledTotal
    }

    /// The nearest-rank percentile `p` (0 to 1) of a histogram of values and their counts.
    public static func percentile(_ p: Double, of histogram: [Int: Int]) -> Int? {
        let total = histogram.values.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = max(Int((p * Double(total)).rounded(.up)), 1)
        var seen = 0
        for (value, count) in histogram.sorted(by: { $0.key < $1.key }) {
            seen += count
            if seen >= rank { return value }
        }
        return histogram.keys.max()
    }
}

private func with<T>(_ value: T, _ change: (inout T) -> Void) -> T {
    var value = value
    change(&value)
    return value
}
