import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Comments, their visibility and exports through HTTP")
struct AnnotationAPITests {
    @Test("comments within the video, threads, deletes, what the learner sees when, and the exports", arguments: TestEngine.available)
    func flow(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let id = try await server.uploadAndProcess("h264_aac.mp4")  // 5 s long
            let path = "/api/v1/submissions/\(id)/annotations"
            let trainer = world.trainerA
            let first = try await server.request(.post, path, as: trainer, json: ["at": 1000, "text": "Good eye contact", "tag": "praise"])
            #expect(first.status == 201 && first["at"] as? Int == 1000 && first["author"] as? String == "trainer-a")
            let outside = try await server.request(.post, path, as: trainer, json: ["at": 5001, "text": "After the end"])
            #expect(outside.status == 422 && outside.problemFields == ["at"])
            let range = try await server.request(
                .post, path, as: trainer,
                json: ["from": 500, "to": 1500, "text": "Too fast", "tag": "improve", "criterion": "empathy"])
            #expect(range.status == 201 && range["from"] as? Int == 500 && range["to"] as? Int == 1500)
            #expect(try await server.request(.post, path, as: trainer, json: ["at": 10, "text": "x", "tag": "shout"]).problemFields == ["tag"])
            #expect(try await server.request(.post, path, as: trainer, json: ["at": 10, "from": 1, "to": 2, "text": "x"]).status == 422)
            #expect(try await server.request(.post, path, as: world.learnerB, json: ["at": 10, "text": "x"]).status == 404)
            #expect(try await server.request(.get, path, as: world.learnerB).status == 404)

            // The learner sees the trainer's comments only once the trainer's review is in.
            #expect(try await server.request(.get, path, as: world.learnerA1).items.isEmpty)
            let firstID = try #require(first["id"] as? String)
            #expect(try await server.request(.delete, "/api/v1/annotations/\(firstID)", as: world.learnerA1).status == 404)
            #expect(try await server.request(.delete, "/api/v1/annotations/\(firstID)", as: trainer).status == 204)
            let reply = try await server.request(.post, path, as: trainer, json: ["parentId": .string(firstID), "text": "Agreed"])
            #expect(reply.status == 409 && (reply["detail"] as? String)?.contains("deleted") == true)
            // A peer cannot answer (or learn of) a trainer's comment they cannot see.
            let hidden = try await server.request(
                .post, path, as: world.learnerA2,
                json: ["parentId": .string(try #require(range["id"] as? String)), "text": "Agreed"])
            #expect(hidden.status == 422 && hidden.problemFields == ["parentId"])
            let edit = try await server.request(
                .patch, "/api/v1/annotations/\(try #require(range["id"] as? String))", as: trainer,
                json: ["text": "A little too fast"])
            #expect(edit.status == 200 && edit["editedAt"] is String)

            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: trainer).status == 200)
            let submissionID = try #require(SubmissionID(id))
            let task = try #require(try await server.store.reviewTasks(of: submissionID).first { $0.kind == .trainer })
            #expect(
                try await server.request(
                    .post, "/api/v1/review-tasks/\(task.id)/review", as: trainer,
                    json: ["scores": ["empathy": 2, "next-step": 3], "comment": "Good."]
                ).status == 201)
            let seen = try await server.request(.get, path, as: world.learnerA1)
            #expect(seen.items.count == 2 && seen.items.contains { $0["deleted"] as? Bool == true && $0["text"] as? String == "" })
            let reviews = try await server.request(.get, "/api/v1/submissions/\(id)/reviews", as: world.learnerA1)
            #expect(reviews.items.count == 1 && reviews.items[0]["reviewer"] as? String == "trainer-a")

            let vtt = try await server.request(.get, "/api/v1/submissions/\(id)/annotations.vtt", as: world.learnerA1)
            #expect(vtt.headers[.contentType]?.hasPrefix("text/vtt") == true && vtt.body.hasPrefix("WEBVTT"))
            #expect(vtt.body.contains("00:00:00.500 --> 00:00:01.500") && vtt.body.contains("A little too fast") && !vtt.body.contains("eye contact"))
            let jsonld = try await server.request(.get, "/api/v1/submissions/\(id)/annotations.jsonld", as: trainer)
            let collection = try #require(jsonld.json as? [String: Any])
            #expect(
                collection["@context"] as? String == "http://www.w3.org/ns/anno.jsonld" && collection["type"] as? String == "AnnotationCollection")
            let item = try #require(((collection["first"] as? [String: Any])?["items"] as? [[String: Any]])?.first)
            let selector = (item["target"] as? [String: Any])?["selector"] as? [String: Any]
            #expect(selector?["type"] as? String == "FragmentSelector" && selector?["value"] as? String == "t=0.5,1.5")
        }
    }

    @Test(
        "the Web Annotation export names everything under the configured public address, not the request's host",
        arguments: TestEngine.available)
    func exportUsesThePublicURL(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.publicURL = PublicURL("https://steiger.example.org/training/") }) { server in
            let id = try await server.uploadAndProcess("h264_aac.mp4")
            #expect(
                try await server.request(
                    .post, "/api/v1/submissions/\(id)/annotations", as: server.world.trainerA,
                    json: ["at": 1000, "text": "Good eye contact"]
                ).status == 201)
            let jsonld = try await server.request(.get, "/api/v1/submissions/\(id)/annotations.jsonld", as: server.world.trainerA)
            let collection = try #require(jsonld.json as? [String: Any])
            let base = "https://steiger.example.org/training/api/v1"
            #expect(collection["id"] as? String == "\(base)/submissions/\(id)/annotations.jsonld")
            let item = try #require(((collection["first"] as? [String: Any])?["items"] as? [[String: Any]])?.first)
            #expect((item["id"] as? String)?.hasPrefix("\(base)/annotations/") == true)
            #expect((item["target"] as? [String: Any])?["source"] as? String == "\(base)/submissions/\(id)/media/rendition")
            #expect(!jsonld.body.contains("localhost") && !jsonld.body.contains("http://steiger"))
        }
    }

    @Test("a public address must be an absolute http(s) address without query or fragment")
    func publicURLParsing() {
        #expect(PublicURL("https://steiger.example.org")?.link("/x") == "https://steiger.example.org/x")
        #expect(PublicURL("http://localhost:8080/")?.link("/x") == "http://localhost:8080/x")
        #expect(PublicURL("ftp://example.org") == nil && PublicURL("steiger.example.org") == nil)
        #expect(PublicURL("https://example.org/?a=1") == nil && PublicURL("https://example.org/#top") == nil)
        #expect(PublicURL("https://user:secret@example.org") == nil)
    }
}
