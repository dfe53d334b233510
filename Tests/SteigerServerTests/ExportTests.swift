import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Downloading all of one's data, through HTTP")
struct ExportAPITests {
    @Test("asked for, made in the background, announced, downloaded once, then 410; nobody else's", arguments: TestEngine.available)
    func export(engine: TestEngine) async throws {
        // The test makes the archive itself: the server's own export maker would race it for the claim.
        try await TestServer.with(engine, configure: { $0.runsBackgroundWork = false }) { server in
            let world = server.world
            let learner = world.learnerA1
            _ = try await server.uploadAndProcess("h264_aac.mp4", audience: "trainers")
            let asked = try await server.request(.post, "/api/v1/me/exports", as: learner)
            #expect(asked.status == 202 && asked["status"] as? String == "queued", "\(asked.body)")
            let id = try #require(asked["id"] as? String)
            // Asking again while it is being made gives the same request.
            #expect(try await server.request(.post, "/api/v1/me/exports", as: learner)["id"] as? String == id)
            let english = Localizer(language: .en, messages: ["exportReadme": "All your data, {name}."])
            #expect(try await server.services.exports.makeWaiting(words: { _ in english }, logger: TestDatabase.logger) == 1)

            let listed = try await server.request(.get, "/api/v1/me/exports", as: learner).items
            #expect(listed.first?["status"] as? String == "ready" && (listed.first?["size"] as? Int ?? 0) > 100_000)
            let download = try #require(listed.first?["download"] as? String)
            let notices = try await server.request(.get, "/api/v1/me/notifications", as: learner).items
            #expect(notices.contains { $0["kind"] as? String == "export.ready" && $0["link"] as? String == "/settings/data" }, "\(notices)")

            #expect(try await server.request(.get, download, as: world.learnerA2).status == 404, "nobody else's")
            let zip = try await server.request(.get, download, as: learner)
            #expect(zip.status == 200 && zip.headers[.contentType] == "application/zip" && zip.bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]))
            let again = try await server.request(.get, download, as: learner)
            #expect(again.status == 410 && again["type"] as? String == "urn:steiger:problem:linkInvalid")
            #expect(try await server.request(.get, "/api/v1/me/exports", as: learner).items.first?["download"] is NSNull)
            let audit = try await server.request(.get, "/api/v1/audit?owner=\(learner.id)", as: world.admin).items.compactMap {
                $0["action"] as? String
            }
            #expect(audit.contains("export.requested") && audit.contains("export.downloaded"))
        }
    }
}
