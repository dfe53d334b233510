import Foundation
import Testing

@testable import SteigerCore

@Suite("The programme dashboard's counts")
struct DashboardTests {
    func tallies(_ contributions: [DashboardTally: Int], _ measure: DashboardTally.Measure) -> [[Int]] {
        contributions.filter { $0.key.measure == measure }.flatMap { key, count in Array(repeating: [key.a, key.b], count: count) }
            .sorted { $0.lexicographicallyPrecedes($1) }
    }

    @Test("Sanne's history adds up to where she started, each change of level, the day she was on her own, and her rechecks")
    func storyContributions() throws {
        var sanne = try Story(startingOn: "2026-09-07")
        for _ in 1...6 { sanne.attempt(0.8) }  // two passes a level: 3 → 0 after six attempts, the sixth made on day 5
        sanne.attempt(0.3, by: .peer)  // a peer's review informs and is no attempt that counts
        sanne.clock = sanne.clock.addingTimeInterval(6 * 86_400)
        sanne.attempt(0.9)  // the 7-day recheck passes
        sanne.clock = sanne.clock.addingTimeInterval(22 * 86_400)
        sanne.attempt(0.4)  // the 30-day recheck fails: the checklist is back
        #expect(sanne.level == 1)
        let counts = DashboardTally.contributions(of: sanne.history.steps, skill: "objections")
        #expect(tallies(counts, .level) == [[-1, 3], [0, 1], [1, 0], [2, 1], [3, 2]])
        #expect(tallies(counts, .independent) == [[6, 5]])
        #expect(tallies(counts, .recheck) == [[0, 30], [1, 7]])
        #expect(counts.keys.allSatisfy { $0.skillKey == "objections" && $0.exerciseID == sanne.exercise })
        let start = try Date("2026-09-07T09:00:00Z", strategy: .iso8601)
        #expect(counts.keys.first { $0.measure == .level && $0.a == -1 }?.week == DashboardTally.week(of: start))
        #expect(counts.keys.first { $0.measure == .recheck && $0.a == 0 }?.week == DashboardTally.week(of: start) + 5)
        // Nothing for a learner with no history.
        #expect(DashboardTally.contributions(of: [], skill: "objections").isEmpty)
    }

    @Test("Weeks start on Mondays (UTC), and review turnaround is counted in steps that stay within 5 %")
    func weeksAndBuckets() throws {
        let monday = try Date("2026-12-07T00:00:00Z", strategy: .iso8601)
        #expect(DashboardTally.week(of: monday) == DashboardTally.week(of: monday.addingTimeInterval(-1)) + 1)
        #expect(DashboardTally.week(of: monday) == DashboardTally.week(of: monday.addingTimeInterval(7 * 86_400 - 1)))
        #expect(DashboardTally.start(ofWeek: DashboardTally.week(of: monday.addingTimeInterval(3 * 86_400))) == monday)
        #expect([0, 59, 61, 239, 241, 1439, 1500, 10_000].map(DashboardTally.minuteBucket) == [0, 59, 60, 235, 240, 1425, 1500, 9960])
        for minutes in [61, 300, 2000, 20_000] {
            #expect(Double(minutes - DashboardTally.minuteBucket(minutes)) / Double(minutes) < 0.05)
        }
        let ready = monday
        let tally = DashboardTally.turnaround(kind: .peer, exerciseID: ExerciseID(), ready: ready, reviewed: ready.addingTimeInterval(95 * 60 + 30))
        #expect(tally.measure == .turnaround && tally.a == ReviewTask.Kind.peer.tallyIndex && tally.b == 95 && tally.skillKey.isEmpty)
        #expect(ReviewTask.Kind(tallyIndex: tally.a) == .peer && ReviewTask.Kind(tallyIndex: 99) == nil)
    }

