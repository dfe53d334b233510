import Foundation
import SteigerCore

extension Store {
    // MARK: - The programme dashboard

    /// The tallies of `cohorts` (every cohort when nil) that a report for `weeks` reads, summed
    /// over cohorts: levels and independence up to and including the last week (they add up from
    /// the start), turnaround and rechecks within the weeks. With `exercise`, reviews of that
    /// exercise and the levels of its skill.
    public func dashboardTallies(cohorts: Set<CohortID>?, exercise: Exercise?, weeks: ClosedRange<Int>) async throws -> [DashboardTallyRow] {
        var filters: [SQLStatement] = [
            "week <= \(bind: weeks.upperBound)",
            "(measure IN ('level', 'independent') OR week >= \(bind: weeks.lowerBound))",
        ]
        if let cohorts { filters.append(SQLStatement.isIn("cohort_id", cohorts)) }
        if let exercise {
            filters.append(
                """
                ((measure = 'turnaround' AND exercise_id = \(bind: exercise.id.description))
                 OR (measure <> 'turnaround' AND skill_key = \(bind: exercise.skillKey)))
                """)
        }
        let condition = SQLStatement.joined(filters, separator: " AND ")
        return try await read { session in
            try await session.query(
                """
                SELECT measure, skill_key, week, a, b, CAST(SUM(n) AS BIGINT) AS n FROM dashboard_tallies WHERE \(condition)
                GROUP BY measure, skill_key, week, a, b
                """
            ).compactMap { row in
                guard let measure = DashboardTally.Measure(rawValue: try row.string("measure")) else { return nil }
                return DashboardTallyRow(
                    measure, skillKey: try row.string("skill_key"), week: Int(try row.int("week")), a: Int(try row.int("a")),
                    b: Int(try row.int("b")), count: Int(try row.int("n")))
            }
        }
    }

    /// Reviews past their due time and not sent, per cohort and kind, in `cohorts` (every cohort when nil).
    public func overdueReviews(cohorts: Set<CohortID>?, exercise: ExerciseID?, now: Date) async throws -> [DashboardReport.Overdue] {
        // In the terms of the index of unfinished tasks with a deadline (`review_tasks_due`).
        var filters: [SQLStatement] = ["t.status <> 'done'", "t.due_at IS NOT NULL", "t.due_at < \(bind: now)"]
        if let cohorts { filters.append(SQLStatement.isIn("t.cohort_id", cohorts)) }
        // The attempts are joined only to know their exercise.
        let attempts: SQLStatement = exercise == nil ? "" : " JOIN submissions s ON s.id = t.submission_id"
        if let exercise { filters.append("s.exercise_id = \(bind: exercise.description)") }
        let condition = SQLStatement.joined(filters, separator: " AND ")
        return try await read { session in
            try await session.query(
                """
                SELECT t.cohort_id, c.name, t.kind, COUNT(*) AS n, MIN(t.due_at) AS oldest
                FROM review_tasks t JOIN cohorts c ON c.id = t.cohort_id\(attempts)
                WHERE \(condition)
                GROUP BY t.cohort_id, c.name, t.kind ORDER BY c.name, t.cohort_id, t.kind
                """
            ).compactMap { row in
                guard let kind = ReviewTask.Kind(rawValue: try row.string("kind")) else { return nil }
                return DashboardReport.Overdue(
                    cohortID: try row.id("cohort_id"), cohort: try row.string("name"), kind: kind, count: Int(try row.int("n")),
                    oldestDue: try row.date("oldest"))
            }
        }
    }

    /// How many of the learners of `cohorts` (every cohort when nil) have each give/take balance
    /// in peer review there; learners who never gave nor received count at 0.
    public func peerBalanceShares(cohorts: Set<CohortID>?) async throws -> [DashboardReport.PeerShare] {
        let inCohorts: SQLStatement = cohorts.map { SQLStatement.isIn("cohort_id", $0) } ?? "1 = 1"
        return try await read { session in
            var balance: [UserID: Int] = [:]
            for row in try await session.query("SELECT user_id FROM memberships WHERE part = 'learner' AND \(inCohorts)") {
                balance[try row.id("user_id")] = 0
            }
            for (person, counts) in try await Self.peerCounts(in: cohorts, session: session) {
                balance[person, default: 0] += counts.balance
            }
            var shares: [Int: Int] = [:]
            for value in balance.values { shares[value, default: 0] += 1 }
            return shares.map { DashboardReport.PeerShare(balance: $0.key, learners: $0.value) }
        }
    }

