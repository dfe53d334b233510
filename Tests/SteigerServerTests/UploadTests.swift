import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Uploads through HTTP (tus and one streaming request)")
struct UploadTests {
    static let tus: HTTPFields = [HTTPField.Name("Tus-Resumable")!: "1.0.0"]
    static func header(_ name: String) -> HTTPField.Name { HTTPField.Name(name)! }

    static func metadata(_ exercise: ExerciseID, _ name: String = "take.mp4") -> String {
        "exercise \(Data(exercise.description.utf8).base64EncodedString()),filename \(Data(name.utf8).base64EncodedString())"
    }

    static func sha256(_ bytes: [UInt8]) -> String { BlobStore.hex(SHA256.hash(data: bytes)) }

    func create(_ server: TestServer, as user: User, length: Int, exercise: ExerciseID? = nil) async throws -> Reply {
        var headers = Self.tus
        headers[Self.header("Upload-Length")] = String(length)
        headers[Self.header("Upload-Metadata")] = Self.metadata(exercise ?? server.world.exerciseA.id)
        return try await server.request(.post, "/api/v1/uploads", as: user, headers: headers)
    }

    func patch(
        _ server: TestServer, _ location: String, as user: User, offset: Int, _ bytes: [UInt8],
        contentType: String = "application/offset+octet-stream"
    ) async throws -> Reply {
        var headers = Self.tus
        headers[Self.header("Upload-Offset")] = String(offset)
        headers[.contentType] = contentType
        return try await server.request(.patch, location, as: user, bytes: bytes, headers: headers)
    }

