import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("The programme dashboard through HTTP")
struct DashboardAPITests {
    func skill(_ reply: Reply) -> [String: Any] { (reply["independence"] as? [[String: Any]])?.first ?? [:] }

    /// Learners at each level at the end of the last week shown.
    func lastWeek(_ reply: Reply) -> [Int: Int] {
        let rows = reply["levels"] as? [[String: Any]] ?? []
        let last = rows.compactMap { $0["week"] as? String }.max()
        var levels: [Int: Int] = [:]
        for row in rows where row["week"] as? String == last {
            if let level = row["level"] as? Int, let count = row["learners"] as? Int, count > 0 { levels[level] = count }
        }
        return levels
    }

    func turnaround(_ reply: Reply) -> [String: Any] {
        (reply["turnaround"] as? [[String: Any]])?.first { $0["kind"] as? String == "trainer" } ?? [:]
    }

    @Test(
        "the administrator reads every cohort and a trainer their own; each CSV is its JSON; counting again from the logs changes nothing; an erased learner's levels go",
        arguments: TestEngine.available)
    func programme(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: KickOffRecheckAPITests.quiet) { server in
            let world = server.world
            let reviews = ScaffoldingAPITests()
            // Learner A1: six good attempts a day apart, each reviewed 90 minutes after it was ready: on her own after six attempts and five days.
            for _ in 1...6 { try await reviews.reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3], readyFor: 90 * 60) }
            // Learner A2: one weak attempt, reviewed after half an hour.
            try await reviews.reviewedAttempt(server, scores: ["empathy": 1, "next-step": 1], learner: world.learnerA2, readyFor: 30 * 60)
            // Learner B, in cohort B, on exercise B of the same skill: two good attempts, reviewed after ten minutes.
            for _ in 1...2 {
                try await reviews.reviewedAttempt(
                    server, scores: ["empathy": 3, "next-step": 3], learner: world.learnerB, exercise: world.exerciseB, cohort: world.cohortB,
                    trainer: world.trainerB, readyFor: 10 * 60)
            }

            let all = try await server.request(.get, "/api/v1/dashboard", as: world.admin)
            #expect(all.status == 200, "\(all.body)")
            let objections = skill(all)
            #expect(objections["skillKey"] as? String == "objection-handling")
            #expect(objections["started"] as? Int == 3 && objections["independent"] as? Int == 1 && objections["reached"] as? Int == 1)
            #expect(objections["attemptsMedian"] as? Int == 6 && objections["daysMedian"] as? Int == 5, "\(objections)")
            #expect(lastWeek(all) == [0: 1, 2: 1, 3: 1], "\(all.body)")
            // Reviews after 10, 10, 30 and six times 90 minutes.
            #expect(turnaround(all)["reviews"] as? Int == 9 && turnaround(all)["medianMinutes"] as? Int == 90)
            #expect((all["overdue"] as? [Any])?.isEmpty == true)

            // Trainer A reads cohort A only, and nothing of cohort B even when asking for it.
            let mine = try await server.request(.get, "/api/v1/dashboard", as: world.trainerA)
            #expect(skill(mine)["started"] as? Int == 2 && skill(mine)["independent"] as? Int == 1)
            #expect(lastWeek(mine) == [0: 1, 3: 1])
            #expect(turnaround(mine)["reviews"] as? Int == 7)
            #expect(try await server.request(.get, "/api/v1/dashboard?cohort=\(world.cohortB.id)", as: world.trainerA).status == 404)
            #expect(try await server.request(.get, "/api/v1/dashboard?exercise=\(world.exerciseB.id)", as: world.trainerA).status == 404)
            #expect(try await server.request(.get, "/api/v1/dashboard?cohort=\(world.cohortA.id)", as: world.trainerA).status == 200)
            for someone in [world.learnerA1, world.outsider] {
                #expect(try await server.request(.get, "/api/v1/dashboard", as: someone).status == 403)
                #expect(try await server.request(.get, "/api/v1/dashboard/csv/levels", as: someone).status == 403)
            }
            // The administrator narrows it down: cohort B; exercise B's reviews and its skill's levels.
            let cohortB = try await server.request(.get, "/api/v1/dashboard?cohort=\(world.cohortB.id)", as: world.admin)
            #expect(skill(cohortB)["started"] as? Int == 1 && lastWeek(cohortB) == [2: 1])
            let exerciseB = try await server.request(.get, "/api/v1/dashboard?exercise=\(world.exerciseB.id)", as: world.admin)
            #expect(turnaround(exerciseB)["reviews"] as? Int == 2 && turnaround(exerciseB)["medianMinutes"] as? Int == 10)
            #expect(lastWeek(exerciseB) == [0: 1, 2: 1, 3: 1])

            // Each table as CSV holds the JSON's rows, under the JSON's names.
            for table in ["independence", "levels", "turnaround", "peers"] {
                let csv = try await server.request(.get, "/api/v1/dashboard/csv/\(table)", as: world.admin)
                #expect(csv.status == 200 && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
                let lines = CSV.rows(csv.body)
                let rows = all[table] as? [[String: Any]] ?? []
                #expect(lines.count == rows.count + 1, "\(table): \(csv.body)")
                for (line, row) in zip(lines.dropFirst(), rows) {
                    for (column, value) in zip(lines[0], line) {
                        let json = row[column].map { "\($0)" } ?? ""
                        #expect(json == value || (json == "<null>" && value.isEmpty) || Double(json) == Double(value), "\(table).\(column)")
                    }
                }
            }
            #expect(try await server.request(.get, "/api/v1/dashboard/csv/everything", as: world.admin).status == 404)

            // A period must run forwards and be at most two years.
            let backwards = try await server.request(.get, "/api/v1/dashboard?from=2026-12-10&to=2026-12-01", as: world.admin)
            #expect(backwards.status == 422 && backwards.problemFields == ["from"])
            #expect(try await server.request(.get, "/api/v1/dashboard?from=2022-01-01&to=2026-12-01", as: world.admin).status == 422)
            #expect(try await server.request(.get, "/api/v1/dashboard?from=yesterday", as: world.admin).status == 422)

            // Counting everything again from the logs and the reviews gives the same dashboard.
            try await server.store.rebuildDashboardTallies()
            let again = try await server.request(.get, "/api/v1/dashboard", as: world.admin)
            #expect(NSDictionary(dictionary: again.json as? [String: Any] ?? [:]).isEqual(to: all.json as? [String: Any] ?? [:]))

            // A review due within a day and still not sent two days later is overdue; a fortnight
            // without a reviewed attempt makes a learner with supports left stalled.
            let late = try await server.store.createSubmission(
                learner: world.learnerA2.id, exercise: world.exerciseA.id, status: .ready, createdAt: server.clock.now)
            try await server.store.createReviewTasks(
                ReviewPlan.tasks(
                    for: late, cohort: world.cohortA.id, settings: ReviewSettings(peerReviewers: 0, dueHours: 24), learners: [], now: server.clock.now
                ))
            server.clock.advance(15 * 86_400)
            let later = try await server.request(.get, "/api/v1/dashboard", as: world.admin)
            let overdue = later["overdue"] as? [[String: Any]] ?? []
            #expect(overdue.count == 1 && overdue.first?["cohort"] as? String == "Cohort A" && overdue.first?["reviews"] as? Int == 1)
            // Narrowed to an exercise, the overdue review counts under its own exercise only.
            for (exercise, count) in [(world.exerciseA.id, 1), (world.exerciseB.id, 0)] {
                let narrowed = try await server.request(.get, "/api/v1/dashboard?exercise=\(exercise)", as: world.admin)
                #expect((narrowed["overdue"] as? [[String: Any]])?.compactMap { $0["reviews"] as? Int }.reduce(0, +) == count)
            }
            let stalled = (later["stalled"] as? [[String: Any]] ?? []).compactMap { $0["learner"] as? String }
            #expect(Set(stalled) == ["learner-a2", "learner-b"] && later["stalledTotal"] as? Int == 2, "\(later.body)")
            let stalledForA = try await server.request(.get, "/api/v1/dashboard", as: world.trainerA)
            #expect((stalledForA["stalled"] as? [[String: Any]])?.compactMap { $0["learner"] as? String } == ["learner-a2"])

            // Erasing learner A1 takes her start and her independence out of the counts; the
            // reviews' turnaround, counting no one, stays.
            #expect(try await server.request(.post, "/api/v1/users/\(world.learnerA1.id)/erasure", as: world.admin, json: [:]).status == 200)
            let erased = try await server.request(.get, "/api/v1/dashboard", as: world.admin)
            #expect(skill(erased)["started"] as? Int == 2 && skill(erased)["independent"] as? Int == 0)
            #expect(lastWeek(erased) == [2: 1, 3: 1] && turnaround(erased)["reviews"] as? Int == 9)
        }
    }
}
