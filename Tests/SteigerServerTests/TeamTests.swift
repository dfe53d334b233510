import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("Managers and their teams")
struct TeamTests {
    static func quiet(_ configuration: inout ServerConfiguration) { configuration.runsBackgroundWork = false }

    /// Mira, a manager made by the administrator, signed in: her account and session cookie.
    func manager(_ server: TestServer) async throws -> (User, String) {
        let made = try await server.request(
            .post, "/api/v1/users", as: server.world.admin,
            json: ["email": "mira@example.org", "displayName": "Mira", "roles": ["manager"], "password": .string(World.password)])
        #expect(made.status == 201, "\(made.body)")
        let id = try #require(UserID(made["id"] as? String ?? ""))
        let mira = try #require(try await server.store.user(id))
        return (mira, try await server.login(mira))
    }

    @Test("an administrator links a manager to a person; the manager sees that person and nobody else", arguments: TestEngine.available)
    func managerSeesTheirTeamOnly(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let (mira, cookie) = try await manager(server)
            func get(_ path: String) async throws -> Reply { try await server.request(.get, path, cookie: cookie) }
            #expect(try await get("/api/v1/team").items.isEmpty)

            // Only an administrator links, and only someone with the manager role.
            let link = "/api/v1/users/\(world.learnerA1.id)/managers/\(mira.id)"
            #expect(try await server.request(.put, link, as: world.trainerA).status == 404)
            #expect(try await server.request(.put, link, as: world.learnerA1).status == 403)
            let notAManager = try await server.request(.put, "/api/v1/users/\(world.learnerA1.id)/managers/\(world.trainerA.id)", as: world.admin)
            #expect(notAManager.status == 422 && notAManager.problemFields == ["manager"])
            let linked = try await server.request(.put, link, as: world.admin)
            #expect(linked.status == 200 && linked.items.map { $0["displayName"] as? String } == ["Mira"])
            #expect(try await server.request(.put, link, as: world.admin).items.count == 1)  // twice is once
            // The person sees who their manager is; nobody else does.
            let managersOfA1 = "/api/v1/users/\(world.learnerA1.id)/managers"
            #expect(try await server.request(.get, managersOfA1, as: world.learnerA1).items.count == 1)
            #expect(try await server.request(.get, managersOfA1, as: world.learnerA2).status == 404)

            // Her team: Lea's skill with its level; nobody else's.
            let team = try await get("/api/v1/team")
            #expect(team.items.count == 1, "\(team.body)")
            let member = team.items[0]
            #expect((member["person"] as? [String: Any])?["displayName"] as? String == world.learnerA1.displayName)
            let skills = member["skills"] as? [[String: Any]] ?? []
            #expect(skills.map { $0["title"] as? String } == [world.exerciseA.title])
            #expect((skills.first?["standing"] as? [String: Any])?["level"] as? Int == 3)
            #expect(try await get("/api/v1/team/\(world.learnerA1.id)").status == 200)
            for other in [world.learnerA2, world.learnerB, world.trainerA, world.admin] {
                let reply = try await get("/api/v1/team/\(other.id)")
                #expect(reply.status == 404 && !reply.body.contains(other.displayName), "\(other.displayName)")
                #expect(try await get("/api/v1/users/\(other.id)").status == 404)
            }
            #expect(try await get("/api/v1/users/\(world.learnerA1.id)").status == 200)

            // Lea's scaffolding on the exercise, yes; Ben's, no; the matrix of the cohort, no.
            let track = "/api/v1/exercises/\(world.exerciseA.id)/scaffolding"
            #expect(try await get("\(track)/\(world.learnerA1.id)").status == 200)
            #expect(try await get("\(track)/\(world.learnerA2.id)").status == 404)
            #expect(try await get(track).status == 404)

            // Her attempts: that they exist; the recording only once she shares it with her manager.
            let attempt = "/api/v1/submissions/\(world.submissionA1.id)"
            #expect(try await get(attempt).status == 200)
            #expect(try await get("/api/v1/submissions/\(world.submissionA2.id)").status == 404)
            // A private practice take stays hers alone.
            let practice = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, status: .ready, audience: .onlyMe, createdAt: server.clock.now)
            #expect(try await get("/api/v1/submissions/\(practice.id)").status == 404)
            // The recording and its feedback only once she lets her manager watch it.
            let feedback = "\(attempt)/annotations"
            #expect(try await get(feedback).status == 403)
            let share = "\(attempt)/manager"
            #expect(try await server.request(.put, share, as: world.learnerA2, json: ["shared": true]).status == 404)
            #expect(
                try await server.request(.put, "/api/v1/submissions/\(practice.id)/manager", as: world.learnerA1, json: ["shared": true]).status
                    == 422)
            let shared = try await server.request(.put, share, as: world.learnerA1, json: ["shared": true])
            #expect(shared.status == 200 && shared["sharedWithManager"] as? Bool == true)
            #expect(try await get(feedback).status == 200)
            #expect(try await server.request(.put, share, as: world.learnerA1, json: ["shared": false]).status == 200)
            #expect(try await get(feedback).status == 403)
            // A reviewed attempt she shares: her manager reads its review, as she does.
            let reviewed = try await ScaffoldingAPITests().reviewedAttempt(server, scores: ["empathy": 3, "next-step": 2])
            #expect(
                try await server.request(.put, "/api/v1/submissions/\(reviewed.id)/manager", as: world.learnerA1, json: ["shared": true]).status
                    == 200)
            let reviews = try await get("/api/v1/submissions/\(reviewed.id)/reviews")
            #expect(reviews.status == 200 && reviews.items.count == 1, "\(reviews.body)")

            // Taken off her team, Lea is out of reach again.
            let unlinked = try await server.request(.delete, link, as: world.admin)
            #expect(unlinked.status == 200 && unlinked.items.isEmpty)
            #expect(try await get("/api/v1/team/\(world.learnerA1.id)").status == 404)
            #expect(try await get(attempt).status == 404)
        }
    }

    @Test("a manager's encouragement reaches the person as a notice with their name; not anyone else's", arguments: TestEngine.available)
    func encouragement(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let (mira, cookie) = try await manager(server)
            #expect(try await server.request(.put, "/api/v1/users/\(world.learnerA1.id)/managers/\(mira.id)", as: world.admin).status == 200)
            func encourage(_ person: User, _ text: JSONValue) async throws -> Reply {
                try await server.request(
                    .post, "/api/v1/team/\(person.id)/encouragements", cookie: cookie, json: ["text": text], headers: TestServer.csrf(cookie))
            }
            #expect(try await encourage(world.learnerA1, "  ").status == 422)
            #expect(try await encourage(world.learnerA1, .string(String(repeating: "a", count: 501))).status == 422)
            #expect(try await encourage(world.learnerA2, "Well done").status == 404)
            // Neither a trainer nor an administrator encourages someone else's people.
            for other in [world.trainerA, world.admin] {
                let reply = try await server.request(
                    .post, "/api/v1/team/\(world.learnerA1.id)/encouragements", as: other, json: ["text": "Hi"])
                #expect(reply.status == 404, "\(other.displayName)")
            }
            let sent = try await encourage(world.learnerA1, "Saw you use the checklist with a customer today. Keep it up!")
            #expect(sent.status == 201, "\(sent.body)")

            try await NoticeMaker(store: server.store, logger: TestDatabase.logger, now: { server.clock.now }).drain()
            let notices = try await server.request(.get, "/api/v1/me/notifications", as: world.learnerA1).items
            let notice = try #require(notices.first { $0["kind"] as? String == "encouragement" })
            #expect(notice["text"] as? String == "Mira sent you a word of encouragement.")
            #expect(notice["detail"] as? String == "“Saw you use the checklist with a customer today. Keep it up!”")
            for other in [world.learnerA2, world.trainerA, world.admin] {
                #expect(
                    try await server.request(.get, "/api/v1/me/notifications", as: other).items.allSatisfy {
                        $0["kind"] as? String != "encouragement"
                    })
            }
            let member = try await server.request(.get, "/api/v1/team/\(world.learnerA1.id)", cookie: cookie)
            #expect((member["encouragements"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test(
        "each manager with a team gets one summary of the month before: per person, attempts and changes of support", arguments: TestEngine.available)
    func monthlySummary(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let (mira, cookie) = try await manager(server)
            #expect(try await server.request(.put, "/api/v1/users/\(world.learnerA1.id)/managers/\(mira.id)", as: world.admin).status == 200)
            #expect(try await server.request(.put, "/api/v1/users/\(world.learnerB.id)/managers/\(mira.id)", as: world.admin).status == 200)
            let november = try Date("2026-11-10T10:00:00Z", strategy: .iso8601)
            for day in [0.0, 2] {
                _ = try await server.store.createSubmission(
                    learner: world.learnerA1.id, exercise: world.exerciseA.id, status: .ready, createdAt: november.addingTimeInterval(day * 86_400))
            }
            // A practice take is nobody's business but the learner's, and October is not November.
            _ = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, status: .ready, audience: .onlyMe, createdAt: november)
            _ = try await server.store.createSubmission(
                learner: world.learnerB.id, exercise: world.exerciseB.id, status: .ready, createdAt: november.addingTimeInterval(-30 * 86_400))

            let first = try Date("2026-12-01T00:05:00Z", strategy: .iso8601)
            #expect(try await server.store.noteTeamSummaries(now: first) == 1)
            #expect(try await server.store.noteTeamSummaries(now: first.addingTimeInterval(3600)) == 0)
            try await NoticeMaker(store: server.store, logger: TestDatabase.logger, now: { server.clock.now }).drain()
            let notices = try await server.request(.get, "/api/v1/me/notifications", cookie: cookie).items
            let summary = try #require(notices.first { $0["kind"] as? String == "team.summary" }, "\(notices)")
            #expect(summary["text"] as? String == "Your team since 1 November 2026: what they practised.")
            #expect(
                summary["detail"] as? String
                    == "Learner-a1 (attempts: 2, supports withdrawn: 0, put back: 0) and learner-b (attempts: 0, supports withdrawn: 0, put back: 0)."
            )
            #expect(summary["link"] as? String == "/team")
            // Without the manager role, no more summaries, although the links are still there.
            let demoted = try await server.request(.patch, "/api/v1/users/\(mira.id)", as: world.admin, json: ["roles": ["learner"]])
            #expect(demoted.status == 200, "\(demoted.body)")
            #expect(try await server.store.noteTeamSummaries(now: first.addingTimeInterval(31 * 86_400)) == 0)
            // Nobody else hears of it.
            for other in [world.learnerA1, world.admin, world.trainerA] {
                #expect(
                    try await server.request(.get, "/api/v1/me/notifications", as: other).items.allSatisfy { $0["kind"] as? String != "team.summary" }
                )
            }
        }
    }

    @Test("an administrator links managers from a list, each line on its own with the reason for a refusal", arguments: TestEngine.available)
    func linksFromAList(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let (mira, _) = try await manager(server)
            let csv = """
                person;manager
                \(world.learnerA1.email); \(mira.email)
                \(world.learnerA1.email); \(mira.email)
                nobody@example.org; \(mira.email)
                \(world.learnerA2.email); \(world.trainerA.email)
                \(world.learnerB.email)
                """
            let reply = try await server.request(.post, "/api/v1/manager-links", as: world.admin, json: ["csv": .string(csv)])
            #expect(reply.status == 200, "\(reply.body)")
            let results = reply["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["line"] as? Int } == [2, 3, 4, 5, 6])
            #expect(results.map { $0["outcome"] as? String } == ["linked", "unchanged", "refused", "refused", "refused"])
            #expect((results[2]["problem"] as? String)?.contains("no account has this e-mail address") == true, "\(results[2])")
            #expect((results[3]["problem"] as? String)?.contains("must be someone with the manager role") == true, "\(results[3])")
            #expect(try await server.store.team(of: mira.id) == [world.learnerA1.id])
            #expect(try await server.request(.post, "/api/v1/manager-links", as: world.admin, json: ["csv": "person;manager"]).status == 422)
            #expect(try await server.request(.post, "/api/v1/manager-links", as: world.trainerA, json: ["csv": .string(csv)]).status == 403)
        }
    }
}
