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
            let nul = try await server.request(.post, "/api/v1/media-items?title=Bad%00title", as: world.trainerA, bytes: bytes)
            #expect(nul.status == 422 && nul.problemFields == ["title"], "\(nul.body)")
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

    static func libraryMetadata(kind: String, title: String, file: String = "model.mp4") -> String {
        [("library", kind), ("title", title), ("filename", file)].map { "\($0) \(Data($1.utf8).base64EncodedString())" }.joined(separator: ",")
    }

    @Test(
        "a library video sent with tus in chunks, resumed after a break, becomes a processed item; learners and bad metadata are refused before a byte",
        arguments: TestEngine.available)
    func resumableLibraryUpload(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: MediaPipelineTests.fixtures + "/h264_aac.mp4")))
            func start(_ user: User, _ metadata: String, length: Int) async throws -> Reply {
                var headers = UploadTests.tus
                headers[UploadTests.header("Upload-Length")] = String(length)
                headers[UploadTests.header("Upload-Metadata")] = metadata
                return try await server.request(.post, "/api/v1/uploads", as: user, headers: headers)
            }
            // A learner cannot add to the library; a kind must be one Steiger knows; a title is needed; nothing empty.
            #expect(try await start(world.learnerA1, Self.libraryMetadata(kind: "model", title: "Mine"), length: bytes.count).status == 403)
            let oddKind = try await start(world.trainerA, Self.libraryMetadata(kind: "trailer", title: "T"), length: bytes.count)
            #expect(oddKind.status == 422 && oddKind.problemFields == ["library"])
            let untitled = try await start(world.trainerA, Self.libraryMetadata(kind: "model", title: " "), length: bytes.count)
            #expect(untitled.status == 422 && untitled.problemFields == ["title"])
            #expect(try await start(world.trainerA, Self.libraryMetadata(kind: "stimulus", title: "Empty"), length: 0).status == 422)

            let attempts = try await server.request(.get, "/api/v1/submissions?limit=200", as: world.admin).items.count
            let created = try await start(world.trainerA, Self.libraryMetadata(kind: "stimulus", title: "The customer calls"), length: bytes.count)
            #expect(created.status == 201)
            let location = try #require(created.headers[.location])
            let half = bytes.count / 2
            let first = try await UploadTests().patch(server, location, as: world.trainerA, offset: 0, Array(bytes[..<half]))
            #expect(first.status == 204 && first.headers[UploadTests.header("Steiger-Media-Item")] == nil)
            // Another trainer cannot continue it; its owner picks up at the offset the server has.
            #expect(try await UploadTests().patch(server, location, as: world.trainerB, offset: half, Array(bytes[half...])).status == 404)
            let head = try await server.request(.head, location, as: world.trainerA, headers: UploadTests.tus)
            #expect(head.headers[UploadTests.header("Upload-Offset")] == String(half))
            let last = try await UploadTests().patch(server, location, as: world.trainerA, offset: half, Array(bytes[half...]))
            let id = try #require(last.headers[UploadTests.header("Steiger-Media-Item")])
            #expect(last.status == 204 && last.headers[UploadTests.header("Steiger-Submission")] == nil)
            // Asked again, the upload names the same item; no attempt was made.
            let again = try await server.request(.head, location, as: world.trainerA, headers: UploadTests.tus)
            #expect(again.headers[UploadTests.header("Steiger-Media-Item")] == id)
            #expect(try await server.request(.get, "/api/v1/submissions?limit=200", as: world.admin).items.count == attempts)

            let item = try await server.request(.get, "/api/v1/media-items/\(id)", as: world.trainerB)
            #expect(
                item["title"] as? String == "The customer calls" && item["kind"] as? String == "stimulus" && item["status"] as? String == "processing"
            )
            #expect(item["size"] as? Int == bytes.count)
            try await server.runJobs()
            #expect(try await server.request(.get, "/api/v1/media-items/\(id)", as: world.admin)["status"] as? String == "ready")
            // A library video does not count against the uploader's quota as an attempt does.
            #expect(try await server.store.bytesInUse(by: world.trainerA.id) == 0)
        }
    }

    @Test(
        "an exercise's clip to respond to is kept, shown and cleared through the API, and its learners play it at every level",
        arguments: TestEngine.available)
    func clipToRespondTo(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: MediaPipelineTests.fixtures + "/h264_aac.mp4")))
            let made = try await server.request(.post, "/api/v1/media-items?title=Opening&kind=stimulus", as: world.trainerA, bytes: bytes)
            let id = try #require(made["id"] as? String)
            try await server.runJobs()
            let path = "/api/v1/media-items/\(id)/rendition"
            #expect(try await server.request(.get, path, as: world.learnerA1).status == 404)

            let exercisePath = "/api/v1/exercises/\(world.exerciseA.id)"
            #expect(try await server.request(.get, exercisePath, as: world.admin)["stimulus"] is NSNull)
            let tooLong = try await server.request(
                .patch, exercisePath, as: world.admin, json: ["stimulus": .string(String(repeating: "x", count: 2001))])
            #expect(tooLong.status == 422 && tooLong.problemFields == ["stimulus"])
            let set = try await server.request(.patch, exercisePath, as: world.admin, json: ["stimulus": .string("  media:\(id) ")])
            #expect(set.status == 200 && set["stimulus"] as? String == "media:\(id)")
            // Its learners play it at full support and on their own; learners of other cohorts do not.
            #expect(try await server.request(.get, path, as: world.learnerA1).status == 200)
            #expect(try await server.request(.get, path, as: world.learnerB).status == 404)
            let placed = try await server.request(
                .put, "/api/v1/exercises/\(world.exerciseA.id)/scaffolding/\(world.learnerA1.id)", as: world.trainerA,
                json: ["level": 0, "reason": "On her own"])
            #expect(placed.status == 200)
            #expect(try await server.request(.get, path, as: world.learnerA1).status == 200)
            let page = try await server.request(.get, "/learn/exercises/\(world.exerciseA.id)", cookie: try await server.login(world.learnerA1))
            #expect(page.body.contains("/api/v1/media-items/\(id)/rendition") && page.body.contains("Watch this first"))
            // A change that leaves it out keeps it; null takes it away, and the learner loses the clip.
            #expect(
                try await server.request(.patch, exercisePath, as: world.admin, json: ["title": "Renamed"])["stimulus"] as? String == "media:\(id)")
            let cleared = try await server.request(.patch, exercisePath, as: world.admin, json: ["stimulus": .null])
            #expect(cleared.status == 200 && cleared["stimulus"] is NSNull)
            #expect(try await server.request(.get, path, as: world.learnerA1).status == 404)
        }
    }
}
