import Foundation
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Review tasks, on every engine")
struct ReviewTaskTests {
    /// `count` ready submissions by cohort A's learners, each with an open trainer task.
    func pool(_ store: Store, _ world: World, count: Int, due: (Int) -> Date? = { _ in nil }) async throws -> [ReviewTask] {
        var tasks: [ReviewTask] = []
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for i in 0..<count {
            let learner = i % 2 == 0 ? world.learnerA1.id : world.learnerA2.id
            let submission = try await store.createSubmission(
                learner: learner, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready,
                createdAt: start.addingTimeInterval(Double(i)))
            tasks.append(
                ReviewTask(
                    submissionID: submission.id, cohortID: world.cohortA.id, kind: .trainer, dueAt: due(i),
                    createdAt: start.addingTimeInterval(Double(i))))
        }
        try await store.createReviewTasks(tasks)
        return tasks
    }

    @Test("8 concurrent trainers claiming from one pool of 100 get 100 distinct tasks", arguments: TestEngine.available)
    func concurrentClaims(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let tasks = try await pool(store, world, count: 100)
            let trainers = (0..<8).map { _ in UserID() }
            for (i, trainer) in trainers.enumerated() {
                let user = try User(id: trainer, email: "t\(i)@example.org", displayName: "T\(i)", roles: [.trainer])
                try await store.createUser(user, passwordHash: nil)
            }
            let claimed = try await withThrowingTaskGroup(of: [ReviewTaskID].self) { group in
                for trainer in trainers {
                    group.addTask {
                        var mine: [ReviewTaskID] = []
                        while let task = try await store.claimReviewTask(reviewer: trainer, cohorts: [world.cohortA.id], lease: 1800) {
                            #expect(task.assignee == trainer && task.status == .claimed)
                            mine.append(task.id)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [ReviewTaskID]()) { $0 += $1 }
            }
            #expect(claimed.count == 100 && Set(claimed) == Set(tasks.map(\.id)))
            // Another cohort's trainer sees nothing of this pool.
            #expect(try await store.claimReviewTask(reviewer: world.trainerB.id, cohorts: [world.cohortB.id], lease: 1800) == nil)
        }
    }

    @Test("the queue hands out by due time, then fewest reviews so far, then oldest", arguments: TestEngine.available)
    func order(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let base = Date(timeIntervalSince1970: 1_900_000_000)
            let tasks = try await pool(store, world, count: 4, due: { i in i == 2 ? base : i == 3 ? base.addingTimeInterval(60) : nil })
            // Task 0's submission already has a review (a peer's), so task 1 comes before it although it is newer.
            let peer = ReviewTask(submissionID: tasks[0].submissionID, cohortID: world.cohortA.id, kind: .peer, assignee: world.learnerA2.id)
            try await store.createReviewTasks([peer])
            try await store.completeReviewTask(peer.id, reviewer: world.learnerA2.id)
            var order: [ReviewTaskID] = []
            while let task = try await store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 60) {
                order.append(task.id)
            }
            #expect(order == [tasks[2].id, tasks[3].id, tasks[1].id, tasks[0].id])
        }
    }

    @Test(
        "the queue as pages read it: each task with its exercise's title, its learner's and its holder's names, in queue order",
        arguments: TestEngine.available)
    func entries(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let tasks = try await pool(store, world, count: 3)
            let held = try #require(try await store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 1800))
            let entries = try await store.reviewQueueEntries(cohorts: [world.cohortA.id])
            #expect(entries.map(\.task.id) == (try await store.reviewQueue(cohorts: [world.cohortA.id])).map(\.id))
            #expect(Set(entries.map(\.task.id)) == Set(tasks.map(\.id)))
            #expect(entries.allSatisfy { $0.exerciseTitle == world.exerciseA.title && !$0.learnerName.isEmpty })
            #expect(entries.first { $0.task.id == held.id }?.assigneeName == world.trainerA.displayName)
            #expect(entries.filter { $0.task.id != held.id }.allSatisfy { $0.assigneeName == nil })
            #expect(try await store.reviewQueueEntries(cohorts: []).isEmpty)
        }
    }

    @Test("an expired lease returns the task; the late reviewer's submit is refused with a clear message", arguments: TestEngine.available)
    func expiredLease(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let tasks = try await pool(store, world, count: 1)
            let now = Date()
            let late = try User(email: "late@example.org", displayName: "Late", roles: [.trainer])
            try await store.createUser(late, passwordHash: nil)
            let held = try #require(try await store.claimReviewTask(reviewer: late.id, cohorts: [world.cohortA.id], lease: 1800, now: now))
            #expect(held.id == tasks[0].id)
            #expect(
                try await store.claimReviewTask(
                    reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 1800, now: now.addingTimeInterval(60)) == nil)
            try await store.renewReviewTask(held.id, reviewer: late.id, lease: 1800, now: now.addingTimeInterval(1000))
            // The renewed hold ends at 2800 s; after it, the late reviewer's submit is refused and the task is back in the pool.
            let afterwards = now.addingTimeInterval(2801)
            do {
                try await store.completeReviewTask(held.id, reviewer: late.id, now: afterwards)
                Issue.record("a late submit was accepted")
            } catch StoreError.refused(let refusal) {
                #expect(refusal == .holdExpired)
            }
            let again = try #require(
                try await store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 1800, now: afterwards))
            #expect(again.id == held.id && again.assignee == world.trainerA.id)
            await #expect(throws: StoreError.self) { try await store.renewReviewTask(held.id, reviewer: late.id, lease: 60, now: afterwards) }
            let done = try await store.completeReviewTask(held.id, reviewer: world.trainerA.id, now: afterwards.addingTimeInterval(10))
            #expect(done.status == .done)
            await #expect(throws: StoreError.self) { try await store.completeReviewTask(held.id, reviewer: world.trainerA.id, now: afterwards) }
        }
    }

    @Test(
        "peer assignment over a cohort of 30 learners, from the store's balances, keeps given − received within one and is never self",
        arguments: TestEngine.available)
    func peerBalance(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let cohort = try Cohort(name: "Thirty")
            try await store.createCohort(cohort)
            var learners: [UserID] = []
            for i in 0..<30 {
                let user = try User(email: "p\(i)@example.org", displayName: "P\(i)", roles: [.learner])
                try await store.createUser(user, passwordHash: nil)
                try await store.putMembership(Membership(cohortID: cohort.id, userID: user.id, part: .learner))
                learners.append(user.id)
            }
            var exercise = world.exerciseA
            exercise.cohorts.insert(cohort.id)
            try await store.updateExercise(exercise)
            // Two rounds: everyone sends an attempt, then everyone again in the other order.
            for learner in learners + learners.reversed() {
                let submission = try await store.createSubmission(learner: learner, exercise: exercise.id, scaffoldLevel: 3, status: .ready)
                let tasks = ReviewPlan.tasks(
                    for: submission, cohort: cohort.id, settings: ReviewSettings(peerReviewers: 2),
                    learners: try await store.activeLearners(in: cohort.id), peers: try await store.peerPool(in: cohort.id, exercise: exercise),
                    now: Date())
                #expect(!tasks.contains { $0.kind == .peer && $0.assignee == learner })
                try await store.createReviewTasks(tasks)
            }
            let pool = try await store.peerPool(in: cohort.id, exercise: exercise)
            let balances = learners.map { pool.balances[$0]?.balance ?? 0 }
            #expect(balances.allSatisfy { abs($0) <= 1 }, "\(balances)")
            #expect(learners.map { pool.balances[$0]?.given ?? 0 }.reduce(0, +) == 60 * 2)
            #expect(learners.allSatisfy { pool.balances[$0]?.received == 4 })
        }
    }

    @Test(
        "a person's peer reviews add up over every cohort they are in on the dashboard, and one cohort's count only its own",
        arguments: TestEngine.available)
    func peerSharesAcrossCohorts(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            // Learner A2 is in both cohorts and reviews an attempt in each.
            try await store.putMembership(Membership(cohortID: world.cohortB.id, userID: world.learnerA2.id, part: .learner))
            try await store.createReviewTasks([
                ReviewTask(submissionID: world.submissionA1.id, cohortID: world.cohortA.id, kind: .peer, assignee: world.learnerA2.id),
                ReviewTask(submissionID: world.submissionB.id, cohortID: world.cohortB.id, kind: .peer, assignee: world.learnerA2.id),
            ])
            func shares(_ cohorts: Set<CohortID>?) async throws -> [Int: Int] {
                Dictionary(uniqueKeysWithValues: try await store.peerBalanceShares(cohorts: cohorts).map { ($0.balance, $0.learners) })
            }
            // Everywhere: A2 gave two, A1 and B each received one; the disabled learner of A is at 0.
            #expect(try await shares(nil) == [2: 1, -1: 2, 0: 1])
            // Cohort A alone: A2 gave one there, A1 received it.
            #expect(try await shares([world.cohortA.id]) == [1: 1, -1: 1, 0: 1])
            #expect(try await store.peerBalance(of: world.learnerA2.id) == PeerBalance(given: 2, received: 0))
        }
    }

    @Test("with a self review required, the trainer task waits until the learner has reflected", arguments: TestEngine.available)
    func selfReviewFirst(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let submission = try await store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready)
            let tasks = ReviewPlan.tasks(
                for: submission, cohort: world.cohortA.id,
                settings: ReviewSettings(peerReviewers: 1, selfReviewRequired: true, dueHours: 24),
                learners: try await store.activeLearners(in: world.cohortA.id), now: Date())
            #expect(tasks.map(\.kind) == [.trainer, .peer, .selfReview] && tasks[1].assignee == world.learnerA2.id)
            #expect(tasks.allSatisfy { $0.dueAt != nil })
            try await store.createReviewTasks(tasks)
            #expect(try await store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 60) == nil)
            try await store.completeReviewTask(tasks[2].id, reviewer: world.learnerA1.id)
            #expect(try await store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 60)?.id == tasks[0].id)
        }
    }

    @Test("a released task goes back to the pool; peer tasks belong to their assignee", arguments: TestEngine.available)
    func releaseAndPeers(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let tasks = try await pool(store, world, count: 1)
            let held = try #require(try await store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 60))
            try await store.releaseReviewTask(held.id, reviewer: world.trainerA.id)
            #expect(try await store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 60)?.id == tasks[0].id)
            let peer = ReviewTask(submissionID: tasks[0].submissionID, cohortID: world.cohortA.id, kind: .peer, assignee: world.learnerA1.id)
            try await store.createReviewTasks([peer])
            #expect(try await store.peerPool(in: world.cohortA.id, exercise: world.exerciseA).balances[world.learnerA1.id]?.given == 1)
            await #expect(throws: StoreError.self) { try await store.completeReviewTask(peer.id, reviewer: world.learnerA2.id) }
            #expect(try await store.completeReviewTask(peer.id, reviewer: world.learnerA1.id).status == .done)
            #expect(try await store.reviewTasks(of: tasks[0].submissionID).map(\.reviewsSoFar) == [1, 1])
        }
    }
}

