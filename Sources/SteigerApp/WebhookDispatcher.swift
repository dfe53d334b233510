import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import SteigerCore
import SteigerStore

/// The outbox's first consumer: turns each event into a delivery for every endpoint that wants
/// it, then sends the deliveries that are due, retrying failures with backoff. Any number of
/// server processes may run one: the outbox cursor and each delivery are leased, so an event
/// is fanned out once per endpoint and a delivery is sent by one process at a time.
public struct WebhookDispatcher: Service {
    /// The outbox consumer's name.
    public static let consumer = "webhooks"

    let store: Store
    let settings: WebhookSettings
    let logger: Logger
    let now: @Sendable () -> Date
    /// This process's name on the leases it takes.
    let owner: String

    /// Creates the dispatcher.
    public init(store: Store, settings: WebhookSettings, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.now = now
        owner = "webhooks-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    public func run() async throws {
        let client = WebhookSender.makeClient(settings)
        let sender = WebhookSender(client: client, settings: settings, now: now)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var busy = false
            do {
                busy = try await fanOut() > 0
                busy = try await deliver(with: sender) > 0 || busy
            } catch {
                // When stopping, what was not recorded is sent again by whoever runs next (at least once).
                if !Task.isCancelled && !Task.isShuttingDownGracefully {
                    logger.warning("webhooks: the database did not answer; trying again", metadata: ["error": "\(error)"])
                }
            }
            if !busy { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.pollInterval) } }
        }
        try await client.shutdown()
    }

    /// Fans out and sends until nothing is left to do now (deliveries waiting for a retry stay);
    /// for benchmarks and tools that run the dispatcher outside the service group.
    public func drain() async throws {
        let client = WebhookSender.makeClient(settings)
        let sender = WebhookSender(client: client, settings: settings, now: now)
        do {
            while true {
                let read = try await fanOut()
                let sent = try await deliver(with: sender)
                if read == 0 && sent == 0 { break }
            }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// Takes the next events from the outbox and makes their deliveries; returns how many events it read.
    @discardableResult
    public func fanOut(limit: Int = 500) async throws -> Int {
        // Cheap reads first: most of the time there is no endpoint, or nothing new.
        guard try await store.webhookEndpoints().contains(where: \.isEnabled),
            try await store.outboxBacklog(consumer: Self.consumer) > 0
        else { return 0 }
        guard let lease = try await store.leaseOutbox(consumer: Self.consumer, owner: owner, lease: settings.lease, limit: limit, now: now()),
            !lease.entries.isEmpty
        else { return 0 }
        let made = try await store.fanOutWebhooks(lease, leaseFor: settings.lease, now: now())
        if let made, made > 0 { logger.debug("webhooks: deliveries made", metadata: ["count": "\(made)", "events": "\(lease.entries.count)"]) }
        return made == nil ? 0 : lease.entries.count
    }

    /// Sends the deliveries that are due, `settings.concurrency` at a time; returns how many it tried.
    @discardableResult
    func deliver(with sender: WebhookSender) async throws -> Int {
        // A batch of several rounds: sent `concurrency` at a time, their tries recorded in one transaction.
        let jobs = try await store.claimWebhookDeliveries(
            owner: owner, lease: settings.lease + settings.timeout * 8,
            limit: settings.concurrency * 8, now: now())
        guard !jobs.isEmpty else { return 0 }
        var attempts: [(WebhookJob, WebhookAttempt)] = []
        for start in stride(from: 0, to: jobs.count, by: settings.concurrency) {
            let round = jobs[start..<min(start + settings.concurrency, jobs.count)]
            attempts += await withTaskGroup(of: (WebhookJob, WebhookAttempt).self) { group in
                for job in round { group.addTask { (job, await sender.send(job)) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        let outcomes = try await store.recordWebhookAttempts(
            attempts.map { ($0.0.delivery.id, $0.1) }, owner: owner, retry: settings.retry, now: now())
        for ((job, attempt), status) in zip(attempts, outcomes) {
            logger.info(
                "webhook delivery",
                metadata: [
                    "endpoint": .string(job.endpoint.id.description), "event": .string(job.delivery.entry.event.kind.rawValue),
                    "attempt": .stringConvertible(attempt.number), "status": .string(attempt.statusCode.map(String.init) ?? "no answer"),
                    "outcome": .string(status?.rawValue ?? "lease lost"),
                ])
        }
        return jobs.count
    }
}

/// Raises the review deadlines' events (due soon, overdue), the rechecks fallen due and the
/// managers' monthly summaries once a minute.
public struct ReviewDeadlineWatcher: Service {
    let store: Store
    let interval: Duration
    let now: @Sendable () -> Date

    /// Creates the watcher.
    public init(store: Store, interval: Duration = .seconds(60), now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.interval = interval
        self.now = now
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // A database that does not answer is asked again at the next round.
            _ = try? await store.noteReviewDeadlines(now: now())
            _ = try? await store.noteDueRechecks(now: now())
            _ = try? await store.noteTeamSummaries(now: now())
            _ = try? await store.assignScheduledTransfers(now: now())
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
