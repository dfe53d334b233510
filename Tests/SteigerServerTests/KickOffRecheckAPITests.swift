import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("The kick-off and rechecks through HTTP")
struct KickOffRecheckAPITests {
    /// Learner A1's attempt at exercise A, for the purpose their standing gives it, reviewed by trainer A.
    @discardableResult
    func reviewedAttempt(_ server: TestServer, scores: [String: Int], wait: TimeInterval = 86_400) async throws -> Submission {
        try await ScaffoldingAPITests().reviewedAttempt(server, scores: scores, wait: wait)
    }

    func noticeKinds(_ server: TestServer, _ user: User) async throws -> [String] {
        try await NoticeMaker(store: server.store, logger: TestDatabase.logger, now: { server.clock.now }).drain()
        return try await server.request(.get, "/api/v1/me/notifications", as: user).items.compactMap { $0["kind"] as? String }
    }

    static func quiet(_ configuration: inout ServerConfiguration) { configuration.runsBackgroundWork = false }

    @Test(
        "a learner who shows the skill at the kick-off starts at level 1 with development points; a failed recheck puts the checklist back",
        arguments: TestEngine.available)
    func kickOffThenRecheck(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let exercisePath = "/api/v1/exercises/\(world.exerciseA.id)"
            let started = try await server.request(
                .patch, exercisePath, as: world.admin, json: ["review": ["peerReviewers": 0, "kickOff": true], "policy": ["rechecks": [7, 30]]])
            #expect(started.status == 200, "\(started.body)")
            #expect((started["review"] as? [String: Any])?["kickOff"] as? Bool == true)
            #expect((started["policy"] as? [String: Any])?["rechecks"] as? [Int] == [7, 30])

            // Before the kick-off: the learner is told what it is for and gets no supports for it.
            let supportsPath = "\(exercisePath)/supports"
            let before = try await server.request(.get, supportsPath, as: world.learnerA1)
            #expect(before["purpose"] as? String == "kick-off")
            #expect(((before["current"] as? [String: Any])?["supports"] as? [Any])?.isEmpty == true)
            let mine = try await server.request(.get, "/api/v1/me/scaffolding", as: world.learnerA1)
            #expect(mine.items.first?["purpose"] as? String == "kick-off")

            // Her kick-off: empathy fully (3 of 3), the next step partly (2 of 3): 83 %, a pass.
            let kickOff = try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 2])
            #expect(kickOff.purpose == .kickOff && kickOff.scaffoldLevel == 3)
            let placed = try await server.request(.get, supportsPath, as: world.learnerA1)
            #expect(placed["purpose"] as? String == "practice")
            let standing = try #require(placed["standing"] as? [String: Any])
            #expect(standing["level"] as? Int == 1)
            #expect(
                (standing["developmentPoints"] as? [[String: Any]])?.map { $0["title"] as? String } == ["Agrees a next step"],
                "\(placed.body)")
            let sentence = try #require((placed["history"] as? [String])?.first)
            #expect(sentence.hasPrefix("Started at level 1 (Checklist) on ") && sentence.hasSuffix(": the kick-off attempt scored 83 %."))
            #expect(try await noticeKinds(server, world.learnerA1).filter { $0 == "kickoff.placed" }.count == 1)
            // Her trainer reads the same on her track; the attempt is marked as the kick-off.
            let track = try await server.request(.get, "\(exercisePath)/scaffolding/\(world.learnerA1.id)", as: world.trainerA)
            #expect((track["transitions"] as? [[String: Any]])?.first?["developmentPoints"] as? [String] == ["next-step"])
            #expect((track["attempts"] as? [[String: Any]])?.contains { $0["purpose"] as? String == "kick-off" } == true)

            // Two passes at level 1 and she is on her own; the week's recheck is pending.
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3], wait: 3600)
            let alone = try #require(try await server.request(.get, supportsPath, as: world.learnerA1)["standing"] as? [String: Any])
            #expect(alone["level"] as? Int == 0 && alone["phase"] as? String == "check-pending" && alone["checkDays"] as? Int == 7)
            #expect(try await server.store.noteDueRechecks(now: server.clock.now) == 0)

            // A week later the recheck is due: her next attempt is one, and she is reminded once.
            server.clock.advance(7 * 86_400)
            #expect(try await server.request(.get, supportsPath, as: world.learnerA1)["purpose"] as? String == "recheck")
            #expect(try await server.store.noteDueRechecks(now: server.clock.now) == 1)
            #expect(try await server.store.noteDueRechecks(now: server.clock.now.addingTimeInterval(60)) == 0)
            let kinds = try await noticeKinds(server, world.learnerA1)
            #expect(kinds.filter { $0 == "recheck.due" }.count == 1, "\(kinds)")
            let reminder = try #require(
                try await server.request(.get, "/api/v1/me/notifications", as: world.learnerA1).items.first { $0["kind"] as? String == "recheck.due" }
            )
            #expect(reminder["text"] as? String == "Time for a recheck on “\(world.exerciseA.title)”.")
            #expect(reminder["link"] as? String == "/learn/exercises/\(world.exerciseA.id)")
            for other in [world.learnerA2, world.trainerA, world.learnerB] {
                #expect(try await noticeKinds(server, other).allSatisfy { $0 != "recheck.due" && $0 != "kickoff.placed" })
            }

            // The recheck scores 50 %: the checklist is back, and says why.
            let recheck = try await reviewedAttempt(server, scores: ["empathy": 2, "next-step": 2])
            #expect(recheck.purpose == .recheck)
            let back = try await server.request(.get, supportsPath, as: world.learnerA1)
            #expect((back["standing"] as? [String: Any])?["level"] as? Int == 1)
            #expect((back["history"] as? [String])?.last?.hasSuffix(": the 7-day recheck scored 50 %.") == true, "\(back.body)")
            #expect(back["purpose"] as? String == "practice")
        }
    }

    @Test("the kick-off is made once: a failed or private take does not count, a sent one does", arguments: TestEngine.available)
    func kickOffOnce(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            var exercise = world.exerciseA
            exercise.review.kickOff = true
            _ = try await server.store.updateExercise(exercise)
            let first = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: exercise.id, status: .ready, audience: .onlyMe, createdAt: server.clock.now)
            #expect(first.purpose == .kickOff)
            let second = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: exercise.id, status: .ready, createdAt: server.clock.now)
            #expect(second.purpose == .kickOff)
            let third = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: exercise.id, status: .ready, createdAt: server.clock.now)
            #expect(third.purpose == .practice)
            // Another learner's kick-off is still to come.
            let other = try await server.store.createSubmission(
                learner: world.learnerA2.id, exercise: exercise.id, status: .ready, createdAt: server.clock.now)
            #expect(other.purpose == .kickOff)
        }
    }
}
