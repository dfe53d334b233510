import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Who may watch a recording, through HTTP")
struct AudienceAPITests {
    /// Exercise A with a library of examples and no peer reviewers (so learner A2 can only ever
    /// watch A1's attempts from the library); `approval` asks for a trainer's approval too.
    func keepLibrary(_ server: TestServer, approval: Bool = false) async throws {
        let changed = try await server.request(
            .patch, "/api/v1/exercises/\(server.world.exerciseA.id)", as: server.world.admin,
            json: ["review": ["peerReviewers": 0, "cohortLibrary": true, "libraryApproval": .bool(approval)]])
        #expect(changed.status == 200, "\(changed.body)")
        #expect((changed["audiences"] as? [String]) == ["private", "trainers", "cohort"])
    }

    @Test("a private practice take is its learner's alone; an administrator sees only that it exists and its size", arguments: TestEngine.available)
    func privatePractice(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let id = try await server.uploadAndProcess("h264_aac.mp4", audience: "private")
            let path = "/api/v1/submissions/\(id)"
            let own = try await server.request(.get, path, as: world.learnerA1)
            #expect(own["audience"] as? String == "private" && own["status"] as? String == "ready")
            #expect(try await server.request(.get, path + "/media/rendition", as: world.learnerA1).status == 200)
            // Nobody was asked to review it.
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 204)
            for user in [world.trainerA, world.learnerA2, world.trainerB, world.learnerB] {
                #expect(try await server.request(.get, path, as: user).status == 404, "\(user.displayName)")
                #expect(try await server.request(.get, path + "/media/rendition", as: user).status == 404)
                #expect(try await server.request(.get, path + "/annotations", as: user).status == 404)
                let listed = try await server.request(.get, "/api/v1/submissions?exercise=\(world.exerciseA.id)", as: user)
                #expect(!listed.items.contains { $0["id"] as? String == id }, "\(user.displayName)")
            }
            let seen = try await server.request(.get, path, as: world.admin)
            #expect(seen.status == 200 && (seen["size"] as? Int ?? 0) > 1000 && seen["audience"] as? String == "private")
            for part in ["/media", "/media/rendition", "/media/poster.jpg", "/media/original", "/annotations", "/reviews"] {
                #expect(try await server.request(.get, path + part, as: world.admin).status == 403, "\(part)")
            }
            #expect(
                try await server.request(.post, path + "/annotations", as: world.admin, json: ["text": "Nice", "at": 1000]).status == 403)
            // No other system hears of it either.
            #expect(try await server.store.outboxEvents(after: 0, limit: 1000).filter { $0.event.kind == .submissionReady }.isEmpty)

            // Sent for review afterwards: the trainer gets it then, and the news goes out.
            let sent = try await server.request(.put, path + "/audience", as: world.learnerA1, json: ["audience": "trainers"])
            #expect(sent.status == 200 && sent["audience"] as? String == "trainers")
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 200)
            #expect(try await server.request(.get, path + "/media/rendition", as: world.trainerA).status == 200)
            #expect(try await server.store.outboxEvents(after: 0, limit: 1000).filter { $0.event.kind == .submissionReady }.count == 1)
            // …and stays with its reviewers.
            let back = try await server.request(.put, path + "/audience", as: world.learnerA1, json: ["audience": "private"])
            #expect(back.status == 409 && back["type"] as? String == "urn:steiger:problem:audienceSent")
            // Only its learner chooses.
            #expect(try await server.request(.put, path + "/audience", as: world.trainerA, json: ["audience": "trainers"]).status == 404)
        }
    }

    @Test("sharing to the library needs consent; taking it back hides it there at once", arguments: TestEngine.available)
    func libraryConsent(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            try await keepLibrary(server)
            let id = try await server.uploadAndProcess("h264_aac.mp4", audience: "trainers")
            let path = "/api/v1/submissions/\(id)"
            let rendition = path + "/media/rendition"
            #expect(try await server.request(.get, rendition, as: world.learnerA2).status == 404)
            #expect(try await server.request(.get, "/api/v1/examples", as: world.learnerA2).items.isEmpty)

            let unconsented = try await server.request(.put, path + "/audience", as: world.learnerA1, json: ["audience": "cohort"])
            #expect(unconsented.status == 422 && unconsented["type"] as? String == "urn:steiger:problem:consentNeeded")
            let shared = try await server.request(
                .put, path + "/audience", as: world.learnerA1, json: ["audience": "cohort", "consent": true, "sharesFeedback": true])
            #expect(shared.status == 200 && shared["audience"] as? String == "cohort" && shared["sharesFeedback"] as? Bool == true)

            // Learner A2, in the same cohort, finds it among the examples and plays it; cohort B does not.
            let examples = try await server.request(.get, "/api/v1/examples?exercise=\(world.exerciseA.id)", as: world.learnerA2)
            #expect(examples.items.count == 1 && examples.items[0]["learnerName"] as? String == world.learnerA1.displayName)
            let played = try await server.request(.get, rendition, as: world.learnerA2)
            #expect(played.status == 200 && played.headers[.cacheControl] == "private, no-cache")
            #expect(try await server.request(.get, path + "/annotations", as: world.learnerA2).status == 200)
            #expect(try await server.request(.post, path + "/annotations", as: world.learnerA2, json: ["text": "Hi", "at": 10]).status == 403)
            #expect(try await server.request(.get, "/api/v1/examples", as: world.learnerB).items.isEmpty)
            #expect(try await server.request(.get, rendition, as: world.learnerB).status == 404)

            // The consent as it was given: when, and in words.
            let consents = try await server.request(.get, path + "/consents", as: world.learnerA1)
            #expect(consents.items.count == 1 && consents.items[0]["withdrawnAt"] is NSNull)
            #expect((consents.items[0]["wording"] as? String)?.contains("everyone in my group") == true)
            #expect(try await server.request(.get, path + "/consents", as: world.learnerA2).status == 404)
            #expect(try await server.request(.get, path + "/consents", as: world.admin).items.count == 1)

            // Taken back: gone from the library and its media refused at the very next request.
            let withdrawn = try await server.request(.put, path + "/audience", as: world.learnerA1, json: ["audience": "trainers"])
            #expect(withdrawn.status == 200)
            #expect(try await server.request(.get, rendition, as: world.learnerA2).status == 404)
            let revalidated = try await server.request(
                .get, rendition, as: world.learnerA2, headers: [.ifNoneMatch: played.headers[.eTag] ?? ""])
            #expect(revalidated.status == 404)
            #expect(try await server.request(.get, "/api/v1/examples", as: world.learnerA2).items.isEmpty)
            #expect(try await server.request(.get, rendition, as: world.trainerA).status == 200)
            let history = try await server.request(.get, path + "/consents", as: world.learnerA1)
            #expect(history.items.count == 1 && history.items[0]["withdrawnAt"] is String)
        }
    }

    @Test("where the exercise asks for it, a shared attempt waits for a trainer's approval", arguments: TestEngine.available)
    func approval(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            try await keepLibrary(server, approval: true)
            let id = try await server.uploadAndProcess("h264_aac.mp4", audience: "trainers")
            let path = "/api/v1/submissions/\(id)"
            #expect(
                try await server.request(.put, path + "/audience", as: world.learnerA1, json: ["audience": "cohort", "consent": true]).status
                    == 200)
            #expect(try await server.request(.get, "/api/v1/examples", as: world.learnerA2).items.isEmpty)
            let waiting = try await server.request(.get, "/api/v1/examples", as: world.trainerA)
            #expect(waiting.items.count == 1 && waiting.items[0]["inLibrary"] as? Bool == false)
            #expect(try await server.request(.post, path + "/library-approval", as: world.learnerA2).status == 404)
            #expect(try await server.request(.post, path + "/library-approval", as: world.trainerB).status == 404)
            let approved = try await server.request(.post, path + "/library-approval", as: world.trainerA)
            #expect(approved.status == 200 && approved["libraryApprovedAt"] is String)
            let shown = try await server.request(.get, "/api/v1/examples", as: world.learnerA2)
            #expect(shown.items.count == 1 && shown.items[0]["inLibrary"] as? Bool == true)
            // Shared without its feedback: the library shows no review and no comments.
            #expect(shown.items[0]["review"] is NSNull)
        }
    }

    @Test("an upload names only an audience the exercise offers, and never the library", arguments: TestEngine.available)
    func uploadAudiences(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            try await keepLibrary(server)
            let path = "/api/v1/exercises/\(world.exerciseA.id)/submissions?filename=a.mp4"
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: MediaPipelineTests.fixtures + "/h264_aac.mp4")))
            for (audience, problem) in [("cohort", "consentNeeded"), ("peers", "audienceNotOffered"), ("everyone", "audienceNotOffered")] {
                let refused = try await server.request(.post, path + "&audience=\(audience)", as: world.learnerA1, bytes: bytes)
                #expect(refused.status == 422 && refused["type"] as? String == "urn:steiger:problem:\(problem)", "\(audience)")
            }
            let made = try await server.request(.post, path, as: world.learnerA1, bytes: bytes)
            #expect(made.status == 201 && made["audience"] as? String == "trainers")
        }
    }

    @Test("every view of a recording by someone other than its learner appears once in the audit log", arguments: TestEngine.available)
    func audit(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            try await keepLibrary(server)
            let id = try await server.uploadAndProcess("h264_aac.mp4", audience: "trainers")
            let path = "/api/v1/submissions/\(id)"
            #expect(
                try await server.request(.put, path + "/audience", as: world.learnerA1, json: ["audience": "cohort", "consent": true]).status
                    == 200)
            // One playback is many range requests; the learner's own plays are nobody's business.
            for range in ["bytes=0-", "bytes=0-1023", "bytes=2048-"] {
                #expect(try await server.request(.get, path + "/media/rendition", as: world.learnerA2, headers: [.range: range]).status == 206)
            }
            #expect(try await server.request(.get, path + "/media/rendition", as: world.trainerA).status == 200)
            #expect(try await server.request(.get, path + "/media/original", as: world.trainerA).status == 200)
            #expect(try await server.request(.get, path + "/media/rendition", as: world.learnerA1).status == 200)
            // Poster and storyboard are pictures for finding one's way, not a viewing.
            #expect(try await server.request(.get, path + "/media/poster.jpg", as: world.learnerA2).status == 200)
            func watched() async throws -> [[String: Any]] {
                try await server.request(.get, "/api/v1/audit?subject=\(id)&action=recording.watched", as: world.admin).items
            }
            var views = try await watched()
            #expect(views.count == 2)
            #expect(Set(views.compactMap { $0["actorId"] as? String }) == [world.learnerA2.id.description, world.trainerA.id.description])
            #expect(views.allSatisfy { $0["ownerId"] as? String == world.learnerA1.id.description })
            let downloads = try await server.request(.get, "/api/v1/audit?action=recording.downloaded", as: world.admin).items
            #expect(downloads.count == 1 && downloads[0]["actorName"] as? String == world.trainerA.displayName)
            // Within half an hour it is the same viewing; after a pause it is a new one.
            server.clock.advance(10 * 60)
            #expect(try await server.request(.get, path + "/media/rendition", as: world.learnerA2).status == 200)
            #expect(try await watched().count == 2)
            server.clock.advance(45 * 60)
            #expect(try await server.request(.get, path + "/media/rendition", as: world.learnerA2).status == 200)
            views = try await watched()
            #expect(views.count == 3 && views[0]["actorId"] as? String == world.learnerA2.id.description)
            // The learner's own choices are there too, with the wording of the consent.
            let choices = try await server.request(.get, "/api/v1/audit?subject=\(id)", as: world.admin).items.compactMap { $0["action"] as? String }
            // (made in one transaction, at one moment)
            #expect(choices.filter { $0.hasPrefix("audience.") || $0.hasPrefix("consent.") }.sorted() == ["audience.changed", "consent.given"])
            // Administrators alone read it, as JSON or CSV.
            #expect(try await server.request(.get, "/api/v1/audit", as: world.trainerA).status == 403)
            let csv = try await server.request(.get, "/api/v1/audit.csv?action=recording.watched", as: world.admin)
            #expect(csv.status == 200 && csv.body.split(separator: "\r\n").count == 4 && csv.body.hasPrefix("time,actor_id,actor,action"))
            // Kept for its period, then swept.
            server.clock.advance(Double(AuditEntry.defaultKeepDays + 1) * 86400)
            #expect(try await server.services.auditLog.sweep() >= 4)
            #expect(try await watched().isEmpty)
        }
    }
}
