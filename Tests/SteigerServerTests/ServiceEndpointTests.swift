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
            #expect(try await server.request(.get, "/readyz").body == #"{"status":"ready"}"#)
            let given = try await server.request(.get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "abc-123"])
            #expect(given.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            let hostile = try await server.request(.get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "a b\"c"])
            #expect(hostile.headers[HTTPField.Name("X-Request-Id")!]?.count == 36)
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
            #expect(operations == 67)
            // And a route that is not documented is not answered.
            #expect(try await server.request(.get, "/api/v1/secret-admin", as: server.world.admin).status == 404)
        }
    }
}
