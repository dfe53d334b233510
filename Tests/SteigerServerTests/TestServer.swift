import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SteigerApp
import SteigerCore
import SteigerPipeline
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Synchronization
import Testing

/// A clock tests move forward (to expire sessions and login windows).
final class TestClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 += seconds } }
}

/// A seeded world behind the real application, driven in process through its HTTP interface.
struct TestServer {
    let store: Store
    let world: World
    let clock: TestClock
    let client: any TestClientProtocol
    /// A live API token per seeded user (by email).
    let tokens: [String: String]
    /// The server's data directory (uploads/, media/).
    let dataDirectory: String
    /// The served OpenAPI document, against which every API answer a test receives is checked.
    let schemas: ResponseSchemas
    /// The use cases the server runs on.
    let services: Services

    /// Runs `body` against a fresh database on `engine` with the world seeded (every user's
    /// password is ``World/password``).
    static func with(
        _ engine: TestEngine, configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (TestServer) async throws -> Void
    ) async throws {
        try await TestDatabase.withStore(engine) { store in
            let clock = TestClock()
            var configuration = ServerConfiguration(bcryptCost: 4, now: { clock.now })
            let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("steiger-server-\(UUID().uuidString)").path
            configuration.dataDirectory = dataDirectory
            // The tests read English unless they ask otherwise (LocalizationTests use the default, Dutch).
            configuration.defaultLanguage = .en
            defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
            configure(&configuration)
            let accounts = Accounts(store: store, bcryptCost: 4)
            let world = try await World.seed(store, passwordHash: try await accounts.hash(World.password))
            var tokens: [String: String] = [:]
            for user in world.users { tokens[user.email] = try await store.createToken(for: user.id, name: "test", expiresAt: nil).secret }
            let services = try Services(store: store, settings: configuration.appSettings)
            let app = try buildApplication(app: services, configuration: configuration, logger: TestDatabase.logger)
            let fixedTokens = tokens
            try await app.test(.router) { client in
                let document = try await client.execute(uri: "/api/v1/openapi.json", method: .get, headers: [:], body: nil)
                let schemas = try ResponseSchemas(document: Data(document.body.readableBytesView))
                try await body(
                    TestServer(
                        store: store, world: world, clock: clock, client: client, tokens: fixedTokens,
                        dataDirectory: dataDirectory, schemas: schemas, services: services))
            }
        }
    }

    /// Sends a request; `as` authenticates with that user's token, `cookie` with a session.
    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ path: String, as user: User? = nil, cookie: String? = nil, json: JSONValue? = nil,
        body: String? = nil, bytes: [UInt8]? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let user { headers[.authorization] = "Bearer \(tokens[user.email]!)" }
        if let cookie { headers[.cookie] = cookie }
        var buffer: ByteBuffer?
        if let json {
            headers[.contentType] = headers[.contentType] ?? "application/json"
            buffer = ByteBuffer(bytes: json.encoded())
        } else if let body {
            buffer = ByteBuffer(string: body)
        } else if let bytes {
            buffer = ByteBuffer(bytes: bytes)
        }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: buffer)
        // Every answer of the API must be what the served document says it is.
        if path.hasPrefix("/api/"),
            let problems = schemas.check(
                method: method, path: path, status: Int(response.status.code),
                contentType: response.headers[.contentType],
                body: Data(response.body.readableBytesView))
        {
            Issue.record(Comment(rawValue: "The answer differs from the OpenAPI document:\n" + problems.joined(separator: "\n")))
        }
        return Reply(
            status: Int(response.status.code), headers: response.headers, body: String(buffer: response.body),
            bytes: Array(response.body.readableBytesView))
    }

    /// Logs in and returns the `Cookie` header value (the session and the CSRF cookie).
    func login(_ user: User, password: String = World.password) async throws -> String {
        let reply = try await request(.post, "/api/v1/auth/login", json: ["email": .string(user.email), "password": .string(password)])
        #expect(reply.status == 200, "login of \(user.email): \(reply.body)")
        let cookies = reply.headers[values: .setCookie].map { String($0.split(separator: ";")[0]) }
        #expect(cookies.count == 2)
        return cookies.joined(separator: "; ")
    }

    /// The CSRF token in a `Cookie` header value from ``login(_:password:)``, as the header to send.
    static func csrf(_ cookie: String) -> HTTPFields {
        let token =
            cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("steiger_csrf=") }.map { String($0.dropFirst("steiger_csrf=".count)) } ?? ""
        return [HTTPField.Name("X-CSRF-Token")!: token]
    }
}

/// A response as a test reads it.
struct Reply {
    var status: Int
    var headers: HTTPFields
    var body: String
    var bytes: [UInt8] = []

    /// The body parsed as JSON.
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    /// A top-level member of a JSON object body.
    subscript(_ key: String) -> Any? { (json as? [String: Any])?[key] }
    /// The `items` of a page.
    var items: [[String: Any]] { (self["items"] as? [[String: Any]]) ?? [] }
    /// The fields named by a problem's `errors`.
    var problemFields: [String] { ((self["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String } }
}

extension TestServer {
    /// Uploads a fixture as `user` and runs the worker until the queue is empty; returns the submission id.
    func uploadAndProcess(_ fixture: String, as user: User? = nil, exercise: ExerciseID? = nil, audience: String? = nil) async throws -> String {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: MediaPipelineTests.fixtures + "/" + fixture)))
        let learner = user ?? self.world.learnerA1
        let path =
            "/api/v1/exercises/\(exercise ?? self.world.exerciseA.id)/submissions?filename=\((fixture as NSString).lastPathComponent)"
            + (audience.map { "&audience=\($0)" } ?? "")
        let made = try await self.request(.post, path, as: learner, bytes: bytes, headers: [.contentType: "video/mp4"])
        #expect(made.status == 201, "\(made.body)")
        let id = try #require(made["id"] as? String)
        try await runJobs()
        return id
    }

    /// Runs every queued job (attempts and library videos) to its end, in this process.
    func runJobs() async throws {
        let processor = SubmissionProcessor(store: self.store, blobs: try BlobStore(root: self.dataDirectory + "/media"), logger: TestDatabase.logger)
        let worker = JobWorker(store: self.store, processor: processor, owner: "test", exitOnDeadline: false, logger: TestDatabase.logger)
        while try await worker.runOne() {}
    }
}
