import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("The closing proficiency test and the result page")
struct ClosingTestTests {
    @Test(
        "a closing attempt is reviewed by a trainer and the learner's manager; the result page shows the journey and final scores, printed or as a PDF, to those who may see it",
        arguments: TestEngine.available)
    func closingTestAndJourney(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.runsBackgroundWork = false }) { server in
            let world = server.world
            let (mira, miraCookie) = try await TeamTests().manager(server)
            try await server.store.setManager(mira.id, of: world.learnerA1.id, linked: true, by: world.admin.id)
            #expect(
                try await server.request(.patch, "/api/v1/exercises/\(world.exerciseA.id)", as: world.admin, json: ["review": ["peerReviewers": 0]])
                    .status == 200)
            // Practice: two passes withdraw the model video and script.
            try await KickOffRecheckAPITests().reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            try await KickOffRecheckAPITests().reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])

            // The closing test of the programme: its own exercise.
            var closing = try World.exercise("Closing test: price objection", cohorts: [world.cohortA.id])
            closing.review = ReviewSettings(peerReviewers: 0, closingTest: true)
            try await server.store.createExercise(closing)
            let attempt = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: closing.id, scaffoldLevel: 3, status: .ready, createdAt: server.clock.now)
            try await server.store.planReviews(for: attempt.id, now: server.clock.now)
            #expect(Set(try await server.store.reviewTasks(of: attempt.id).map(\.kind)) == [.trainer, .manager])

            // Mira finds it among her reviews, may watch it, and scores it.
            let hers = try await server.request(.get, "/api/v1/me/review-tasks", cookie: miraCookie)
            let task = try #require(hers.items.first { $0["kind"] as? String == "manager" }?["id"] as? String, "\(hers.body)")
            #expect(try await server.request(.get, "/api/v1/submissions/\(attempt.id)/annotations", cookie: miraCookie).status == 200)
            #expect(try await server.request(.get, "/review/\(task)", cookie: miraCookie).status == 200)
            let byMira = try await server.request(
                .post, "/api/v1/review-tasks/\(task)/review", cookie: miraCookie, json: ["scores": ["empathy": 3, "next-step": 2]],
                headers: TestServer.csrf(miraCookie))
            #expect(byMira.status == 201 && byMira["kind"] as? String == "manager", "\(byMira.body)")
            // A practice attempt she was not shown stays closed to her.
            #expect(try await server.request(.get, "/api/v1/submissions/\(world.submissionA1.id)/annotations", cookie: miraCookie).status == 403)
            // The trainer claims and reviews it from the queue.
            let claimed = try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA)
            #expect(claimed["submissionId"] as? String == attempt.id.description, "\(claimed.body)")
            let byTrainer = try await server.request(
                .post, "/api/v1/review-tasks/\(claimed["id"] as? String ?? "")/review", as: world.trainerA,
                json: ["scores": ["empathy": 3, "next-step": 3]])
            #expect(byTrainer.status == 201)

            // Her result page: where she started, what was withdrawn, the final scores.
            let learnerCookie = try await server.login(world.learnerA1)
            let page = try await server.request(.get, "/journey/\(world.learnerA1.id)", cookie: learnerCookie)
            #expect(page.status == 200)
            let body = page.body
            #expect(body.contains("Results of \(world.learnerA1.displayName)"))
            #expect(body.contains("Started with Full support on"), "\(body)")
            #expect(body.contains("withdrawn"))
            #expect(body.contains("Closing attempt of") && body.contains("100 %") && body.contains("(trainer)"))
            #expect(body.contains("83 %") && body.contains("Mira (manager)"))
            // The same for her manager; nobody else.
            #expect(try await server.request(.get, "/journey/\(world.learnerA1.id)", cookie: miraCookie).status == 200)
            let otherCookie = try await server.login(world.learnerA2)
            #expect(try await server.request(.get, "/journey/\(world.learnerA1.id)", cookie: otherCookie).status == 404)
            let trainerB = try await server.login(world.trainerB)
            #expect(try await server.request(.get, "/journey/\(world.learnerA1.id)/pdf", cookie: trainerB).status == 404)

            // As a PDF to file.
            let pdf = try await server.request(.get, "/journey/\(world.learnerA1.id)/pdf", cookie: learnerCookie)
            #expect(pdf.status == 200 && pdf.headers[.contentType] == "application/pdf")
            let text = String(decoding: pdf.bytes, as: UTF8.self)
            #expect(text.hasPrefix("%PDF-1.4") && text.hasSuffix("%%EOF\n"))
            #expect(text.contains("(Results of \(world.learnerA1.displayName)) Tj") && text.contains("Closing attempt of"))
        }
    }
}
