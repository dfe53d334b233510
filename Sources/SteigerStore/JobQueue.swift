import Foundation
import SteigerCore

/// A unit of background work as the queue holds it.
public struct Job: Sendable, Equatable {
    /// Where a job is.
    public enum Status: String, Sendable, Codable {
        /// Waiting for `runAfter`.
        case queued
        /// Leased by a worker.
        case running
        /// Finished.
        case done
        /// Given up on; `lastError` says why.
        case failed
    }

    public var id: String
    /// What to do, e.g. `process-submission`; the handler is chosen by it.
    public var kind: String
    /// The handler's input (JSON text).
    public var payload: String
    public var status: Status
    /// Claims so far, this one included.
    public var attempts: Int
    public var maxAttempts: Int
    public var runAfter: Date
    public var leaseOwner: String?
    public var leaseExpires: Date?
    public var lastError: String?
}

/// What a claim found: the job to run, if any, and jobs whose worker died too often, which the
/// claim has just marked failed (their handlers' failure hooks must run).
public struct Claim: Sendable {
    public var job: Job?
    public var abandoned: [Job]
}

extension Store {
    // MARK: - Job queue

    /// Queues a job to run from `runAfter`.
    @discardableResult
    public func enqueue(kind: String, payload: String, maxAttempts: Int = 3, runAfter: Date = Date(), fairKey: String? = nil) async throws -> Job {
        try await write { session in
            try await Self.enqueue(
                kind: kind, payload: payload, maxAttempts: maxAttempts, runAfter: runAfter, fairKey: fairKey, now: Date(), in: session)
        }
    }

    /// Queues a job inside `session`'s transaction; `fairKey` is whose it is (a learner), for sharing the workers.
    @discardableResult
    static func enqueue(
        kind: String, payload: String, maxAttempts: Int, runAfter: Date, fairKey: String?, now: Date, in session: any DatabaseSession
    ) async throws -> Job {
        let job = Job(
            id: UUIDText.lowercase(UUID()), kind: kind, payload: payload, status: .queued, attempts: 0,
            maxAttempts: maxAttempts, runAfter: runAfter.wholeMilliseconds, leaseOwner: nil, leaseExpires: nil, lastError: nil)
        _ = try await session.query(
            """
            INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_after, created_at, updated_at, fair_key)
            VALUES (\(bind: job.id), \(bind: kind), \(bind: payload), 'queued', 0, \(bind: maxAttempts), \(bind: job.runAfter), \(bind: now), \(bind: now),
                    \(bind: fairKey))
            """)
        return job
    }

    /// Leases the next job that is due (queued and past `runAfter`, or running with an expired
    /// lease, i.e. its worker died) to `owner` until `now + lease`. Jobs whose lease expired on
    /// their last attempt are marked failed instead and returned as `abandoned`.
    ///
    /// On PostgreSQL the candidate row is locked with `FOR UPDATE SKIP LOCKED`, so workers on
    /// several machines never get the same job; on SQLite the single writer serialises claims.
    ///
    /// Fair across learners: among due jobs, those whose `fair_key` (the learner) has the fewest
    /// running go first, and a key already running `perKey` jobs waits, so one learner's pile of
    /// slow files leaves workers for everyone else.
    public func claimJob(
        owner: String, lease: TimeInterval, kinds: [String]? = nil, perKey: Int = .max, now: Date = Date()
    ) async throws -> Claim {
        let expires = now.addingTimeInterval(lease)
        let kindFilter: SQLStatement = kinds.map { " AND \(SQLStatement.isIn("kind", $0))" } ?? ""
        return try await write { session in
            if session.dialect == .postgresql {
                // Claims one at a time, so two workers cannot both see a learner's share free.
                _ = try await session.query("SELECT pg_advisory_xact_lock(74658)")
            }
            let abandoned = try await session.query(
                """
                UPDATE jobs SET status = 'failed', lease_owner = NULL, finished_at = \(bind: now), updated_at = \(bind: now),
                    last_error = 'the worker stopped while running it (a crash, the deadline or the memory limit), ' || attempts || ' times'
                WHERE status = 'running' AND lease_expires <= \(bind: now) AND attempts >= max_attempts\(kindFilter)
                RETURNING \(raw: Self.jobColumns)
                """
            ).map(Self.job)
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
            // The jobs of whoever has the fewest running go first; a key at its share waits.
            let running: SQLStatement = """
                (SELECT COUNT(*) FROM jobs r WHERE r.fair_key = j.fair_key AND r.status = 'running' AND r.lease_expires > \(bind: now))
                """
            let share: SQLStatement = perKey == .max ? "" : " AND (j.fair_key IS NULL OR \(running) < \(bind: perKey))"
            let claimed = try await session.query(
                """
                UPDATE jobs SET status = 'running', lease_owner = \(bind: owner), lease_expires = \(bind: expires),
                    attempts = attempts + 1, updated_at = \(bind: now)
                WHERE id = (SELECT j.id FROM jobs j
                            WHERE ((j.status = 'queued' AND j.run_after <= \(bind: now)) OR (j.status = 'running' AND j.lease_expires <= \(bind: now)))\(kindFilter)\(share)
                            ORDER BY CASE WHEN j.fair_key IS NULL THEN 0 ELSE \(running) END, j.run_after, j.created_at, j.id LIMIT 1\(lock))
                RETURNING \(raw: Self.jobColumns)
                """
            ).first.map(Self.job)
            return Claim(job: claimed, abandoned: abandoned)
        }
    }

