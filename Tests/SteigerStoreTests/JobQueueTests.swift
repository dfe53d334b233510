import Foundation
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Job queue, on every engine")
struct JobQueueTests {
    @Test("concurrent workers never get the same job", arguments: TestEngine.available)
    func concurrentClaims(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            for i in 0..<60 { try await store.enqueue(kind: "test", payload: "{\"n\":\(i)}") }
            let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var mine: [String] = []
                        while let job = try await store.claimJob(owner: "worker-\(worker)", lease: 60).job {
                            mine.append(job.id)
                            #expect(try await store.completeJob(job.id, owner: "worker-\(worker)"))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(claimed.count == 60 && Set(claimed).count == 60)
            #expect(try await store.jobCounts()[.done] == 60)
        }
    }

    @Test(
        "workers are shared fairly: a learner's pile waits behind another's single job, and never holds more than its share",
        arguments: TestEngine.available)
    func fairShare(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let now = Date()
            var greedy: [String] = []
            for i in 0..<5 {
                greedy.append(
                    // A second apart, so their order never rests on two being made in the same millisecond.
                    try await store.enqueue(
                        kind: "test", payload: "{\"n\":\(i)}", runAfter: now.addingTimeInterval(-100 + Double(i)), fairKey: "greedy"
                    ).id)
            }
            let other = try await store.enqueue(kind: "test", payload: "{}", runAfter: now.addingTimeInterval(-1), fairKey: "other").id
            let batch = try await store.enqueue(kind: "test", payload: "{}", runAfter: now, fairKey: nil).id
            // One job each for everyone before a second for anyone; then the greedy learner is at its share.
            let first = try #require(try await store.claimJob(owner: "w1", lease: 60, perKey: 1, now: now).job)
            #expect(first.id == greedy[0] || first.id == batch)
            var claimed = [first.id]
            while let job = try await store.claimJob(owner: "w", lease: 60, perKey: 1, now: now).job { claimed.append(job.id) }
            #expect(Set(claimed) == [greedy[0], other, batch])
            // When the greedy learner's job is done, the next of theirs goes.
            #expect(try await store.completeJob(greedy[0], owner: first.id == greedy[0] ? "w1" : "w"))
            #expect(try await store.claimJob(owner: "w", lease: 60, perKey: 1, now: now).job?.id == greedy[1])
            // Without a share, a free worker takes what is oldest.
            #expect(try await store.claimJob(owner: "w", lease: 60, now: now).job?.id == greedy[2])
        }
    }

    @Test("an expired lease returns the job; the old owner's heartbeat and completion are refused", arguments: TestEngine.available)
    func expiredLease(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let job = try await store.enqueue(kind: "test", payload: "{}")
            let now = Date()
            let first = try #require(try await store.claimJob(owner: "a", lease: 30, now: now).job)
            #expect(first.id == job.id && first.attempts == 1)
            #expect(try await store.claimJob(owner: "b", lease: 30, now: now.addingTimeInterval(10)).job == nil)
            #expect(try await store.heartbeat(job: job.id, owner: "a", lease: 30, now: now.addingTimeInterval(20)))
            // The heartbeat moved the expiry to 50 s; at 60 s the worker is presumed dead.
            let second = try #require(try await store.claimJob(owner: "b", lease: 30, now: now.addingTimeInterval(60)).job)
            #expect(second.id == job.id && second.attempts == 2 && second.leaseOwner == "b")
            #expect(try await store.heartbeat(job: job.id, owner: "a", lease: 30, now: now.addingTimeInterval(61)) == false)
            #expect(try await store.completeJob(job.id, owner: "a") == false)
            #expect(try await store.completeJob(job.id, owner: "b"))
        }
    }

    @Test("a job whose worker dies on every attempt ends failed and is reported once", arguments: TestEngine.available)
    func abandoned(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let job = try await store.enqueue(kind: "test", payload: "{}", maxAttempts: 2)
            var now = Date()
            #expect(try await store.claimJob(owner: "a", lease: 5, now: now).job?.attempts == 1)
            now += 10
            #expect(try await store.claimJob(owner: "b", lease: 5, now: now).job?.attempts == 2)
            now += 10
            let claim = try await store.claimJob(owner: "c", lease: 5, now: now)
            #expect(claim.job == nil && claim.abandoned.map(\.id) == [job.id])
            #expect(claim.abandoned.first?.status == .failed && claim.abandoned.first?.lastError?.contains("2 times") == true)
            #expect(try await store.claimJob(owner: "d", lease: 5, now: now + 10).abandoned.isEmpty)
        }
    }

    @Test("a failed attempt waits its backoff, then runs again, until the limit", arguments: TestEngine.available)
    func retries(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let job = try await store.enqueue(kind: "test", payload: "{}", maxAttempts: 2)
            let now = Date()
            _ = try await store.claimJob(owner: "a", lease: 60, now: now)
            let requeued = try #require(try await store.failJob(job.id, owner: "a", error: "disk full", retry: true, now: now))
            #expect(requeued.status == .queued && requeued.runAfter >= now.addingTimeInterval(29))
            #expect(try await store.claimJob(owner: "a", lease: 60, now: now.addingTimeInterval(5)).job == nil)
            #expect(try await store.claimJob(owner: "a", lease: 60, now: now.addingTimeInterval(31)).job?.attempts == 2)
            let failed = try await store.failJob(job.id, owner: "a", error: "disk full again", retry: true, now: now.addingTimeInterval(32))
            #expect(failed?.status == .failed && failed?.lastError == "disk full again")
            let permanent = try await store.enqueue(kind: "test", payload: "{}", maxAttempts: 5)
            _ = try await store.claimJob(owner: "a", lease: 60, now: now.addingTimeInterval(40))
            #expect(
                try await store.failJob(permanent.id, owner: "a", error: "not a recording", retry: false, now: now.addingTimeInterval(41))?.status
                    == .failed)
        }
    }

    @Test("a complete upload becomes one submission with its media record and a job, once", arguments: TestEngine.available)
    func completeUpload(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let upload = Upload(
                userID: world.learnerA1.id, exerciseID: world.exerciseA.id, fileName: "take 2.mp4", length: 1234,
                metadata: ["filename": "take 2.mp4"], expiresAt: Date().addingTimeInterval(3600))
            try await store.createUpload(upload)
            #expect(try await store.upload(upload.id) == upload)
            #expect(try await store.bytesInUse(by: world.learnerA1.id) == 1234)
            let sha = String(repeating: "ab", count: 32)
            let submission = try await store.completeUpload(upload, sha256: sha)
            #expect(submission.attempt == 2 && submission.status == .processing)
            let again = try await store.completeUpload(upload, sha256: sha)
            #expect(again.id == submission.id)
            let media = try #require(try await store.submissionMedia(submission.id))
            #expect(media.originalSHA256 == sha && media.originalSize == 1234 && media.fileName == "take 2.mp4")
            #expect(try await store.bytesInUse(by: world.learnerA1.id) == 1234)
            let job = try #require(try await store.claimJob(owner: "w", lease: 60).job)
            #expect(job.kind == "process-submission" && job.payload.contains(submission.id.description))
            #expect(try await store.claimJob(owner: "w", lease: 60).job == nil)
            #expect(try await store.setSubmissionStatus(submission.id, to: .ready))
            #expect(try await store.setSubmissionStatus(submission.id, to: .processing) == false)
        }
    }
}