@Suite("Reviews, on every engine")
struct ReviewStoreTests {
    @Test("a submitted trainer review is scored by the rubric, completes its task and marks the attempt reviewed", arguments: TestEngine.available)
    func submit(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let now = Date()
            let (submission, held) = try await heldTrainerTask(store, world, learner: world.learnerA1, scaffoldLevel: 3, at: now)
            // Off-scale and missing scores name their fields.
            do {
                _ = try Review(task: held, reviewerID: world.trainerA.id, scores: ["empathy": 9], comment: "", rubric: world.exerciseA.rubric)
                Issue.record("accepted")
            } catch let error as ValidationError {
                #expect(Set(error.problems.map(\.field)) == ["scores.empathy", "scores.next-step"])
            }
            let review = try Review(
                task: held, reviewerID: world.trainerA.id, scores: ["empathy": 3, "next-step": 1], comment: " Warm, but no next step. ",
                rubric: world.exerciseA.rubric, submittedAt: now)
            // empathy 3 of 1…3 (weight 2) → 1.0; next-step 1 of 1…3 (weight 1) → 0.0; total 2/3.
            #expect(abs(review.result.total - 2.0 / 3.0) < 1e-9 && review.result.lowest == 0)
            try await store.submitReview(review, now: now.addingTimeInterval(60))
            let stored = try await store.reviews(of: submission.id)
            #expect(stored.count == 1 && stored[0].scores == ["empathy": 3, "next-step": 1] && stored[0].comment == "Warm, but no next step.")
            #expect(abs(stored[0].result.total - 2.0 / 3.0) < 1e-9 && stored[0].taskID == held.id && stored[0].kind == .trainer)
            #expect(try await store.submission(submission.id)?.status == .reviewed)
            #expect(try await store.reviewTasks(of: submission.id).first?.status == .done)
            // The outbox tells whoever listens: the task in the queue, the trainer's claim, then the review.
            let events = try await store.outboxEvents().map(\.event).filter { $0.subjects["submission"] == submission.id.description }
            #expect(events.map(\.kind) == [.reviewTaskQueued, .reviewTaskAssigned, .reviewSubmitted])
            #expect(events[0].subjects["cohort"] == world.cohortA.id.description && events[0].actorID == nil)
            #expect(events[2].actorID == world.trainerA.id && events[2].subjects["learner"] == submission.learnerID.description)
            #expect(events[2].subjects["review"] == review.id.description && events[2].data["kind"] == "trainer")
            // A cohort with submitted reviews cannot be deleted (its reviews would go with it).
            await #expect(throws: StoreError.self) { try await store.deleteCohort(world.cohortA.id) }
            #expect(try await store.reviews(of: submission.id).count == 1)
            // Submitting twice is refused.
            await #expect(throws: StoreError.self) { try await store.submitReview(review, now: now.addingTimeInterval(70)) }
        }
    }

    @Test("a late reviewer's submit is refused and nothing is stored", arguments: TestEngine.available)
    func late(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let now = Date()
            let (submission, held) = try await heldTrainerTask(store, world, learner: world.learnerA1, scaffoldLevel: 3, lease: 60, at: now)
            let review = try Review(
                task: held, reviewerID: world.trainerA.id, scores: ["empathy": 2, "next-step": 2], comment: "",
                rubric: world.exerciseA.rubric)
            do {
                try await store.submitReview(review, now: now.addingTimeInterval(61))
                Issue.record("accepted")
            } catch StoreError.refused(let refusal) {
                #expect(refusal == .holdExpired)
            }
            #expect(try await store.reviews(of: submission.id).isEmpty)
            #expect(try await store.submission(submission.id)?.status == .ready)
        }
    }
}