    /// Learners of `cohorts` (every cohort when nil) with supports left on a skill who were
    /// flagged by the stalling rule, or whose last reviewed attempt is older than `quietSince`:
    /// the first `limit` by their last activity, oldest first, and how many there are in all.
    public func stalledLearners(
        cohorts: Set<CohortID>?, exercise: Exercise?, quietSince: Date, limit: Int
    ) async throws -> (learners: [DashboardReport.Stalled], total: Int) {
        var filters: [SQLStatement] = [
            "m.part = 'learner'", "(st.level IS NULL OR st.level > 0)", "(st.flagged = 1 OR st.updated_at < \(bind: quietSince))",
        ]
        if let cohorts { filters.append(SQLStatement.isIn("m.cohort_id", cohorts)) }
        if let exercise { filters.append("st.skill_key = \(bind: exercise.skillKey)") }
        // A learner's skill counts in the cohorts that practise an exercise of it.
        let from: SQLStatement = """
            FROM scaffold_states st JOIN memberships m ON m.user_id = st.learner_id JOIN users u ON u.id = st.learner_id
            JOIN cohorts c ON c.id = m.cohort_id
            WHERE \(SQLStatement.joined(filters, separator: " AND ")) AND EXISTS (SELECT 1 FROM exercise_cohorts ec
                JOIN exercises e ON e.id = ec.exercise_id WHERE ec.cohort_id = m.cohort_id AND e.skill_key = st.skill_key)
            """
        return try await read { session in
            // One pass finds them all, counts them and keeps the first `limit`.
            let rows = try await session.query(
                """
                SELECT st.learner_id, u.display_name, c.name AS cohort, st.skill_key, st.level, st.flagged, st.updated_at,
                    COUNT(*) OVER () AS total
                \(from) ORDER BY st.updated_at, st.learner_id, c.name LIMIT \(bind: max(limit, 1))
                """)
            var skillNames: [String: String] = [:]
            for row in try await session.query("SELECT skill_key, MIN(skill_name) AS skill_name FROM exercises GROUP BY skill_key") {
                if let name = try row.optionalString("skill_name"), !name.isEmpty { skillNames[try row.string("skill_key")] = name }
            }
            let learners = try rows.prefix(max(limit, 0)).map { row in
                let key = try row.string("skill_key")
                return DashboardReport.Stalled(
                    learnerID: try row.id("learner_id"), learner: try row.string("display_name"), cohort: try row.string("cohort"),
                    skill: skillNames[key] ?? key, level: try row.optionalInt("level").map(Int.init),
                    lastActivity: try row.date("updated_at"), reason: try row.bool("flagged") ? .flagged : .quiet)
            }
            return (learners, Int(try rows.first?.int("total") ?? 0))
        }
    }

    // MARK: - Keeping the tallies

    /// Adds `changes` (negative counts take away) to the tallies of each cohort ("" for none), in
    /// one statement, in a fixed order so concurrent writers never wait on each other in a circle.
    static func tally(_ changes: [String: [DashboardTally: Int]], in session: any DatabaseSession) async throws {
        func order(_ cohort: String, _ key: DashboardTally) -> String {
            "\(cohort)|\(key.measure.rawValue)|\(key.exerciseID)|\(key.skillKey)|\(key.week)|\(key.a)|\(key.b)"
        }
        let rows = changes.flatMap { cohort, tallies in tallies.filter { $0.value != 0 }.map { (cohort, $0.key, $0.value) } }
            .sorted { order($0.0, $0.1) < order($1.0, $1.1) }
        guard !rows.isEmpty else { return }
        let values = SQLStatement.joined(
            rows.map { cohort, key, count in
                """
                (\(bind: key.measure.rawValue), \(bind: cohort), \(bind: key.exerciseID.description), \(bind: key.skillKey), \(bind: key.week),
                 \(bind: key.a), \(bind: key.b), \(bind: count))
                """
            }, separator: ", ")
        _ = try await session.query(
            """
            INSERT INTO dashboard_tallies (measure, cohort_id, exercise_id, skill_key, week, a, b, n) VALUES \(values)
            ON CONFLICT (measure, cohort_id, exercise_id, skill_key, week, a, b) DO UPDATE SET n = dashboard_tallies.n + excluded.n
            """)
    }

