import Foundation
import SteigerCore
import SteigerStore

/// The programme dashboard of administrators (every cohort) and trainers (the cohorts they
/// train): per cohort, exercise and period, how learners become independent and stay so, and how
/// the reviewing goes.
public struct Dashboards: Sendable {
    let store: Store
    let exercises: Exercises
    let now: @Sendable () -> Date

    /// What the dashboard is about: one cohort or all the reader may see, one exercise (its
    /// skill's levels, its reviews) or all, and the weeks from `from` to `to`.
    public struct Filter: Sendable, Equatable {
        public var cohort: CohortID?
        public var exercise: ExerciseID?
        /// The first and the last day (nil: the 12 weeks up to today).
        public var from: Date?
        public var to: Date?

        public init(cohort: CohortID? = nil, exercise: ExerciseID? = nil, from: Date? = nil, to: Date? = nil) {
            (self.cohort, self.exercise, self.from, self.to) = (cohort, exercise, from, to)
        }
    }

    /// The report with what it was chosen from.
    public struct Dashboard: Sendable {
        public var report: DashboardReport
        /// The cohorts and exercises the reader may choose.
        public var cohorts: [Cohort]
        public var exercises: [Exercise]
        /// The filter as applied (the period filled in).
        public var filter: Filter
    }

    /// Weeks shown when no period is chosen.
    public static let defaultWeeks = 12
    /// The longest period, in weeks.
    public static let longestWeeks = 104

    /// The dashboard for `filter`.
    /// - Throws: not allowed for learners and managers; not found for a cohort or exercise the
    ///   reader does not train; invalid for a period that ends before it starts or is longer than two years.
    public func dashboard(_ actor: Actor, _ filter: Filter) async throws -> Dashboard {
        try AccessPolicy.require(actor, .view, .dashboard(cohort: filter.cohort), .cohort)
        let everything = AccessPolicy.listScope(for: actor) == .everything
        let choices = try await store.allCohorts(scope: AccessPolicy.listScope(for: actor)).filter {
            AccessPolicy.decide(actor, .view, .dashboard(cohort: $0.id)) == .allow
        }
        if let cohort = filter.cohort, !choices.contains(where: { $0.id == cohort }) { throw AppError.notFound(.cohort) }
        let scope: Set<CohortID>? = filter.cohort.map { [$0] } ?? (everything ? nil : Set(choices.map(\.id)))
        let visible = try await exercises.all(actor).filter { exercise in
            everything || exercise.cohorts.contains(where: actor.trains)
        }
        var exercise: Exercise?
        if let id = filter.exercise {
            guard let chosen = visible.first(where: { $0.id == id }) else { throw AppError.notFound(.exercise) }
            exercise = chosen
        }
        let today = now()
        let to = filter.to ?? today
        let from = filter.from ?? to.addingTimeInterval(-Double(Self.defaultWeeks * 7 - 1) * 86_400)
        guard from <= to else { throw AppError.invalid("from", Message("validation.periodOrder")) }
        let weeks = DashboardTally.week(of: from)...DashboardTally.week(of: to)
        guard weeks.count <= Self.longestWeeks else {
            throw AppError.invalid("to", Message("validation.periodLength", ["weeks": .integer(Self.longestWeeks)]))
        }
        let tallies = try await store.dashboardTallies(cohorts: scope, exercise: exercise, weeks: weeks)
        let overdue = try await store.overdueReviews(cohorts: scope, exercise: exercise?.id, now: today)
        let peers = try await store.peerBalanceShares(cohorts: scope)
        let stalled = try await store.stalledLearners(
            cohorts: scope, exercise: exercise, quietSince: today.addingTimeInterval(-Double(DashboardReport.quietDays) * 86_400),
            limit: DashboardReport.stalledLimit)
        var names: [String: String] = [:]
        for item in visible where names[item.skillKey] == nil { names[item.skillKey] = item.skill }
        let report = DashboardReport(
            weeks: weeks, tallies: tallies, skillNames: names, overdue: overdue, peers: peers, stalled: stalled.learners,
            stalledTotal: stalled.total)
        return Dashboard(
            report: report, cohorts: choices,
            exercises: visible.sorted { $0.title.lowercased() < $1.title.lowercased() },
            filter: Filter(cohort: filter.cohort, exercise: filter.exercise, from: from, to: to))
    }
}
