import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("The media library through HTTP")
struct MediaLibraryTests {
    @Test(
        "a trainer adds a model video; it is processed like an attempt; a learner plays it only while a support they get names it",
        arguments: TestEngine.available)
    func modelVideoFromTheLibrary(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: MediaPipelineTests.fixtures + "/h264_aac.mp4")))
            // Learners neither browse nor add to the library; a title is needed.
            #expect(try await server.request(.get, "/api/v1/media-items", as: world.learnerA1).status == 403)
            #expect(try await server.request(.post, "/api/v1/media-items?title=Mine", as: world.learnerA1, bytes: bytes).status == 403)
            let untitled = try await server.request(.post, "/api/v1/media-items", as: world.trainerA, bytes: bytes)
            #expect(untitled.status == 422 && untitled.problemFields == ["title"])
            let empty = try await server.request(.post, "/api/v1/media-items?title=Nothing", as: world.trainerA, bytes: [])
            #expect(empty.status == 422 && empty.problemFields == ["body"])

            let made = try await server.request(
                .post, "/api/v1/media-items?title=How%20it%20is%20done&filename=model.mp4", as: world.trainerA, bytes: bytes)
            #expect(made.status == 201 && made["status"] as? String == "processing" && made["kind"] as? String == "model")
            let id = try #require(made["id"] as? String)
            #expect(try await server.request(.get, "/api/v1/media-items/\(id)/rendition", as: world.trainerA).status == 409)
            try await server.runJobs()
            let ready = try await server.request(.get, "/api/v1/media-items/\(id)", as: world.trainerB)
            #expect(ready.status == 200 && ready["status"] as? String == "ready" && (ready["durationMilliseconds"] as? Int ?? 0) > 1000)
            #expect(try await server.request(.get, "/api/v1/media-items", as: world.admin).items.count == 1)
            let rendition = try await server.request(.get, "/api/v1/media-items/\(id)/rendition", as: world.trainerB)
            #expect(rendition.status == 200 && rendition.headers[.contentType] == "video/mp4")
            #expect(try await server.request(.get, "/api/v1/media-items/\(id)/poster.jpg", as: world.trainerA).status == 200)

            // Not named by any support yet: hidden from learners.
            let path = "/api/v1/media-items/\(id)/rendition"
            #expect(try await server.request(.get, path, as: world.learnerA1).status == 404)
            // Exercise A's full support names it: learners at that level play it; others still do not.
            var exercise = world.exerciseA
            exercise.ladder = try ScaffoldLadder.standard(
                modelVideo: "media:\(id)", script: "Say: I understand.", prompts: ["Acknowledge"], checklist: ["Acknowledge", "Ask", "Agree"])
            _ = try await server.store.updateExercise(exercise)
            #expect(try await server.request(.get, path, as: world.learnerA1).status == 200)
            #expect(try await server.request(.get, path, as: world.learnerB).status == 404)
            #expect(try await server.request(.get, path, as: world.outsider).status == 404)
            // Once the support is withdrawn (level 2 has no model video), it is hidden again.
            let standing = try await server.request(
                .put, "/api/v1/exercises/\(world.exerciseA.id)/scaffolding/\(world.learnerA1.id)", as: world.trainerA,
                json: ["level": 2, "reason": "Ready for less help"])
            #expect(standing.status == 200)
            #expect(try await server.request(.get, path, as: world.learnerA1).status == 404)

            // Only its uploader among trainers, or an administrator, removes it.
            #expect(try await server.request(.delete, "/api/v1/media-items/\(id)", as: world.trainerB).status == 403)
            #expect(try await server.request(.delete, "/api/v1/media-items/\(id)", as: world.trainerA).status == 204)
            #expect(try await server.request(.get, "/api/v1/media-items/\(id)", as: world.admin).status == 404)
        }
    }
}