    /// Brings the tallies of `learner` on `skill` from what `old` added up to (under the cohort
    /// they were counted in) to what `new` adds up to, counted in the cohort where they practise
    /// `exercise` now; returns that cohort for the standing to keep, or nil when the counts did
    /// not change (most reviews: no level moved), which costs no query at all. A learner who
    /// moved to another cohort takes their counts along at the next event that changes them.
    static func retally(
        learner: UserID, skill: String, exercise: ExerciseID, old: [ScaffoldStep], new: [ScaffoldStep], in session: any DatabaseSession
    ) async throws -> String? {
        let before = DashboardTally.contributions(of: old, skill: skill)
        let after = DashboardTally.contributions(of: new, skill: skill)
        guard before != after else { return nil }
        let counted =
            try await session.query(
                """
                SELECT tally_cohort FROM scaffold_states WHERE learner_id = \(bind: learner.description) AND skill_key = \(bind: skill)
                """
            ).first?.optionalString("tally_cohort") ?? ""
        let cohort = try await retallyCohort(learner: learner, exercise: exercise, in: session)
        if counted == cohort {
            try await tally([cohort: DashboardTally.difference(from: before, to: after)], in: session)
        } else {
            try await tally([counted: before.mapValues { -$0 }, cohort: after], in: session)
        }
        return cohort
    }

    /// Takes what `learner`'s logs added to the tallies away again (their erasure).
    static func untally(learner: UserID, in session: any DatabaseSession) async throws {
        let rows = try await session.query(
            """
            SELECT e.learner_id, e.skill_key, e.kind, e.payload FROM scaffold_events e
            WHERE e.learner_id = \(bind: learner.description) ORDER BY e.skill_key, e.seq
            """)
        var counted: [String: String] = [:]
        for row in try await session.query(
            "SELECT skill_key, tally_cohort FROM scaffold_states WHERE learner_id = \(bind: learner.description)")
        {
            counted[try row.string("skill_key")] = try row.optionalString("tally_cohort") ?? ""
        }
        var changes: [String: [DashboardTally: Int]] = [:]
        for log in try logs(rows) {
            for (key, count) in DashboardTally.contributions(of: ScaffoldEngine.replay(log.events).steps, skill: log.skill) {
                changes[counted[log.skill] ?? "", default: [:]][key, default: 0] -= count
            }
        }
        try await tally(changes, in: session)
    }

    /// Counts every log again from the start (after the tallies were added to an existing
    /// database, or to repair them); reviews' turnaround is counted again from the sent reviews.
    /// Returns how many logs it counted.
    @discardableResult
    public func rebuildDashboardTallies() async throws -> Int {
        try await write { session in
            _ = try await session.query("DELETE FROM dashboard_tallies")
            let rows = try await session.query(
                "SELECT learner_id, skill_key, kind, payload FROM scaffold_events ORDER BY learner_id, skill_key, seq")
            var changes: [String: [DashboardTally: Int]] = [:]
            let logs = try Self.logs(rows)
            for log in logs {
                guard let learner = UserID(log.learner), let first = log.events.first else { continue }
                let cohort = try await Self.retallyCohort(learner: learner, exercise: first.exerciseID, in: session)
                for (tally, count) in DashboardTally.contributions(of: ScaffoldEngine.replay(log.events).steps, skill: log.skill) {
                    changes[cohort, default: [:]][tally, default: 0] += count
                }
                _ = try await session.query(
                    """
                    UPDATE scaffold_states SET tally_cohort = \(bind: cohort)
                    WHERE learner_id = \(bind: learner.description) AND skill_key = \(bind: log.skill)
                    """)
            }
            for row in try await session.query(
                """
                SELECT t.cohort_id, t.kind, t.created_at, r.submitted_at, s.exercise_id FROM reviews r
                JOIN review_tasks t ON t.id = r.task_id JOIN submissions s ON s.id = r.submission_id
                """)
            {
                guard let kind = ReviewTask.Kind(rawValue: try row.string("kind")) else { continue }
                let tally = DashboardTally.turnaround(
                    kind: kind, exerciseID: try row.id("exercise_id"), ready: try row.date("created_at"), reviewed: try row.date("submitted_at"))
                changes[try row.string("cohort_id"), default: [:]][tally, default: 0] += 1
            }
            // In slices, so no statement carries more values than a database takes.
            for (cohort, tallies) in changes {
                let items = Array(tallies)
                for start in stride(from: 0, to: items.count, by: 500) {
                    try await Self.tally(
                        [cohort: Dictionary(uniqueKeysWithValues: items[start..<min(start + 500, items.count)].map { ($0.key, $0.value) })],
                        in: session)
                }
            }
            return logs.count
        }
    }

    /// The cohort where `learner` practises `exercise` ("" for none).
    static func retallyCohort(learner: UserID, exercise: ExerciseID, in session: any DatabaseSession) async throws -> String {
        try await session.query(
            """
            SELECT MIN(m.cohort_id) AS cohort FROM memberships m JOIN exercise_cohorts ec ON ec.cohort_id = m.cohort_id
            WHERE m.user_id = \(bind: learner.description) AND m.part = 'learner' AND ec.exercise_id = \(bind: exercise.description)
            """
        ).first?.optionalString("cohort") ?? ""
    }
}
