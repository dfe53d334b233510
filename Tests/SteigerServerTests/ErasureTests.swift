import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerTestSupport
import Testing

@testable import SteigerStore

@Suite("Erasing a person, through HTTP")
struct ErasureAPITests {
    /// Every text in every table, as `table.column: value`.
    func everyText(_ store: Store) async throws -> [String] {
        try await store.read { session in
            let tables =
                session.dialect == .postgresql
                ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
                : "SELECT name FROM sqlite_master WHERE type = 'table'"
            var texts: [String] = []
            for table in try await session.query(SQLStatement(stringLiteral: tables)).map({ try $0.string("name") }) {
                for row in try await session.query("SELECT * FROM \(raw: table)") {
                    for (name, value) in zip(row.names, row.values) {
                        if case .text(let text) = value { texts.append("\(table).\(name): \(text)") }
                    }
                }
            }
            return texts
        }
    }

    /// Trainer A claims the next attempt, comments at 1 s and sends scores.
    func review(_ server: TestServer) async throws {
        let claimed = try await server.request(.post, "/api/v1/review-queue/claim", as: server.world.trainerA)
        let task = try #require(claimed["id"] as? String, "\(claimed.body)")
        let submission = try #require(claimed["submissionId"] as? String)
        #expect(
            try await server.request(
                .post, "/api/v1/submissions/\(submission)/annotations", as: server.world.trainerA, json: ["text": "Good opening", "at": 1000]
            ).status == 201)
        let sent = try await server.request(
            .post, "/api/v1/review-tasks/\(task)/review", as: server.world.trainerA, json: ["scores": ["empathy": 3, "next-step": 3]])
        #expect(sent.status == 201, "\(sent.body)")
    }

    @Test(
        "nothing of the person is left in the database, storage or exports; others' work and levels are as they were", arguments: TestEngine.available
    )
    func erase(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let person = world.learnerA2
            // Learner A2 records and is reviewed; comments as a peer on A1's attempt; gets notices;
            // is watched by the trainer. Learner A1 records and is reviewed too.
            let own = try await server.uploadAndProcess("vp9_opus.webm", as: person, audience: "trainers")
            try await review(server)
            let other = try await server.uploadAndProcess("h264_aac.mp4", audience: "trainers")
            try await review(server)
            let peerComment = try await server.request(
                .post, "/api/v1/submissions/\(world.submissionA1.id)/annotations", as: person, json: ["text": "Nice eye contact", "at": 500])
            #expect(peerComment.status == 201, "\(peerComment.body)")
            #expect(try await server.request(.get, "/api/v1/submissions/\(own)/media/rendition", as: world.trainerA).status == 200)
            try await NoticeMaker(store: server.store, logger: TestDatabase.logger, now: { server.clock.now }).drain()
            _ = try await server.login(person)
            let ownID = try #require(SubmissionID(own))
            let ownMedia = try await server.store.submissionMedia(ownID)
            let ownBlobs = try #require(ownMedia).blobs
            let supports = "/api/v1/exercises/\(world.exerciseA.id)/supports"
            let levelBefore = try await server.request(.get, supports, as: world.learnerA1).body
            let feedbackBefore = try await server.request(.get, "/api/v1/submissions/\(other)/reviews", as: world.learnerA1).items.count
            let needles = [person.id.description, person.displayName, person.email]
            #expect(try await everyText(server.store).contains { text in needles.contains { text.contains($0) } }, "the search finds them before")

            // Only an administrator erases, not themselves, not someone on legal hold.
            let path = "/api/v1/users/\(person.id)/erasure"
            #expect(try await server.request(.post, path, as: world.trainerA, json: [:]).status == 403)
            let own409 = try await server.request(.post, "/api/v1/users/\(world.admin.id)/erasure", as: world.admin, json: [:])
            #expect(own409.status == 409 && own409["type"] as? String == "urn:steiger:problem:eraseSelf")
            #expect(
                try await server.request(.put, "/api/v1/users/\(person.id)/legal-hold", as: world.admin, json: ["reason": "Inquiry"]).status
                    == 200)
            let held = try await server.request(.post, path, as: world.admin, json: [:])
            #expect(held.status == 409 && held["type"] as? String == "urn:steiger:problem:personOnHold")
            #expect(try await server.request(.delete, "/api/v1/users/\(person.id)/legal-hold", as: world.admin).status == 204)

            let erased = try await server.request(.post, path, as: world.admin, json: [:])
            #expect(erased.status == 200 && erased["attempts"] as? Int == 2 && (erased["freedBytes"] as? Int ?? 0) > 0, "\(erased.body)")
            let anonymous = try #require(erased["anonymousId"] as? String)
            // Twice is harmless: there is nobody to erase.
            #expect(try await server.request(.post, path, as: world.admin, json: [:]).status == 404)

            // Nothing of them in any table …
            let left = try await everyText(server.store).filter { text in needles.contains { text.contains($0) } }
            #expect(left.isEmpty, "\(left)")
            // … nor in storage …
            for sha in ownBlobs {
                #expect(
                    !FileManager.default.fileExists(atPath: server.dataDirectory + "/media/\(sha.prefix(2))/\(sha.dropFirst(2).prefix(2))/\(sha)"))
            }
            // … nor in what administrators and trainers export.
            let exports = [
                try await server.request(.get, "/api/v1/audit.csv", as: world.admin).body,
                try await server.request(.get, "/api/v1/audit", as: world.admin).body,
                try await server.request(.get, "/api/v1/users?limit=200", as: world.admin).body,
                try await server.request(.get, "/api/v1/cohorts/\(world.cohortA.id)/exercises/\(world.exerciseA.id)/scores.csv", as: world.trainerA)
                    .body,
                try await server.request(.get, "/api/v1/submissions/\(world.submissionA1.id)/annotations.vtt", as: world.trainerA).body,
                try await server.request(.get, "/api/v1/submissions/\(world.submissionA1.id)/annotations.jsonld", as: world.trainerA).body,
            ]
            for export in exports { #expect(!needles.contains { export.contains($0) }, "\(export.prefix(300))") }
            #expect(exports[0].contains("person.erased") && exports[0].contains(anonymous))

            // Their comment on A1's attempt stands, as a former participant's; A1's feedback and level are as they were.
            let comments = try await server.request(.get, "/api/v1/submissions/\(world.submissionA1.id)/annotations", as: world.trainerA)
            #expect(comments.items.contains { $0["text"] as? String == "Nice eye contact" && $0["author"] as? String == "a former participant" })
            #expect(try await server.request(.get, supports, as: world.learnerA1).body == levelBefore)
            #expect(try await server.request(.get, "/api/v1/submissions/\(other)/reviews", as: world.learnerA1).items.count == feedbackBefore)
            #expect(try await server.request(.get, "/api/v1/submissions/\(own)", as: world.admin).status == 404)
            #expect(try await server.request(.get, "/api/v1/me", as: person).status == 401, "their token is gone")
        }
    }

    @Test("an erasure that empties the contributions keeps the scores", arguments: TestEngine.available)
    func emptied(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            _ = try await server.uploadAndProcess("h264_aac.mp4", audience: "trainers")
            try await review(server)
            let erased = try await server.request(
                .post, "/api/v1/users/\(world.trainerA.id)/erasure", as: world.admin, json: ["keepContributions": false])
            #expect(erased.status == 200 && erased["attempts"] as? Int == 0, "\(erased.body)")
            let mine = try await server.request(.get, "/api/v1/submissions?exercise=\(world.exerciseA.id)", as: world.learnerA1).items
            let attempt = try #require(mine.first { $0["status"] as? String == "reviewed" }?["id"] as? String)
            let kept = try await server.request(.get, "/api/v1/submissions/\(attempt)/reviews", as: world.learnerA1).items
            #expect(kept.count == 1 && kept.first?["reviewer"] as? String == "a former participant" && kept.first?["comment"] as? String == "")
            let comments = try await server.request(.get, "/api/v1/submissions/\(attempt)/annotations", as: world.learnerA1).items
            #expect(!comments.contains { $0["text"] as? String == "Good opening" })
        }
    }

    @Test("erasing someone with a short name leaves everyone else's notices readable", arguments: TestEngine.available)
    func shortNames(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let zero = try User(email: "zero@example.org", displayName: "0", roles: [.learner])
            try await server.store.createUser(zero, passwordHash: nil)
            // Lea's notice holds numbers full of noughts.
            let asked = try await server.store.requestExport(of: world.learnerA2.id)
            _ = try await server.store.claimExport(for: 60)
            try await server.store.finishExport(asked.id, size: 1000, expires: Date(timeIntervalSince1970: 1_800_000_000))
            #expect(try await server.request(.post, "/api/v1/users/\(zero.id)/erasure", as: world.admin, json: [:]).status == 200)
            let notices = try await server.request(.get, "/api/v1/me/notifications", as: world.learnerA2)
            #expect(notices.status == 200 && notices.items.contains { $0["kind"] as? String == "export.ready" }, "\(notices.body)")
        }
    }
}