    @Test("A trainer's correction changes the past: the difference takes the old counts away and adds the new ones")
    func correctionDifference() throws {
        var tom = try Story(startingOn: "2026-09-07")
        tom.attempt(0.8)
        tom.attempt(0.8)  // 3 → 2
        let before = DashboardTally.contributions(of: tom.history.steps, skill: "s")
        // The second review is corrected to a fail: the withdrawal did not happen.
        guard case .assessed(var second) = tom.events[1] else {
            Issue.record("no assessment")
            return
        }
        second.total = 0.3
        second.lowest = 0.3
        second.isCorrection = true
        second.at = tom.clock
        tom.events.append(.assessed(second))
        let after = DashboardTally.contributions(of: tom.history.steps, skill: "s")
        #expect(tallies(before, .level) == [[-1, 3], [3, 2]])
        #expect(tallies(after, .level) == [[-1, 3]])
        let change = DashboardTally.difference(from: before, to: after)
        #expect(change.values.allSatisfy { $0 != 0 } && change.count == 1 && change.values.first == -1)
        var applied = before
        for (key, count) in change { applied[key, default: 0] += count }
        #expect(applied.filter { $0.value != 0 } == after)
    }

    @Test("The report: levels carried from before the period, medians and 90th percentiles by nearest rank, turnaround per kind")
    func report() {
        let week = 3000
        let rows: [DashboardTallyRow] = [
            // Before the period: four learners start at 3, two of them move to 2.
            .init(.level, skillKey: "s", week: week - 5, a: -1, b: 3, count: 4),
            .init(.level, skillKey: "s", week: week - 4, a: 3, b: 2, count: 2),
            // In it: one reaches 0 (via 1), one more starts.
            .init(.level, skillKey: "s", week: week, a: 2, b: 1, count: 1),
            .init(.level, skillKey: "s", week: week + 1, a: 1, b: 0, count: 1),
            .init(.level, skillKey: "s", week: week + 1, a: -1, b: 3, count: 1),
            .init(.independent, skillKey: "s", week: week + 1, a: 6, b: 12, count: 1),
            .init(.independent, skillKey: "s", week: week - 3, a: 4, b: 3, count: 1),
            // After the period: not counted.
            .init(.level, skillKey: "s", week: week + 3, a: -1, b: 3, count: 9),
            .init(.turnaround, skillKey: "", week: week, a: ReviewTask.Kind.trainer.tallyIndex, b: 30, count: 8),
            .init(.turnaround, skillKey: "", week: week + 2, a: ReviewTask.Kind.trainer.tallyIndex, b: 600, count: 2),
            .init(.turnaround, skillKey: "", week: week - 1, a: ReviewTask.Kind.peer.tallyIndex, b: 5, count: 3),
            .init(.recheck, skillKey: "s", week: week + 2, a: 1, b: 7, count: 2),
            .init(.recheck, skillKey: "s", week: week + 2, a: 0, b: 7, count: 1),
        ].filter { $0.week <= week + 2 }
        let report = DashboardReport(
            weeks: week...(week + 2), tallies: rows, skillNames: ["s": "Objections"], overdue: [], peers: [], stalled: [], stalledTotal: 0)
        #expect(report.levels.map(\.learners) == [[3: 2, 2: 1, 1: 1], [3: 3, 2: 1, 0: 1], [3: 3, 2: 1, 0: 1]])
        #expect(report.levels.map(\.total) == [4, 5, 5])
        #expect(report.levels[1].share(0) == 0.2 && report.topLevel == 3)
        #expect(
            report.independence == [
                .init(
                    skillKey: "s", skill: "Objections", started: 5, independent: 2, reached: 1, attemptsMedian: 6, attemptsP90: 6, daysMedian: 12,
                    daysP90: 12)
            ])
        #expect(report.turnaround == [.init(kind: .trainer, reviews: 10, medianMinutes: 30, p90Minutes: 600)])
        #expect(report.rechecks == [.init(days: 7, passed: 2, failed: 1)])
        #expect(DashboardReport.percentile(0.5, of: [1: 1, 2: 1, 3: 1, 4: 1, 10: 1]) == 3)
        #expect(DashboardReport.percentile(0.9, of: [1: 1, 2: 1, 3: 1, 4: 1, 10: 1]) == 10)
        #expect(DashboardReport.percentile(0.5, of: [:]) == nil)
    }
}
