import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("How long recordings are kept, through HTTP")
struct RetentionAPITests {
    /// Every blob in the server's media directory, by name, with the SHA-256 of its bytes now.
    func blobs(_ server: TestServer) throws -> [String: String] {
        let root = server.dataDirectory + "/media"
        var found: [String: String] = [:]
        let walk = try #require(FileManager.default.enumerator(atPath: root))
        for case let path as String in walk {
            let name = (path as NSString).lastPathComponent
            guard !path.hasPrefix("tmp"), BlobStore.isValidName(name) else { continue }
            found[name] = try BlobStore.sha256(ofFile: root + "/" + path)
        }
        return found
    }

    /// The blobs of attempt `id`.
    func blobNames(_ server: TestServer, _ id: String) async throws -> [String] {
        let media = try await server.store.submissionMedia(try #require(SubmissionID(id)))
        return try #require(media).blobs
    }

    /// Trainer `trainer` claims the next attempt, comments at 1 s and sends scores.
    func review(_ server: TestServer, as trainer: User) async throws {
        let claimed = try await server.request(.post, "/api/v1/review-queue/claim", as: trainer)
        let task = try #require(claimed["id"] as? String, "\(claimed.body)")
        let submission = try #require(claimed["submissionId"] as? String)
        let comment = try await server.request(
            .post, "/api/v1/submissions/\(submission)/annotations", as: trainer, json: ["text": "Good opening", "at": 1000])
        #expect(comment.status == 201, "\(comment.body)")
        let sent = try await server.request(
            .post, "/api/v1/review-tasks/\(task)/review", as: trainer, json: ["scores": ["empathy": 3, "next-step": 2]])
        #expect(sent.status == 201, "\(sent.body)")
    }

    @Test(
        "media past the policy go, the evidence and every other blob stay, a hold keeps, running again is harmless", arguments: TestEngine.available)
    func removal(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: KickOffRecheckAPITests.quiet) { server in
            let world = server.world
            // A1's attempt, reviewed; A2's attempt of the very same file (sharing its blobs), not reviewed yet;
            // B's attempt in cohort B, reviewed.
            let reviewed = try await server.uploadAndProcess("h264_aac.mp4", audience: "trainers")
            try await review(server, as: world.trainerA)
            let waiting = try await server.uploadAndProcess("h264_aac.mp4", as: world.learnerA2, audience: "trainers")
            let other = try await server.uploadAndProcess("vp9_opus.webm", as: world.learnerB, exercise: world.exerciseB.id)
            try await review(server, as: world.trainerB)
            let unique = try await blobNames(server, other)
            let shared = try await blobNames(server, reviewed)
            #expect(shared.count >= 3, "original, rendition, poster (and sheets)")

            // Only an administrator sets retention.
            #expect(try await server.request(.get, "/api/v1/retention", as: world.trainerA).status == 403)
            #expect(try await server.request(.put, "/api/v1/retention", as: world.trainerA, json: ["keep": "always"]).status == 403)
            let bad = try await server.request(.put, "/api/v1/retention", as: world.admin, json: ["keep": "days", "days": 0])
            #expect(bad.status == 422 && bad.problemFields == ["days"])
            let set = try await server.request(.put, "/api/v1/retention", as: world.admin, json: ["keep": "days", "days": 30, "start": "reviewed"])
            #expect(set.status == 200, "\(set.body)")
            #expect((set["organisation"] as? [String: Any])?["text"] as? String == "kept 30 days after the review")
            // Cohort B keeps its own for 10 days, but is on legal hold.
            let cohortB = "/api/v1/cohorts/\(world.cohortB.id)"
            #expect(
                try await server.request(.put, cohortB + "/retention", as: world.admin, json: ["keep": "days", "days": 10, "start": "reviewed"])
                    .status == 200)
            let hold = try await server.request(.put, cohortB + "/legal-hold", as: world.admin, json: ["reason": "Complaint 2026-14"])
            #expect(hold.status == 200 && hold["reason"] as? String == "Complaint 2026-14")
            #expect(try await server.request(.put, cohortB + "/legal-hold", as: world.admin, json: ["reason": ""]).status == 422)

            let before = try blobs(server)
            // Within the policy: nothing goes.
            server.clock.advance(20 * 86400)
            let early = try await server.request(.post, "/api/v1/retention/run", as: world.admin)
            #expect(early["removed"] as? Int == 0 && early["held"] as? Int == 1, "\(early.body)")
            #expect(try blobs(server) == before)

            server.clock.advance(11 * 86400)
            let preview = try await server.request(.get, "/api/v1/retention", as: world.admin)
            #expect((preview["preview"] as? [String: Any])?["removed"] as? Int == 1)
            let run = try await server.request(.post, "/api/v1/retention/run", as: world.admin)
            #expect(run["removed"] as? Int == 1 && run["held"] as? Int == 1, "\(run.body)")
            // Nothing was touched but what only the removed recording used; the blobs it shared stay.
            let after = try blobs(server)
            for (name, sha) in before where !shared.contains(name) { #expect(after[name] == sha, "\(name) intact") }
            let sharedWithWaiting = Set(try await blobNames(server, waiting))
            for name in shared { #expect((after[name] != nil) == sharedWithWaiting.contains(name), "\(name)") }
            for name in unique { #expect(after[name] == before[name], "held: \(name)") }

            // The recording is gone with a note; the evidence stays.
            let path = "/api/v1/submissions/\(reviewed)"
            let media = try await server.request(.get, path + "/media", as: world.learnerA1)
            #expect(media.status == 200 && media["rendition"] is NSNull && media["original"] is NSNull)
            let note = try #require(media["removed"] as? String)
            #expect(note.contains("The video was removed on") && note.contains("kept 30 days after the review"), "\(note)")
            for part in ["/media/rendition", "/media/original", "/media/poster.jpg", "/media/storyboard.vtt"] {
                let gone = try await server.request(.get, path + part, as: world.trainerA)
                #expect(gone.status == 410 && gone["type"] as? String == "urn:steiger:problem:mediaRemoved", "\(part): \(gone.body)")
            }
            #expect(try await server.request(.get, path + "/media/rendition", as: world.learnerB).status == 404, "others still learn nothing")
            #expect(try await server.request(.get, path + "/reviews", as: world.learnerA1).items.count == 1)
            let comments = try await server.request(.get, path + "/annotations", as: world.learnerA1).items
            #expect(comments.contains { $0["text"] as? String == "Good opening" && $0["at"] as? Int == 1000 })
            // The learner's page says so, in their language.
            let cookie = try await server.login(world.learnerA1)
            let page = try await server.request(.get, "/learn/submissions/\(reviewed)", cookie: cookie)
            #expect(page.status == 200 && page.body.contains("id=\"media-removed\""))
            let dutch = try await server.request(.get, path + "/media", as: world.learnerA1, headers: [.acceptLanguage: "nl"])
            #expect((dutch["removed"] as? String)?.contains("De video is op") == true, "\(dutch.body)")

            // The audit log tells what went and the run.
            let audit = try await server.request(.get, "/api/v1/audit?action=media.removed", as: world.admin).items
            #expect(audit.count == 1 && audit.first?["subjectId"] as? String == reviewed && audit.first?["detail"] as? String == "30d:reviewed")
            #expect(try await server.request(.get, "/api/v1/audit?action=retention.ran", as: world.admin).items.count == 2)
            #expect(try await server.request(.get, "/api/v1/audit?action=hold.placed", as: world.admin).items.count == 1)

            // Running again is harmless; lifting the hold lets cohort B's own policy take B's attempt.
            let again = try await server.request(.post, "/api/v1/retention/run", as: world.admin)
            #expect(again["removed"] as? Int == 0 && again["freedBytes"] as? Int == 0)
            #expect(try await server.request(.delete, cohortB + "/legal-hold", as: world.admin).status == 204)
            let lifted = try await server.request(.post, "/api/v1/retention/run", as: world.admin)
            #expect(lifted["removed"] as? Int == 1 && lifted["held"] as? Int == 0)
            let otherNote = try await server.request(.get, "/api/v1/submissions/\(other)/media", as: world.learnerB)
            #expect((otherNote["removed"] as? String)?.contains("Cohort B (kept 10 days after the review)") == true, "\(otherNote.body)")
            for name in unique {
                #expect(
                    !FileManager.default.fileExists(
                        atPath: server.dataDirectory + "/media/" + name.prefix(2) + "/" + name.dropFirst(2).prefix(2) + "/" + name))
            }
            // The waiting attempt still plays.
            #expect(try await server.request(.get, "/api/v1/submissions/\(waiting)/media/rendition", as: world.learnerA2).status == 200)
        }
    }

    @Test("a person on hold keeps their recordings; holds need an administrator and a known subject", arguments: TestEngine.available)
    func personHold(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            _ = try await server.uploadAndProcess("h264_aac.mp4", audience: "private")
            let person = "/api/v1/users/\(world.learnerA1.id)/legal-hold"
            #expect(try await server.request(.put, person, as: world.trainerA, json: ["reason": "Case"]).status == 403)
            #expect(try await server.request(.put, "/api/v1/users/\(UserID())/legal-hold", as: world.admin, json: ["reason": "Case"]).status == 404)
            #expect(try await server.request(.put, person, as: world.admin, json: ["reason": "Case 7"]).status == 200)
            #expect(
                try await server.request(.put, "/api/v1/retention", as: world.admin, json: ["keep": "days", "days": 1, "start": "reviewed"]).status
                    == 200)
            server.clock.advance(3 * 86400)
            let held = try await server.request(.post, "/api/v1/retention/run", as: world.admin)
            #expect(held["removed"] as? Int == 0 && held["held"] as? Int == 1)
            let overview = try await server.request(.get, "/api/v1/retention", as: world.admin)
            let people = overview["people"] as? [[String: Any]] ?? []
            #expect(people.count == 1 && people.first?["name"] as? String == world.learnerA1.displayName)
            #expect((overview["lastRun"] as? [String: Any])?["held"] as? Int == 1)
            #expect(try await server.request(.delete, person, as: world.admin).status == 204)
            #expect(try await server.request(.post, "/api/v1/retention/run", as: world.admin)["removed"] as? Int == 1)
        }
    }
}