    /// Extends a lease; false when the job is no longer this owner's (it expired and was claimed again).
    public func heartbeat(job id: String, owner: String, lease: TimeInterval, now: Date = Date()) async throws -> Bool {
        try await write { session in
            !(try await session.query(
                """
                UPDATE jobs SET lease_expires = \(bind: now.addingTimeInterval(lease)), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND lease_owner = \(bind: owner) AND status = 'running' RETURNING id
                """
            ).isEmpty)
        }
    }

    /// Marks a job done; false when the lease was lost meanwhile.
    @discardableResult
    public func completeJob(_ id: String, owner: String, now: Date = Date()) async throws -> Bool {
        try await write { session in
            !(try await session.query(
                """
                UPDATE jobs SET status = 'done', lease_owner = NULL, finished_at = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND lease_owner = \(bind: owner) AND status = 'running' RETURNING id
                """
            ).isEmpty)
        }
    }

    /// Records a failed attempt: queued again after a backoff (30 s, 2 min, 8 min, … capped at an
    /// hour) while attempts remain and `retry` is true, otherwise failed for good.
    /// - Returns: the job as it now is (nil when the lease was lost).
    @discardableResult
    public func failJob(_ id: String, owner: String, error: String, retry: Bool, now: Date = Date()) async throws -> Job? {
        try await write { session in
            guard
                let row = try await session.query(
                    "SELECT \(raw: Self.jobColumns) FROM jobs WHERE id = \(bind: id) AND lease_owner = \(bind: owner) AND status = 'running'"
                ).first
            else {
                return nil
            }
            let job = try Self.job(row)
            let again = retry && job.attempts < job.maxAttempts
            let backoff = min(3600, 30 * pow(4, Double(max(job.attempts - 1, 0))))
            let updated = try await session.query(
                """
                UPDATE jobs SET status = \(bind: again ? "queued" : "failed"), lease_owner = NULL, lease_expires = NULL,
                    last_error = \(bind: String(error.prefix(2000))), run_after = \(bind: again ? now.addingTimeInterval(backoff) : job.runAfter),
                    finished_at = \(bind: again ? nil : now), updated_at = \(bind: now)
                WHERE id = \(bind: id) RETURNING \(raw: Self.jobColumns)
                """)
            return try updated.first.map(Self.job)
        }
    }

    /// Gives a job back unfinished (its worker is stopping): queued at once, the attempt not counted.
    @discardableResult
    public func releaseJob(_ id: String, owner: String, now: Date = Date()) async throws -> Bool {
        try await write { session in
            !(try await session.query(
                """
                UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires = NULL, attempts = attempts - 1,
                    run_after = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: id) AND lease_owner = \(bind: owner) AND status = 'running' RETURNING id
                """
            ).isEmpty)
        }
    }

    /// The job with `id`.
    public func job(_ id: String) async throws -> Job? {
        try await read { session in try await session.query("SELECT \(raw: Self.jobColumns) FROM jobs WHERE id = \(bind: id)").first.map(Self.job) }
    }

    /// How many jobs are queued (due or not) and running, for metrics.
    public func jobCounts() async throws -> [Job.Status: Int] {
        try await read { session in
            var counts: [Job.Status: Int] = [:]
            for row in try await session.query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status") {
                if let status = Job.Status(rawValue: try row.string("status")) { counts[status] = Int(try row.int("n")) }
            }
            return counts
        }
    }

    static let jobColumns = "id, kind, payload, status, attempts, max_attempts, run_after, lease_owner, lease_expires, last_error"

    @Sendable static func job(_ row: SQLRow) throws -> Job {
        guard let status = Job.Status(rawValue: try row.string("status")) else { throw StoreError.corrupt("job status \(row["status"])") }
        return Job(
            id: try row.string("id"), kind: try row.string("kind"), payload: try row.string("payload"), status: status,
            attempts: Int(try row.int("attempts")), maxAttempts: Int(try row.int("max_attempts")), runAfter: try row.date("run_after"),
            leaseOwner: try row.optionalString("lease_owner"), leaseExpires: try row.optionalDate("lease_expires"),
            lastError: try row.optionalString("last_error"))
    }
}
