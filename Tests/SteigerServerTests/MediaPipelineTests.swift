import Crypto
import Foundation
import HTTPTypes
import Logging
import SteigerCore
import SteigerMedia
import SteigerPipeline
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

/// Uploads through HTTP, processed by the real pipeline (in process), then served.
@Suite("Processing and media serving")
struct MediaPipelineTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    @Test("an upload becomes ready; the rendition, poster and storyboard are served with ranges and validators", arguments: TestEngine.available)
    func readyAndServed(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let learner = server.world.learnerA1
            let id = try await server.uploadAndProcess("rotated_90.mp4")
            let media = try await server.request(.get, "/api/v1/submissions/\(id)/media", as: learner)
            #expect(media.status == 200 && media["status"] as? String == "ready" && media["progress"] as? Double == 1, "\(media.body)")
            // Ready means reviewable: a trainer task in cohort A's pool and peer tasks for the other
            // enabled learner (the disabled one is never assigned).
            let tasks = try await server.store.reviewTasks(of: try #require(SubmissionID(id)))
            #expect(tasks.filter { $0.kind == .trainer }.count == 1 && tasks.allSatisfy { $0.cohortID == server.world.cohortA.id })
            #expect(tasks.filter { $0.kind == .peer }.map(\.assignee) == [server.world.learnerA2.id])
            // rotated_90.mp4 is stored landscape with a 90° rotation: shown portrait.
            let width = try #require(media["width"] as? Int), height = try #require(media["height"] as? Int)
            #expect(height > width, "\(width)x\(height)")
            let renditionPath = try #require(media["rendition"] as? String)
            let whole = try await server.request(.get, renditionPath, as: learner)
            #expect(whole.status == 200 && whole.headers[.contentType] == "video/mp4" && whole.headers[.acceptRanges] == "bytes")
            let etag = try #require(whole.headers[.eTag])
            let rendition = Array(
                try #require(
                    FileManager.default.contents(
                        atPath: try BlobStore(root: server.dataDirectory + "/media")
                            .path(String(etag.dropFirst().dropLast())))))
            #expect(whole.bytes == rendition && Int(whole.headers[.contentLength] ?? "") == rendition.count)
            #expect(BlobStore.hex(SHA256.hash(data: whole.bytes)) == String(etag.dropFirst().dropLast()))

            func range(_ header: String, ifRange: String? = nil) async throws -> Reply {
                var headers: HTTPFields = [.range: header]
                if let ifRange { headers[.ifRange] = ifRange }
                return try await server.request(.get, renditionPath, as: learner, headers: headers)
            }
            let first = try await range("bytes=0-99")
            #expect(first.status == 206 && first.headers[.contentRange] == "bytes 0-99/\(rendition.count)" && first.bytes == Array(rendition[0...99]))
            let tail = try await range("bytes=-50")
            #expect(tail.status == 206 && tail.headers[.contentRange] == "bytes \(rendition.count - 50)-\(rendition.count - 1)/\(rendition.count)")
            #expect(tail.bytes == Array(rendition.suffix(50)))
            let open = try await range("bytes=1000-")
            #expect(open.status == 206 && open.bytes == Array(rendition[1000...]))
            // A seek into the middle, as a browser's player asks.
            let middle = rendition.count / 2
            let seek = try await range("bytes=\(middle)-\(middle + 4095)")
            #expect(seek.status == 206 && seek.bytes == Array(rendition[middle...(middle + 4095)]))
            #expect(try await range("bytes=\(rendition.count)-").status == 416)
            let several = try await range("bytes=0-10, 20-30")
            #expect(several.status == 200 && several.bytes == rendition)
            let past = try await range("bytes=0-99999999")
            #expect(past.status == 206 && past.bytes == rendition)
            #expect(try await range("bytes=0-99", ifRange: etag).status == 206)
            #expect(try await range("bytes=0-99", ifRange: "\"stale\"").status == 200)
            #expect(try await server.request(.get, renditionPath, as: learner, headers: [.ifNoneMatch: etag]).status == 304)

            let poster = try await server.request(.get, try #require(media["poster"] as? String), as: learner)
            #expect(poster.status == 200 && poster.headers[.contentType] == "image/jpeg")
            let vtt = try await server.request(.get, try #require(media["storyboard"] as? String), as: learner)
            #expect(vtt.status == 200 && vtt.body.hasPrefix("WEBVTT") && vtt.body.contains("/api/v1/submissions/\(id)/media/storyboard/1.jpg#xywh="))
            let sheet = try await server.request(.get, "/api/v1/submissions/\(id)/media/storyboard/1.jpg", as: learner)
            #expect(sheet.status == 200 && sheet.headers[.contentType] == "image/jpeg")
            #expect(try await server.request(.get, "/api/v1/submissions/\(id)/media/storyboard/9.jpg", as: learner).status == 404)
            let original = try await server.request(.get, "/api/v1/submissions/\(id)/media/original", as: learner, headers: [.range: "bytes=0-7"])
            let fixture = try Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/rotated_90.mp4"))
            #expect(original.status == 206 && original.bytes == Array(fixture.prefix(8)))
            #expect(original.headers[.contentDisposition] == "inline; filename=\"rotated_90.mp4\"; filename*=UTF-8''rotated_90.mp4")
            // The same permissions as the submission.
            #expect(try await server.request(.get, renditionPath, as: server.world.trainerA, headers: [.range: "bytes=0-9"]).status == 206)
            #expect(try await server.request(.get, renditionPath, as: server.world.learnerB).status == 404)
            #expect(try await server.request(.get, "/api/v1/submissions/\(id)/media", as: server.world.trainerB).status == 404)
            #expect(try await server.request(.get, renditionPath).status == 401)
        }
    }

    @Test(
        "a playlist renamed .mp4, an empty file and a truncated file end failed with a reason, touching nothing else",
        arguments: TestEngine.available)
    func hostile(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let good = try await server.uploadAndProcess("h264_aac.mp4")
            let mediaRoot = server.dataDirectory + "/media"
            let before = Set(try FileManager.default.subpathsOfDirectory(atPath: mediaRoot))
            for fixture in ["hostile/hls_playlist.mp4", "hostile/empty.mp4", "hostile/truncated.mp4", "hostile/text.mp4"] {
                let id = try await server.uploadAndProcess(fixture)
                let media = try await server.request(.get, "/api/v1/submissions/\(id)/media", as: server.world.learnerA1)
                #expect(media["status"] as? String == "failed", "\(fixture): \(media.body)")
                let reason = media["failureReason"] as? String ?? ""
                #expect(reason.count > 10 && !reason.contains("/"), "\(fixture): \(reason)")  // a sentence, no server paths
                #expect(media["rendition"] is NSNull && media["poster"] is NSNull)
                #expect(try await server.request(.get, "/api/v1/submissions/\(id)/media/rendition", as: server.world.learnerA1).status == 409)
            }
            // Only the four originals were added; the good submission's files are untouched.
            let after = Set(try FileManager.default.subpathsOfDirectory(atPath: mediaRoot)).subtracting(before)
            #expect(after.filter { $0.count > 60 }.count <= 4)
            let goodMedia = try await server.request(.get, "/api/v1/submissions/\(good)/media", as: server.world.learnerA1)
            #expect(goodMedia["status"] as? String == "ready")
            let failed = try await server.store.jobCounts()[.failed] ?? 0
            #expect(failed == 4)
        }
    }
}
