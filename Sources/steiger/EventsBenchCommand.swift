import ArgumentParser
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SteigerApp
import SteigerCore
import SteigerMedia
import SteigerStore
import Synchronization

/// `steiger bench events`: domain events through the outbox to a webhook receiver on loopback,
/// against the same number of signed POSTs sent straight to it; and a trainer's review
/// submission with its events against the same call without them.
struct EventsBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Benchmark the outbox and webhooks (STEIGER_DATABASE_URL picks PostgreSQL).")

    @OptionGroup var service: ServiceOptions

    @Option(help: "Events sent through the outbox.")
    var events = 2000

    @Option(help: "Review submissions timed with and without their events (each).")
    var reviews = 300

    func run() async throws {
        let logger = service.makeLogger()
        let store = try await service.openStore(logger: logger)
        try await store.migrate()
        let engine = store.engine.dialect.rawValue
        let receiver = try await BenchReceiver.start()
        defer { receiver.stop() }

        // 1. Throughput: `events` accounts made, each recording `user.created`, then delivered.
        let endpoint = try WebhookEndpoint(url: receiver.url, createdAt: Date().addingTimeInterval(-1))
        receiver.secret = endpoint.secret
        try await store.createWebhookEndpoint(endpoint)
        for index in 0..<events {
            try await store.createUser(
                try User(
                    email: "bench-\(index)-\(UUID().uuidString.prefix(6).lowercased())@example.org",
                    displayName: "Bench \(index)", roles: [.learner]), passwordHash: nil)
        }
        let settings = WebhookSettings(allowPrivateAddresses: true)
        let dispatcher = WebhookDispatcher(
            store: store, settings: settings, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let outboxStart = ContinuousClock.now
        try await dispatcher.drain()
        let outboxSeconds = (ContinuousClock.now - outboxStart).seconds
        let delivered = receiver.verified
        guard delivered >= events, receiver.refused == 0 else {
            print("\(engine): only \(delivered) of \(events) events arrived verified (\(receiver.refused) refused)")
            throw ExitCode(1)
        }
        // The reference: the same number of signed JSON POSTs, the same concurrency, straight to the receiver.
        receiver.reset()
        let directSeconds = try await Self.postDirectly(count: events, concurrency: settings.concurrency, to: receiver.url, secret: endpoint.secret)
        let outboxRate = Double(events) / outboxSeconds, directRate = Double(events) / directSeconds
        print(
            String(
                format:
                    "%@: %d events through the outbox to a receiver on loopback in %.2f s = %.0f events/s; the same POSTs sent directly: %.0f/s; ratio %.2f",
                engine, events, outboxSeconds, outboxRate, directRate, outboxRate / directRate))

        // 2. A trainer's review submission with its events (review submitted, level changes), and without.
        let (unsortedWith, unsortedWithout) = try await Self.timeReviews(store: store, count: reviews)
        let with = unsortedWith.sorted(), without = unsortedWithout.sorted()
        print(
            String(
                format: "%@: review submission p50 %.2f ms, p99 %.2f ms with its events; %.2f ms, %.2f ms without: +%.2f ms at p50 (ratio %.2f)",
                engine, percentile(with, 50), percentile(with, 99), percentile(without, 50), percentile(without, 99),
                percentile(with, 50) - percentile(without, 50), percentile(with, 50) / percentile(without, 50)))
        await store.close()
    }

    /// Sends `count` signed POSTs, `concurrency` at a time; returns the seconds it took.
    static func postDirectly(count: Int, concurrency: Int, to url: String, secret: String) async throws -> Double {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                // Each worker sends its share: count / concurrency, the first ones one more.
                let share = count / concurrency + (worker < count % concurrency ? 1 : 0)
                group.addTask {
                    for _ in 0..<share {
                        let id = UUID().uuidString.lowercased()
                        let body = Data(#"{"data":{"id":"\#(id)"},"timestamp":"2026-01-01T00:00:00.000Z","type":"user.created"}"#.utf8)
                        let timestamp = Int(Date().timeIntervalSince1970)
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.headers.add(name: "webhook-id", value: id)
                        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
                        request.headers.add(
                            name: "webhook-signature", value: WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: secret))
                        request.body = .bytes(ByteBuffer(bytes: body))
                        let response = try await client.execute(request, timeout: .seconds(10))
                        _ = try await response.body.collect(upTo: 1024)
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (ContinuousClock.now - started).seconds
        try await client.shutdown()
        return seconds
    }

    /// Claims and reviews `count` attempts twice over, alternating with and without events; returns milliseconds per submission.
    static func timeReviews(store: Store, count: Int) async throws -> (with: [Double], without: [Double]) {
        let cohort = try Cohort(name: "Events bench")
        try await store.createCohort(cohort)
        let tag = UUID().uuidString.prefix(6).lowercased()
        let trainer = try User(email: "events-trainer-\(tag)@example.org", displayName: "T", roles: [.trainer])
        // Thirty learners take turns, so a learner's scaffolding log stays as long as a course's (its
        // replay is part of every review) instead of growing to hundreds of events.
        let learners = try (0..<30).map { try User(email: "events-learner-\($0)-\(tag)@example.org", displayName: "L\($0)", roles: [.learner]) }
        for (user, part) in [(trainer, Membership.Part.trainer)] + learners.map({ ($0, Membership.Part.learner) }) {
            try await store.createUser(user, passwordHash: nil)
            try await store.putMembership(Membership(cohortID: cohort.id, userID: user.id, part: part))
        }
        let rubric = try Rubric(criteria: [.init(key: "a", title: "A", scale: [.init(value: 0, label: "no"), .init(value: 1, label: "yes")])])
        let exercise = try Exercise(
            title: "Events bench", instructions: "x", skillKey: "events-bench-\(UUID().uuidString.prefix(6).lowercased())", rubric: rubric,
            ladder: try ScaffoldLadder(levels: [.init(number: 0, name: "Alone", supports: [])]), cohorts: [cohort.id])
        try await store.createExercise(exercise)
        var with: [Double] = [], without: [Double] = []
        for index in 0..<(2 * count) {
            let submission = try await store.createSubmission(
                learner: learners[index % learners.count].id, exercise: exercise.id, scaffoldLevel: 0,
                status: .ready)
            try await store.createReviewTasks([ReviewTask(submissionID: submission.id, cohortID: cohort.id, kind: .trainer)])
            guard let task = try await store.claimReviewTask(reviewer: trainer.id, cohorts: [cohort.id], lease: 1800) else { throw ExitCode(1) }
            let review = try Review(task: task, reviewerID: trainer.id, scores: ["a": index % 3 == 0 ? 0 : 1], comment: "", rubric: rubric)
            let started = ContinuousClock.now
            if index.isMultiple(of: 2) {
                try await store.submitReview(review)
            } else {
                try await Store.$recordsEvents.withValue(false) { try await store.submitReview(review) }
            }
            let milliseconds = (ContinuousClock.now - started).seconds * 1000
            if index.isMultiple(of: 2) { with.append(milliseconds) } else { without.append(milliseconds) }
        }
        return (with, without)
    }
}

/// A webhook receiver on loopback that checks each signature and counts what it takes.
final class BenchReceiver: Sendable {
    private let state = Mutex<(verified: Int, refused: Int, secret: String?)>((0, 0, nil))
    private let task: Task<Void, any Error>
    let url: String

    /// The endpoint's signing secret.
    var secret: String? {
        get { state.withLock { $0.secret } }
        set { state.withLock { $0.secret = newValue } }
    }
    var verified: Int { state.withLock { $0.verified } }
    var refused: Int { state.withLock { $0.refused } }
    func reset() {
        state.withLock {
            $0.verified = 0
            $0.refused = 0
        }
    }

    private init(task: Task<Void, any Error>, url: String) {
        self.task = task
        self.url = url
    }

    static func start() async throws -> BenchReceiver {
        let holder = Mutex<BenchReceiver?>(nil)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            let receiver = holder.withLock { $0 }
            let headers = request.headers
            var genuine = false
            if let secret = receiver?.secret, let id = headers[HTTPField.Name("webhook-id")!],
                let time = headers[HTTPField.Name("webhook-timestamp")!],
                let signature = headers[HTTPField.Name("webhook-signature")!]
            {
                genuine = WebhookSignature.verify(header: signature, id: id, timestamp: time, body: Data(body.readableBytesView), secret: secret)
            }
            receiver?.state.withLock { genuine ? ($0.verified += 1) : ($0.refused += 1) }
            return genuine ? .noContent : .unauthorized
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.run() }
        var port = 0
        for await value in ports {
            port = value
            break
        }
        let receiver = BenchReceiver(task: task, url: "http://127.0.0.1:\(port)/hook")
        holder.withLock { $0 = receiver }
        return receiver
    }

    func stop() { task.cancel() }
}
