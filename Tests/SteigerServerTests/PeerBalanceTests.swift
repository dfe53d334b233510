import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("Peers who give and take")
struct PeerBalanceTests {
    @Test("each learner reads what they gave and received in peer review, on their page and through the API", arguments: TestEngine.available)
    func balanceIsShown(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.runsBackgroundWork = false }) { server in
            let world = server.world
            let patched = try await server.request(
                .patch, "/api/v1/exercises/\(world.exerciseA.id)", as: world.admin, json: ["review": ["peerReviewers": 1]])
            #expect(patched.status == 200)
            let path = "/api/v1/me/peer-balance"
            #expect(try await server.request(.get, path, as: world.learnerA1)["given"] as? Int == 0)
            let cookie = try await server.login(world.learnerA1)
            #expect(!(try await server.request(.get, "/learn", cookie: cookie).body.contains("id=\"peer-balance\"")))

            // Lea sends an attempt: her one peer is Ben (the only other active learner), who now owes nothing and she one.
            let first = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready, createdAt: server.clock.now)
            try await server.store.planReviews(for: first.id, now: server.clock.now)
            let lea = try await server.request(.get, path, as: world.learnerA1)
            #expect(lea["given"] as? Int == 0 && lea["received"] as? Int == 1 && lea["balance"] as? Int == -1, "\(lea.body)")
            let page = try await server.request(.get, "/learn", cookie: cookie).body
            #expect(page.contains("Peer review: you gave 0 reviews and received 1: 1 more to give to even it out."))

            // Ben's attempt goes to Lea, who owes one: both are even.
            let second = try await server.store.createSubmission(
                learner: world.learnerA2.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready, createdAt: server.clock.now)
            try await server.store.planReviews(for: second.id, now: server.clock.now)
            for learner in [world.learnerA1, world.learnerA2] {
                let balance = try await server.request(.get, path, as: learner)
                #expect(balance["given"] as? Int == 1 && balance["received"] as? Int == 1 && balance["balance"] as? Int == 0, "\(balance.body)")
            }
            #expect(try await server.request(.get, "/learn", cookie: cookie).body.contains("Peer review: you gave 1 review and received 1."))
        }
    }
}
