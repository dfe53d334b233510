import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Health, readiness, metrics and the OpenAPI document")
struct ServiceEndpointTests {
    @Test("health and readiness answer without credentials; request ids are kept or made", arguments: TestEngine.available)
    func health(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            #expect(try await server.request(.get, "/healthz").body == #"{"status":"ok"}"#)
            let ready = try await server.request(.get, "/readyz")
            #expect(ready.status == 200 && ready["status"] as? String == "ready")
            let disk = try #require(ready["disk"] as? [String: Any])
            #expect(disk["low"] as? Bool == false && (disk["freeBytes"] as? Int ?? 0) > 0 && disk["reserveBytes"] as? Int == 512 << 20)
            let given = try await server.request(.get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "abc-123"])
            #expect(given.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            let hostile = try await server.request(.get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "a b\"c"])
            #expect(hostile.headers[HTTPField.Name("X-Request-Id")!]?.count == 36)
        }
    }

    @Test(
        "a data volume in its reserve: readiness says degraded, metrics and the admin page say so, uploads get 507, the rest goes on",
        arguments: [TestEngine.sqlite])
    func degraded(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.diskReserve = 1 << 60 }) { server in
            let ready = try await server.request(.get, "/readyz")
            #expect(ready.status == 200 && ready["status"] as? String == "degraded" && (ready["disk"] as? [String: Any])?["low"] as? Bool == true)
            #expect(try await server.request(.get, "/metrics").body.contains("steiger_degraded_state 1"))
            let cookie = try await server.login(server.world.admin)
            #expect(try await server.request(.get, "/admin", cookie: cookie).body.contains("Storage is nearly full."))
            let path = "/api/v1/exercises/\(server.world.exerciseB.id)/submissions?filename=call.mp4"
            let refused = try await server.request(.post, path, as: server.world.learnerB, bytes: Array(repeating: 1, count: 100))
            #expect(refused.status == 507 && refused["type"] as? String == "urn:steiger:problem:noSpace")
            #expect(try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/uploads").isEmpty)
            let comment = try await server.request(
                .post, "/api/v1/submissions/\(server.world.submissionB.id)/annotations", as: server.world.trainerB,
                json: ["at": 100, "text": "Still listening"])
            #expect(comment.status == 201)
        }
    }

    @Test("readiness fails with 503 when the database is gone", arguments: [TestEngine.sqlite])
    func notReady(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            await server.store.close()
            let reply = try await server.request(.get, "/readyz")
            #expect(reply.status == 503 && reply.headers[.contentType] == "application/problem+json")
            #expect(try await server.request(.get, "/healthz").status == 200)
        }
    }

    @Test("metrics count requests by route and status, in Prometheus text format", arguments: [TestEngine.sqlite])
    func metrics(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            for _ in 0..<3 { try await server.request(.get, "/api/v1/users/\(server.world.learnerB.id)", as: server.world.admin) }
            try await server.request(.get, "/no/such/page")
            let metrics = try await server.request(.get, "/metrics")
            #expect(metrics.status == 200 && metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(
                metrics.body.contains(#"steiger_http_requests_total{method="GET",route="/api/v1/users/{userId}",status="200"} 3"#), "\(metrics.body)")
            #expect(metrics.body.contains(#"steiger_http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
            #expect(metrics.body.contains(#"steiger_http_request_duration_seconds_count{method="GET",route="/api/v1/users/{userId}"} 3"#))
        }
    }

    @Test("the OpenAPI document is 3.1 and lists every route the server answers", arguments: [TestEngine.sqlite])
    func openAPI(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let reply = try await server.request(.get, "/api/v1/openapi.json")
            #expect(reply.status == 200)
            let document = try #require(reply.json as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            // Each documented operation is answered (not the router's 404 or 405).
            var operations = 0
            for (path, methods) in paths {
                for method in methods.keys {
                    operations += 1
                    let concrete = path.replacingOccurrences(of: "{tokenId}", with: "x")
                        .replacingOccurrences(of: #"\{[A-Za-z]+\}"#, with: UUID().uuidString.lowercased(), options: .regularExpression)
                    let answer = try await server.request(HTTPRequest.Method(method.uppercased())!, concrete, as: server.world.admin)
                    let documented = Set(((methods[method] as? [String: Any])?["responses"] as? [String: Any])?.keys.map { $0 } ?? [])
                    #expect(
                        documented.contains(String(answer.status)), "\(method) \(path) answered \(answer.status), documented \(documented.sorted())")
                }
            }
            #expect(operations == 122)
            // And a route that is not documented is not answered.
            #expect(try await server.request(.get, "/api/v1/secret-admin", as: server.world.admin).status == 404)
        }
    }
}