    @Test("a tus upload in chunks becomes a submission whose original has the same SHA-256", arguments: TestEngine.available)
    func chunks(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let learner = server.world.learnerA1
            let options = try await server.request(.options, "/api/v1/uploads")
            #expect(options.status == 204 && options.headers[Self.header("Tus-Version")] == "1.0.0")
            #expect(options.headers[Self.header("Tus-Extension")] == "creation,creation-with-upload,termination,expiration")
            let data = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
            let created = try await create(server, as: learner, length: data.count)
            #expect(created.status == 201 && created.headers[Self.header("Upload-Expires")]?.hasSuffix("GMT") == true)
            let location = try #require(created.headers[.location])
            let head = try await server.request(.head, location, as: learner, headers: Self.tus)
            #expect(head.status == 200 && head.headers[Self.header("Upload-Offset")] == "0" && head.headers[.cacheControl] == "no-store")
            #expect(
                try await patch(server, location, as: learner, offset: 0, Array(data[0..<100_000])).headers[Self.header("Upload-Offset")] == "100000")
            // A wrong offset, a wrong type, another learner, no tus header.
            #expect(try await patch(server, location, as: learner, offset: 50_000, Array(data[50_000..<60_000])).status == 409)
            #expect(try await patch(server, location, as: learner, offset: 100_000, [1, 2, 3], contentType: "video/mp4").status == 415)
            #expect(try await patch(server, location, as: server.world.learnerA2, offset: 100_000, [1]).status == 404)
            #expect(try await server.request(.head, location, as: server.world.learnerA2, headers: Self.tus).status == 404)
            let noVersion = try await server.request(.head, location, as: learner)
            #expect(noVersion.status == 412 && noVersion.headers[Self.header("Tus-Version")] == "1.0.0")
            #expect(noVersion.headers[Self.header("Tus-Resumable")] == "1.0.0")
            // Too many bytes: refused, nothing past the length kept.
            let tooMuch = try await patch(server, location, as: learner, offset: 100_000, Array(repeating: 0, count: 200_001))
            #expect(tooMuch.status == 413)
            // The refused body came as one piece, so none of it was written.
            let offset = try await server.request(.head, location, as: learner, headers: Self.tus).headers[Self.header("Upload-Offset")]
            #expect(offset == "100000")
            let empty = try await patch(server, location, as: learner, offset: 100_000, [])
            #expect(empty.status == 204 && empty.headers[Self.header("Upload-Offset")] == "100000")
            var last: Reply
            last = try await patch(server, location, as: learner, offset: 100_000, Array(data[100_000...]))
            #expect(last.status == 204 && last.headers[Self.header("Upload-Offset")] == "300000")
            let submissionID = try #require(last.headers[Self.header("Steiger-Submission")].flatMap(SubmissionID.init))
            let submission = try #require(try await server.store.submission(submissionID))
            #expect(submission.status == .processing && submission.learnerID == learner.id && submission.attempt == 2)
            let media = try #require(try await server.store.submissionMedia(submissionID))
            #expect(media.originalSHA256 == Self.sha256(data) && media.fileName == "take.mp4" && media.originalSize == 300_000)
            let blob = try BlobStore(root: server.dataDirectory + "/media").path(media.originalSHA256)
            #expect(FileManager.default.contents(atPath: blob) == Data(data))
            #expect(try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/uploads").isEmpty)
            // The learner sees it; HEAD on the finished upload names it.
            #expect(try await server.request(.get, "/api/v1/submissions/\(submissionID)", as: learner).status == 200)
            #expect(
                try await server.request(.head, location, as: learner, headers: Self.tus).headers[Self.header("Steiger-Submission")]
                    == submissionID.description)
        }
    }

    @Test("creation-with-upload, limits, quota and who may upload", arguments: TestEngine.available)
    func limits(engine: TestEngine) async throws {
        try await TestServer.with(
            engine,
            configure: {
                $0.maxUploadSize = 1000
                $0.learnerQuota = 1500
            }
        ) { server in
            let learner = server.world.learnerA1
            var headers = Self.tus
            headers[Self.header("Upload-Length")] = "10"
            headers[Self.header("Upload-Metadata")] = Self.metadata(server.world.exerciseA.id)
            headers[.contentType] = "application/offset+octet-stream"
            let whole = try await server.request(.post, "/api/v1/uploads", as: learner, bytes: Array(repeating: 7, count: 10), headers: headers)
            #expect(
                whole.status == 201 && whole.headers[Self.header("Upload-Offset")] == "10" && whole.headers[Self.header("Steiger-Submission")] != nil)
            #expect(try await create(server, as: learner, length: 1001).status == 413)
            #expect(try await create(server, as: learner, length: 900).status == 201)
            // 10 stored + 900 announced + 900 more would pass the 1500-byte quota.
            let overQuota = try await create(server, as: learner, length: 900)
            #expect(overQuota.status == 413 && (overQuota["detail"] as? String)?.contains("quota") == true)
            // Parallel creations cannot all slip under the quota (learner A2 holds nothing yet: 1500 bytes free).
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 { group.addTask { try await create(server, as: server.world.learnerA2, length: 400).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 3 && statuses.filter { $0 == 413 }.count == 3, "\(statuses.sorted())")
            #expect(try await create(server, as: server.world.learnerB, length: 10).status == 404)  // not their exercise
            #expect(try await create(server, as: server.world.trainerA, length: 10).status == 403)  // sees it, does not learn it
            #expect(try await create(server, as: learner, length: 10, exercise: ExerciseID()).status == 404)
            var bad = Self.tus
            bad[Self.header("Upload-Length")] = "10"
            bad[Self.header("Upload-Metadata")] = "filename dGFrZS5tcDQ="
            #expect(try await server.request(.post, "/api/v1/uploads", as: learner, headers: bad).status == 400)
            bad[Self.header("Upload-Metadata")] = Self.metadata(server.world.exerciseA.id)
            bad[Self.header("Upload-Length")] = "-1"
            #expect(try await server.request(.post, "/api/v1/uploads", as: learner, headers: bad).status == 400)
        }
    }

    @Test("an unfinished upload expires: it answers 404 and the sweeper removes its file and row", arguments: [TestEngine.sqlite])
    func expiry(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.sweepInterval = .milliseconds(100) }) { server in
            let learner = server.world.learnerA1
            let created = try await create(server, as: learner, length: 1000)
            let location = try #require(created.headers[.location])
            #expect(try await patch(server, location, as: learner, offset: 0, Array(repeating: 1, count: 10)).status == 204)
            let id = String(location.split(separator: "/").last!)
            #expect(FileManager.default.fileExists(atPath: server.dataDirectory + "/uploads/" + id))
            server.clock.advance(24 * 3600 + 1)
            #expect(try await server.request(.head, location, as: learner, headers: Self.tus).status == 404)
            for _ in 0..<50 where FileManager.default.fileExists(atPath: server.dataDirectory + "/uploads/" + id) {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(!FileManager.default.fileExists(atPath: server.dataDirectory + "/uploads/" + id))
            #expect(try await server.store.upload(id) == nil)
            // Its reserved bytes no longer count against the quota.
            #expect(try await server.store.bytesInUse(by: learner.id) == 0)
        }
    }

    @Test(
        "the sweeper gives back room nothing will use: files no upload owns, bytes past an upload's offset, scratch files of stopped processing",
        arguments: [TestEngine.sqlite])
    func sweepsWhatNothingUses(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.sweepInterval = .milliseconds(100) }) { server in
            let learner = server.world.learnerA1
            let created = try await create(server, as: learner, length: 1000)
            let location = try #require(created.headers[.location])
            #expect(try await patch(server, location, as: learner, offset: 0, Array(repeating: 1, count: 10)).status == 204)
            let uploads = server.dataDirectory + "/uploads/", scratch = server.dataDirectory + "/media/tmp/"
            let live = uploads + String(location.split(separator: "/").last!)
            // A crash left bytes never acknowledged, a file whose record never came, and a worker's partial rendition.
            let handle = try #require(FileHandle(forWritingAtPath: live))
            try handle.seekToEnd()
            try handle.write(contentsOf: Array(repeating: 9, count: 500))
            try handle.close()
            let orphan = uploads + UUID().uuidString.lowercased(), partial = scratch + UUID().uuidString.lowercased() + ".mp4"
            #expect(FileManager.default.createFile(atPath: orphan, contents: Data(count: 4000)))
            #expect(FileManager.default.createFile(atPath: partial, contents: Data(count: 4000)))
            let fresh = scratch + "being-written.mp4"
            #expect(FileManager.default.createFile(atPath: fresh, contents: Data(count: 10)))
            // Left alone for an hour (files being written now are never judged).
            let hourAgo = Date().addingTimeInterval(-3600)
            for path in [live, orphan, partial] { try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: path) }
            func size(_ path: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int }
            for _ in 0..<50
            where FileManager.default.fileExists(atPath: orphan) || FileManager.default.fileExists(atPath: partial) || size(live) != 10 {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(!FileManager.default.fileExists(atPath: orphan) && !FileManager.default.fileExists(atPath: partial))
            #expect(size(live) == 10 && FileManager.default.fileExists(atPath: fresh))
            // The upload goes on from its offset as if nothing happened.
            #expect(try await patch(server, location, as: learner, offset: 10, Array(repeating: 1, count: 990)).status == 204)
        }
    }

    @Test("one learner cannot flood processing: past 20 uploads in ten minutes, 429 with Retry-After; others go on", arguments: [TestEngine.sqlite])
    func uploadStartsLimited(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let path = "/api/v1/exercises/\(server.world.exerciseA.id)/submissions?filename=take.mp4"
            // Starts refused for their size cost nothing.
            for _ in 0..<5 { #expect(try await create(server, as: server.world.learnerA1, length: 3 << 30).status == 413) }
            var statuses: [Int] = []
            for _ in 0..<20 {
                statuses.append(try await server.request(.post, path, as: server.world.learnerA1, bytes: [1, 2, 3]).status)
                server.clock.advance(1)
            }
            #expect(statuses == Array(repeating: 201, count: 20))
            // The 21st, as tus or as one request.
            let streamed = try await server.request(.post, path, as: server.world.learnerA1, bytes: [1, 2, 3])
            #expect(streamed.status == 429 && (streamed["detail"] as? String)?.contains("20 uploads in the last 10 minutes") == true)
            let wait = try #require(streamed.headers[.retryAfter].flatMap { Int($0) })
            #expect(wait > 500 && wait <= 600)
            #expect(try await create(server, as: server.world.learnerA1, length: 10).status == 429)
            // Another learner is not held up.
            #expect(try await server.request(.post, path, as: server.world.learnerA2, bytes: [1, 2, 3]).status == 201)
            server.clock.advance(Double(wait))
            #expect(try await server.request(.post, path, as: server.world.learnerA1, bytes: [1, 2, 3]).status == 201)
            #expect(try await server.store.bytesInUse(by: server.world.learnerA1.id) == 21 * 3)
        }
    }

    @Test(
        "announced bytes hold room while the upload is being sent: a second that does not fit beside it is refused, until the first is left alone for an hour",
        arguments: [TestEngine.sqlite])
    func announcedBytesHoldRoom(engine: TestEngine) async throws {
        // A 100 GB volume with 10 GB free, 6 GB of it kept for the database: room for 4 GB.
        try await TestServer.with(
            engine,
            configure: {
                $0.measureVolume = { _ in (free: 10_000_000_000, total: 100_000_000_000) }
                $0.diskReserve = 6_000_000_000
                $0.maxUploadSize = 3_000_000_000
            }
        ) { server in
            let first = try await create(server, as: server.world.learnerA1, length: 3_000_000_000)
            #expect(first.status == 201)
            let second = try await create(server, as: server.world.learnerA2, length: 3_000_000_000)
            #expect(second.status == 507)
            // Nothing more of the first for an hour: it no longer keeps others out.
            server.clock.advance(3601)
            let later = try await create(server, as: server.world.learnerA2, length: 3_000_000_000)
            #expect(later.status == 201)
        }
    }

    @Test("one streaming request: a submission, or 413 with nothing kept", arguments: TestEngine.available)
    func plain(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.maxUploadSize = 5000 }) { server in
            let learner = server.world.learnerB
            let path = "/api/v1/exercises/\(server.world.exerciseB.id)/submissions?filename=..%2Fetc%2Fcall.webm"
            let data = Array("not really a video, but bytes all the same".utf8)
            let made = try await server.request(.post, path, as: learner, bytes: data, headers: [.contentType: "video/webm"])
            #expect(made.status == 201 && made["status"] as? String == "processing")
            let id = try #require((made["id"] as? String).flatMap(SubmissionID.init))
            let media = try #require(try await server.store.submissionMedia(id))
            #expect(media.fileName == "call.webm" && media.originalSHA256 == Self.sha256(data))
            let big = try await server.request(
                .post, path, as: learner, bytes: Array(repeating: 1, count: 5001), headers: [.contentType: "video/webm"])
            #expect(big.status == 413)
            #expect(try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/uploads").isEmpty)
            #expect(try await server.request(.post, path, as: server.world.learnerA1, bytes: data).status == 404)
        }
    }

    @Test("a streaming upload's name is read as clients write query strings, and given back in any script", arguments: TestEngine.available)
    func namesAsClientsSendThem(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let learner = server.world.learnerB
            let base = "/api/v1/exercises/\(server.world.exerciseB.id)/submissions?filename="
            // curl --data-urlencode, Python requests and URLSearchParams all send a space as '+'.
            for (query, expected) in [
                ("Oefening+3.mp4", "Oefening 3.mp4"), ("C%2B%2B+talk.mp4", "C++ talk.mp4"),
                ("Gespr%C3%A4ch+%E2%80%94+Zo%C3%AB.mp4", "Gespräch — Zoë.mp4"),
            ] {
                let made = try await server.request(.post, base + query, as: learner, bytes: Array("bytes".utf8))
                #expect(made.status == 201, "\(made.body)")
                let id = try #require((made["id"] as? String).flatMap(SubmissionID.init))
                #expect(try await server.store.submissionMedia(id)?.fileName == expected)
                if expected.hasPrefix("Gespr") {
                    // The original is offered under its own name (RFC 8187) with an ASCII name for old clients;
                    // not (yet) read as a recording, it is a download, never a page of this origin.
                    let original = try await server.request(.get, "/api/v1/submissions/\(id)/media/original", as: learner)
                    #expect(
                        original.headers[.contentDisposition]
                            == "attachment; filename=\"Gespr_ch _ Zo_.mp4\"; filename*=UTF-8''Gespr%C3%A4ch%20%E2%80%94%20Zo%C3%AB.mp4")
                    #expect(original.headers[.contentType] == "application/octet-stream")
                    #expect(original.headers[HTTPField.Name("Content-Security-Policy")!]?.hasPrefix("sandbox;") == true)
                    #expect(original.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                }
            }
        }
    }

    @Test("a streaming upload over the limit is refused with a stable type and a detail in the caller's language", arguments: TestEngine.available)
    func tooLargeInBothLanguages(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.maxUploadSize = 5000 }) { server in
            let path = "/api/v1/exercises/\(server.world.exerciseB.id)/submissions?filename=call.mp4"
            var details: [String] = []
            for language in ["en", "nl"] {
                let big = try await server.request(
                    .post, path, as: server.world.learnerB, bytes: Array(repeating: 1, count: 5001),
                    headers: [.acceptLanguage: language, .contentType: "video/mp4"])
                #expect(big.status == 413 && big["type"] as? String == "urn:steiger:problem:fileTooLarge", "\(big.body)")
                #expect(big.headers[.contentLanguage] == language)
                details.append(try #require(big["detail"] as? String))
            }
            #expect(details == ["The file is larger than the limit of 5,000 bytes.", "Het bestand is groter dan de grens van 5.000 bytes."])
            // Past the quota instead: its own type.
            try await server.store.createUpload(
                Upload(
                    userID: server.world.learnerB.id, exerciseID: server.world.exerciseB.id, fileName: "x",
                    length: 20 << 30, createdAt: server.clock.now, expiresAt: server.clock.now + 3600),
                quota: .max)
            let over = try await server.request(.post, path, as: server.world.learnerB, bytes: [1, 2, 3], headers: [.contentType: "video/mp4"])
            #expect(over.status == 413 && over["type"] as? String == "urn:steiger:problem:overQuota", "\(over.body)")
        }
    }

    @Test(
        "any server process can continue an upload; one writer at a time across processes, and a dead writer's claim runs out",
        arguments: TestEngine.available)
    func writersAcrossProcesses(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let learner = server.world.learnerA1
            let data = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let created = try await create(server, as: learner, length: data.count)
            let location = try #require(created.headers[.location])
            let id = String(location.split(separator: "/").last!)
            #expect(try await patch(server, location, as: learner, offset: 0, Array(data[0..<80_000])).status == 204)
            // Another process is writing it (its claim is in the database): this one refuses, saying so.
            #expect(try await server.store.claimUploadWriter(id, writer: "process-b", lease: 60, now: server.clock.now) != nil)
            let busy = try await patch(server, location, as: learner, offset: 80_000, Array(data[80_000...]))
            #expect(busy.status == 409 && busy["type"] as? String == "urn:steiger:problem:uploadBusy", "\(busy.body)")
            // That process died: a minute later its claim has run out and the upload goes on here.
            server.clock.advance(61)
            // A second server process over the same database and files finishes it, from what the first wrote.
            var configuration = ServerConfiguration(bcryptCost: 4, now: { server.clock.now })
            configuration.dataDirectory = server.dataDirectory
            configuration.runsBackgroundWork = false
            let second = try buildApplication(
                app: try Services(store: server.store, settings: configuration.appSettings), configuration: configuration,
                logger: TestDatabase.logger)
            try await second.test(.router) { client in
                var headers = Self.tus
                headers[Self.header("Upload-Offset")] = "80000"
                headers[.contentType] = "application/offset+octet-stream"
                headers[.authorization] = "Bearer \(server.tokens[learner.email]!)"
                let last = try await client.execute(uri: location, method: .patch, headers: headers, body: ByteBuffer(bytes: Array(data[80_000...])))
                #expect(last.status == .noContent && last.headers[Self.header("Upload-Offset")] == "200000")
                let submissionID = try #require(last.headers[Self.header("Steiger-Submission")].flatMap(SubmissionID.init))
                let media = try #require(try await server.store.submissionMedia(submissionID))
                #expect(media.originalSHA256 == Self.sha256(data))
            }
            // The first process sees it finished.
            #expect(try await server.request(.head, location, as: learner, headers: Self.tus).headers[Self.header("Steiger-Submission")] != nil)
        }
    }
}
