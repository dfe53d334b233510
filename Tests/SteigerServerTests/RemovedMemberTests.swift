import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("People taken out of a cohort keep nothing of their reach there")
struct RemovedMemberTests {
    @Test("a trainer taken out of a cohort can no longer edit or delete their comments there; the comments stay", arguments: TestEngine.available)
    func removedTrainer(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let made = try await server.request(
                .post, "/api/v1/submissions/\(world.submissionA1.id)/annotations", as: world.trainerA,
                json: ["at": 1000, "text": "Slow down at the price"])
            #expect(made.status == 201, "\(made.body)")
            let comment = "/api/v1/annotations/\(try #require(made["id"] as? String))"
            #expect(try await server.request(.patch, comment, as: world.trainerA, json: ["text": "Slow down"]).status == 200)
            #expect(
                try await server.request(.delete, "/api/v1/cohorts/\(world.cohortA.id)/members/\(world.trainerA.id)", as: world.admin).status == 204)
            // Now as if the comment did not exist to them.
            #expect(try await server.request(.patch, comment, as: world.trainerA, json: ["text": "You were awful"]).status == 404)
            #expect(try await server.request(.delete, comment, as: world.trainerA).status == 404)
            let kept = try #require(try await server.store.annotations(of: world.submissionA1.id).first)
            #expect(kept.text == "Slow down" && !kept.isDeleted)
        }
    }

    @Test(
        "a learner taken out of a cohort cannot finish an upload begun before: no attempt appears that no trainer sees",
        arguments: TestEngine.available)
    func removedLearner(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let tus: HTTPFields = [HTTPField.Name("Tus-Resumable")!: "1.0.0"]
            var create = tus
            create[HTTPField.Name("Upload-Length")!] = "10"
            create[HTTPField.Name("Upload-Metadata")!] = "exercise \(Data(world.exerciseA.id.description.utf8).base64EncodedString())"
            let created = try await server.request(.post, "/api/v1/uploads", as: world.learnerA2, headers: create)
            let location = try #require(created.headers[.location])
            func patch(_ offset: Int, _ bytes: [UInt8]) async throws -> Int {
                var headers = tus
                headers[HTTPField.Name("Upload-Offset")!] = String(offset)
                headers[.contentType] = "application/offset+octet-stream"
                return try await server.request(.patch, location, as: world.learnerA2, bytes: bytes, headers: headers).status
            }
            #expect(try await patch(0, Array(repeating: 1, count: 5)) == 204)
            let before = try await server.store.submissions(scope: .everything, filter: .init(learner: world.learnerA2.id), page: PageRequest()).items
                .count
            #expect(
                try await server.request(.delete, "/api/v1/cohorts/\(world.cohortA.id)/members/\(world.learnerA2.id)", as: world.admin).status
                    == 204)
            #expect(try await patch(5, Array(repeating: 2, count: 5)) == 404)
            #expect(
                try await server.store.submissions(scope: .everything, filter: .init(learner: world.learnerA2.id), page: PageRequest()).items.count
                    == before)
        }
    }

    @Test("people join a cohort together or not at all; a learner moves to another cohort with their work", arguments: TestEngine.available)
    func addSeveralAndMove(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let path = "/api/v1/cohorts/\(world.cohortB.id)/members"
            // A learner cannot take a trainer's place: nobody is added, and the problem names the line.
            let refused = try await server.request(
                .post, path, as: world.admin,
                json: ["users": [.string(world.trainerA.id.description), .string(world.outsider.id.description)], "part": "trainer"])
            #expect(refused.status == 422 && refused.problemFields == ["users[1]"])
            #expect(try await server.store.members(of: world.cohortB.id, scope: .everything).count == 2)
            let unknown = try await server.request(.post, path, as: world.admin, json: ["users": [.string(UUID().uuidString)], "part": "learner"])
            #expect(unknown.status == 422 && unknown.problemFields == ["users[0]"])
            let added = try await server.request(
                .post, path, as: world.admin,
                json: ["users": [.string(world.outsider.id.description), .string(world.learnerA2.id.description)], "part": "learner"])
            #expect(added.status == 200 && added.items.count == 2)
            #expect(
                Set(try await server.store.members(of: world.cohortB.id, scope: .everything).map(\.user.displayName)).isSuperset(of: [
                    "outsider", "learner-a2",
                ]))

            // Moving: out of A and into B at once; the attempt stays the learner's.
            let move = "/api/v1/cohorts/\(world.cohortA.id)/members/\(world.learnerA1.id)/move"
            #expect(try await server.request(.post, move, as: world.admin, json: ["to": .string(world.cohortA.id.description)]).status == 422)
            #expect(try await server.request(.post, move, as: world.admin, json: ["to": .string(UUID().uuidString)]).status == 422)
            let moved = try await server.request(.post, move, as: world.admin, json: ["to": .string(world.cohortB.id.description)])
            #expect(moved.status == 200 && moved["cohortId"] as? String == world.cohortB.id.description && moved["part"] as? String == "learner")
            let parts = try await server.store.memberships(of: world.learnerA1.id)
            #expect(parts.map(\.cohortID) == [world.cohortB.id])
            #expect(try await server.store.submission(world.submissionA1.id)?.learnerID == world.learnerA1.id)
            // A trainer is not moved: they are no learner of A.
            let trainer = "/api/v1/cohorts/\(world.cohortA.id)/members/\(world.trainerA.id)/move"
            #expect(try await server.request(.post, trainer, as: world.admin, json: ["to": .string(world.cohortB.id.description)]).status == 404)
        }
    }

    @Test("a learner removes their own attempt that could not be used; a usable one or someone else's stays", arguments: TestEngine.available)
    func removeFailedAttempt(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let failed = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .processing, createdAt: server.clock.now)
            #expect(try await server.store.setSubmissionStatus(failed.id, to: .failed, reason: Message("reason.emptyFile").stored))
            let path = "/api/v1/submissions/\(failed.id)"
            #expect(try await server.request(.delete, path, as: world.learnerA2).status == 404)
            #expect(try await server.request(.delete, path, as: world.trainerA).status == 404)
            let usable = try await server.request(.delete, "/api/v1/submissions/\(world.submissionA1.id)", as: world.learnerA1)
            #expect(usable.status == 409 && (usable["type"] as? String)?.hasSuffix("attemptKept") == true)
            #expect(try await server.request(.delete, path, as: world.learnerA1).status == 204)
            #expect(try await server.store.submission(failed.id) == nil)
            #expect(try await server.request(.delete, path, as: world.learnerA1).status == 404)
            #expect(try await server.store.submission(world.submissionA1.id) != nil)
        }
    }
}
