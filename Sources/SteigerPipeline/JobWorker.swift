import Dispatch
import Foundation
import Logging
import SteigerCore
import SteigerMedia
import SteigerStore
import Synchronization

/// When a job must be done by: first the time probing may take, then a time derived from the
/// recording's length and picture size (``SubmissionProcessor/deadline(for:)``).
public final class JobDeadline: Sendable {
    let started: ContinuousClock.Instant
    private let end: Mutex<ContinuousClock.Instant>

    public init(from started: ContinuousClock.Instant = .now, seconds: TimeInterval) {
        self.started = started
        end = Mutex(started + .seconds(seconds))
    }

    /// The moment the job is given up on.
    public var at: ContinuousClock.Instant { end.withLock { $0 } }

    /// Moves the deadline to `seconds` from now.
    public func set(fromNow seconds: TimeInterval) {
        let moved = ContinuousClock.now + .seconds(seconds)
        end.withLock { $0 = moved }
    }
}

/// The job loop of a worker process: claim a job with a lease, keep the lease alive while the
/// handler runs, record the outcome, repeat.
///
/// A job that hangs past its deadline makes the process exit (when `exitOnDeadline`), so the
/// supervisor starts a fresh worker and the job's lease runs out: it is retried, and after its
/// last attempt it fails with a reason the learner can read. A job whose worker dies (a crash,
/// the memory limit) goes the same way.
public final class JobWorker: Sendable {
    /// Whether the last look found the volume in its reserve (so the warning is logged once).
    private let lowDisk = Atomic<Bool>(false)
    let store: Store
    let processor: SubmissionProcessor
    /// Who holds the leases, e.g. `host:pid`.
    public let owner: String
    let lease: TimeInterval
    let idleWait: Duration
    let exitOnDeadline: Bool
    /// How many jobs of one learner may run at once across all workers.
    let perLearner: Int
    /// The data volume: while it is in its reserve, no job is taken (processing writes renditions).
    let disk: DiskSpace?
    let logger: Logger

    public init(
        store: Store, processor: SubmissionProcessor, owner: String, lease: TimeInterval = 60, idleWait: Duration = .seconds(1),
        exitOnDeadline: Bool, perLearner: Int = .max, disk: DiskSpace? = nil, logger: Logger
    ) {
        self.store = store
        self.processor = processor
        self.owner = owner
        self.lease = lease
        self.idleWait = idleWait
        self.exitOnDeadline = exitOnDeadline
        self.perLearner = perLearner
        self.disk = disk
        self.logger = logger
    }

    /// Runs jobs until `stop` is cancelled; a job in progress is then cancelled and given back.
    public func run(stop: CancellationToken) async {
        logger.info("worker started", metadata: ["owner": .string(owner)])
        while !stop.isCancelled {
            do {
                if try await runOne(stop: stop) == false { try? await Task.sleep(for: idleWait) }
            } catch {
                logger.error("job loop error", metadata: ["error": .string(String(describing: error))])
                try? await Task.sleep(for: .seconds(2))
            }
        }
        logger.info("worker stopped", metadata: ["owner": .string(owner)])
    }

    /// Claims and runs one job; false when there was none.
    @discardableResult
    public func runOne(stop: CancellationToken = CancellationToken()) async throws -> Bool {
        if let disk, disk.isLow {
            // Waits for room rather than fail recordings for want of it.
            if !lowDisk.exchange(true, ordering: .relaxed) {
                logger.warning(
                    "the data volume is in its reserve; processing waits for room", metadata: ["free": .stringConvertible(disk.free() ?? -1)])
            }
            return false
        }
        lowDisk.store(false, ordering: .relaxed)
        let claim = try await store.claimJob(owner: owner, lease: lease, kinds: SubmissionProcessor.kinds, perKey: perLearner)
        for job in claim.abandoned {
            do {
                // Stopped on every attempt (its deadline, the memory limit, a crash): the server's trouble, said as such.
                try await processor.fail(job, reason: Message("reason.gaveUp"))
            } catch {
                logger.error("could not mark an abandoned job's submission failed", metadata: ["job": .string(job.id), "error": .string("\(error)")])
            }
        }
        guard let job = claim.job else { return !claim.abandoned.isEmpty }
        var log = logger
        log[metadataKey: "job"] = .string(job.id)
        log.info("job started", metadata: ["kind": .string(job.kind), "attempt": .stringConvertible(job.attempts)])
        let token = CancellationToken()
        let started = ContinuousClock.now
        let jobLog = log
        let deadline = JobDeadline(from: started, seconds: min(processor.rules.probeDeadline, processor.deadline))
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Keep the lease; lose it and the work stops (someone else has the job now).
                group.addTask { try await self.keepLease(of: job, token: token, log: jobLog) }
                // A stopping worker cancels its job at once (and gives it back) rather than at the next heartbeat.
                group.addTask {
                    while !stop.isCancelled { try await Task.sleep(for: .milliseconds(200)) }
                    token.cancel()
                }
                if exitOnDeadline { group.addTask { try await self.exitAfterDeadline(deadline, log: jobLog) } }
                defer { group.cancelAll() }
                try await processor.run(job, token: token, deadline: deadline)
            }
            try await store.completeJob(job.id, owner: owner)
            log.info("job done", metadata: ["seconds": .string(String(format: "%.2f", (ContinuousClock.now - started).seconds))])
        } catch is SubmissionProcessor.Unusable {
            try await store.failJob(job.id, owner: owner, error: "unusable recording (the submission says why)", retry: false)
        } catch {
            if stop.isCancelled {
                try await store.releaseJob(job.id, owner: owner)
                log.info("job given back (worker stopping)")
            } else if (error as? MediaError)?.code == .writeFailed, disk?.isLow == true {
                // Out of room: the job waits for it without using up an attempt (no job is taken meanwhile).
                try await store.releaseJob(job.id, owner: owner)
                log.warning("job given back: the data volume is in its reserve")
            } else {
                let updated = try await store.failJob(job.id, owner: owner, error: String(describing: error), retry: true)
                log.warning(
                    "job failed", metadata: ["error": .string(String(describing: error)), "status": .string(updated?.status.rawValue ?? "lost")])
                if updated?.status == .failed {
                    let noRoom = (error as? MediaError)?.code == .writeFailed
                    try await processor.fail(job, reason: Message(noRoom ? "reason.serverNoSpace" : "reason.serverError"))
                }
            }
        }
        return true
    }

    /// Renews the job's lease at a third of its length until cancelled; when the lease is lost
    /// (someone else has the job now), stops the work.
    private func keepLease(of job: Job, token: CancellationToken, log: Logger) async throws {
        while true {
            try await Task.sleep(for: .seconds(lease / 3))
            if (try? await store.heartbeat(job: job.id, owner: owner, lease: lease)) == false {
                log.warning("lease lost; stopping the job")
                token.cancel()
                return
            }
        }
    }

    /// Ends the process when a job runs past its deadline (a hung decoder cannot be interrupted
    /// from inside); the lease then expires and the job is retried or failed. The media work
    /// runs on its own threads, so this task wakes however long a decoder hangs.
    private func exitAfterDeadline(_ deadline: JobDeadline, log: Logger) async throws {
        // The deadline moves once the recording's length and size are known.
        while ContinuousClock.now < deadline.at {
            try await Task.sleep(until: min(deadline.at, .now + .seconds(5)), clock: .continuous)
        }
        log.error(
            "job passed its deadline; the worker exits so it can be retried",
            metadata: ["deadline_s": .stringConvertible((deadline.at - deadline.started).seconds)])
        exit(75)
    }
}
