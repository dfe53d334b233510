import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("Transfer to the job")
struct TransferTests {
    @Test(
        "a withdrawn support asks the learner to try it at work; she reports, her trainer or manager reviews it with the rubric; nobody else reads it",
        arguments: TestEngine.available)
    func withdrawalGivesATaskAtWork(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.runsBackgroundWork = false }) { server in
            let world = server.world
            let exercisePath = "/api/v1/exercises/\(world.exerciseA.id)"
            let changed = try await server.request(
                .patch, exercisePath, as: world.admin,
                json: ["review": ["peerReviewers": 0, "transferAfterWithdrawal": true, "transferPrompt": "Use it with a real customer this week."]])
            #expect(changed.status == 200, "\(changed.body)")
            #expect((changed["review"] as? [String: Any])?["transferAfterWithdrawal"] as? Bool == true)
            let mine = "/api/v1/me/transfer-tasks"
            #expect(try await server.request(.get, mine, as: world.learnerA1).items.isEmpty)

            // Two passes withdraw the model video: she is asked to try it at work, once.
            try await KickOffRecheckAPITests().reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            try await KickOffRecheckAPITests().reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            let tasks = try await server.request(.get, mine, as: world.learnerA1).items
            #expect(tasks.count == 1, "\(tasks)")
            let task = try #require(tasks.first)
            #expect(task["cause"] as? String == "withdrawal" && task["level"] as? Int == 2 && task["status"] as? String == "open")
            #expect(task["prompt"] as? String == "Use it with a real customer this week." && task["mayReport"] as? Bool == true)
            let id = try #require(task["id"] as? String)
            #expect(try await KickOffRecheckAPITests().noticeKinds(server, world.learnerA1).contains("transfer.assigned"))
            // Another withdrawal while one is open gives no second task.
            try await KickOffRecheckAPITests().reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            try await KickOffRecheckAPITests().reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            #expect(try await server.request(.get, mine, as: world.learnerA1).items.count == 1)

            // Out of reach for other learners and other cohorts' trainers; not a trainer's to write.
            let path = "/api/v1/transfer-tasks/\(id)"
            for other in [world.learnerA2, world.learnerB, world.trainerB, world.outsider] {
                #expect(try await server.request(.get, path, as: other).status == 404, "\(other.displayName)")
            }
            #expect(try await server.request(.post, "\(path)/report", as: world.trainerA, json: ["text": "I did"]).status == 403)
            #expect(try await server.request(.post, "\(path)/report", as: world.admin, json: ["text": "I did"]).status == 403)
            // Nothing to review before the report.
            #expect(
                try await server.request(.post, "\(path)/review", as: world.trainerA, json: ["scores": ["empathy": 3, "next-step": 3]]).status == 409)

            // Her report: checked, then sent once.
            #expect(try await server.request(.post, "\(path)/report", as: world.learnerA1, json: ["text": "   "]).status == 422)
            let reported = try await server.request(
                .post, "\(path)/report", as: world.learnerA1,
                json: ["text": "Mr Jansen called about the price. I let him finish, named his worry, and we agreed a trial."])
            #expect(reported.status == 200 && reported["status"] as? String == "reported", "\(reported.body)")
            #expect(try await server.request(.post, "\(path)/report", as: world.learnerA1, json: ["text": "Again"]).status == 409)

            // Her trainer finds it waiting and reviews it with the rubric; so could her manager.
            let waiting = try await server.request(.get, "/api/v1/transfer-tasks", as: world.trainerA)
            #expect(waiting.items.map { $0["id"] as? String } == [id])
            #expect(try await server.request(.get, "/api/v1/transfer-tasks", as: world.trainerB).items.isEmpty)
            let (mira, miraCookie) = try await TeamTests().manager(server)
            try await server.store.setManager(mira.id, of: world.learnerA1.id, linked: true, by: world.admin.id)
            let forMira = try await server.request(.get, "/api/v1/transfer-tasks", cookie: miraCookie)
            #expect(forMira.items.first?["mayReview"] as? Bool == true, "\(forMira.body)")
            #expect(try await server.request(.post, "\(path)/review", as: world.trainerA, json: ["scores": ["empathy": 3]]).status == 422)
            #expect(
                try await server.request(.post, "\(path)/review", as: world.learnerA1, json: ["scores": ["empathy": 3, "next-step": 3]]).status == 403
            )
            let reviewed = try await server.request(
                .post, "\(path)/review", as: world.trainerA,
                json: ["scores": ["empathy": 3, "next-step": 2], "comment": "Exactly what we practised."])
            #expect(reviewed.status == 200 && reviewed["status"] as? String == "reviewed", "\(reviewed.body)")
            let review = try #require(reviewed["review"] as? [String: Any])
            #expect(review["reviewer"] as? String == world.trainerA.displayName && abs((review["total"] as? Double ?? 0) - 2.5 / 3.0) < 0.001)
            #expect(
                try await server.request(
                    .post, "\(path)/review", cookie: miraCookie, json: ["scores": ["empathy": 3, "next-step": 3]],
                    headers: TestServer.csrf(miraCookie)
                ).status == 409)
            #expect(try await KickOffRecheckAPITests().noticeKinds(server, world.learnerA1).contains("transfer.reviewed"))
            let cookie = try await server.login(world.learnerA1)
            let page = try await server.request(.get, "/transfer/\(id)", cookie: cookie)
            #expect(
                page.status == 200 && page.body.contains("Reviewed by \(world.trainerA.displayName)")
                    && page.body.contains("Exactly what we practised."))
        }
    }

    @Test(
        "on a schedule, a learner who practises the exercise is asked every so many days, one task at a time, while in its cohort",
        arguments: TestEngine.available)
    func schedule(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.runsBackgroundWork = false }) { server in
            let world = server.world
            #expect(
                try await server.request(
                    .patch, "/api/v1/exercises/\(world.exerciseA.id)", as: world.admin,
                    json: ["review": ["peerReviewers": 0, "transferEveryDays": 7]]
                ).status == 200)
            #expect(try await server.store.assignScheduledTransfers(now: server.clock.now) == 0)  // nobody practised yet
            try await KickOffRecheckAPITests().reviewedAttempt(server, scores: ["empathy": 2, "next-step": 2], wait: 3600)
            #expect(try await server.store.assignScheduledTransfers(now: server.clock.now) == 0)  // not a week yet
            server.clock.advance(7 * 86_400)
            #expect(try await server.store.assignScheduledTransfers(now: server.clock.now) == 1)
            #expect(try await server.store.assignScheduledTransfers(now: server.clock.now) == 0)
            let tasks = try await server.request(.get, "/api/v1/me/transfer-tasks", as: world.learnerA1).items
            #expect(tasks.map { $0["cause"] as? String } == ["schedule"])
            // Open, it is not asked again; reported, the next comes a week after the last.
            server.clock.advance(8 * 86_400)
            #expect(try await server.store.assignScheduledTransfers(now: server.clock.now) == 0)
            let id = try #require(tasks.first?["id"] as? String)
            #expect(
                try await server.request(.post, "/api/v1/transfer-tasks/\(id)/report", as: world.learnerA1, json: ["text": "Tried it."]).status == 200
            )
            #expect(try await server.store.assignScheduledTransfers(now: server.clock.now) == 1)
            // Once she has left the cohort, the schedule asks her no more; back in it, it does.
            let second = try #require(
                try await server.request(.get, "/api/v1/me/transfer-tasks", as: world.learnerA1).items.first { $0["status"] as? String == "open" }?[
                    "id"] as? String)
            #expect(
                try await server.request(.post, "/api/v1/transfer-tasks/\(second)/report", as: world.learnerA1, json: ["text": "Again."]).status
                    == 200)
            server.clock.advance(8 * 86_400)
            #expect(try await server.store.deleteMembership(cohort: world.cohortA.id, user: world.learnerA1.id))
            #expect(try await server.store.assignScheduledTransfers(now: server.clock.now) == 0)
            try await server.store.putMembership(Membership(cohortID: world.cohortA.id, userID: world.learnerA1.id, part: .learner))
            #expect(try await server.store.assignScheduledTransfers(now: server.clock.now) == 1)
            let again = try await server.request(
                .patch, "/api/v1/exercises/\(world.exerciseA.id)", as: world.admin, json: ["review": ["transferEveryDays": 3]])
            #expect(again.status == 422 && again.problemFields == ["review.transferEveryDays"], "\(again.body)")
        }
    }
}
