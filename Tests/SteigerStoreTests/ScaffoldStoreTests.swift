import Foundation
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("The scaffolding log, on every engine")
struct ScaffoldStoreTests {
    /// A ready attempt by `learner` at exercise A (at their current level) with a trainer task,
    /// reviewed by trainer A with `scores`.
    @discardableResult
    func review(_ store: Store, _ world: World, learner: User, scores: [String: Int], at time: Date) async throws -> Submission {
        let (submission, claimed) = try await heldTrainerTask(store, world, learner: learner, at: time)
        let review = try Review(
            task: claimed, reviewerID: world.trainerA.id, scores: scores, comment: "", rubric: world.exerciseA.rubric,
            submittedAt: time.addingTimeInterval(600))
        try await store.submitReview(review, now: time.addingTimeInterval(600))
        return submission
    }

    @Test("reviews append to the log; the stored log replays to the saved standing; new attempts record the level", arguments: TestEngine.available)
    func logRoundTrips(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let scores: [[String: Int]] = [
                ["empathy": 3, "next-step": 2], ["empathy": 3, "next-step": 3], ["empathy": 2, "next-step": 2],
                ["empathy": 3, "next-step": 3], ["empathy": 3, "next-step": 3],
            ]
            var levels: [Int] = []
            for (i, score) in scores.enumerated() {
                levels.append(
                    try await review(store, world, learner: world.learnerA1, scores: score, at: start.addingTimeInterval(Double(i) * 86_400))
                        .scaffoldLevel)
            }
            #expect(levels == [3, 3, 2, 2, 2])
            let log = try await store.scaffoldLog(learner: world.learnerA1.id, skill: world.exerciseA.skillKey)
            #expect(log.count == 5)
            guard case .assessed(let first) = log[0] else {
                Issue.record("not an assessment")
                return
            }
            #expect(first.attemptLevel == 3 && first.top == 3 && first.policy == ScaffoldPolicy() && first.policyVersion == 1)
            #expect(first.at == start.addingTimeInterval(600) && first.attemptMadeAt == start)
            let history = ScaffoldEngine.replay(log)
            #expect(history.transitions.map(\.to) == [2, 1])
            let standing = try #require(try await store.scaffoldStanding(learner: world.learnerA1.id, skill: world.exerciseA.skillKey))
            #expect(standing.level == 1 && standing.events == 5 && standing.lastTransition == history.state.lastTransition)
            // The next attempt is made at level 1.
            let next = try await store.createSubmission(learner: world.learnerA1.id, exercise: world.exerciseA.id)
            #expect(next.scaffoldLevel == 1)
            // Replaying every log rewrites the same standing.
            let replayed = try await store.replayAllScaffoldLogs()
            #expect(replayed.logs == 1 && replayed.events == 5)
            let again = try await store.scaffoldStanding(learner: world.learnerA1.id, skill: world.exerciseA.skillKey)
            #expect(again?.level == standing.level && again?.lastTransition == standing.lastTransition)
            // Another learner's log is untouched.
            #expect(try await store.scaffoldStanding(learner: world.learnerA2.id, skill: world.exerciseA.skillKey) == nil)
        }
    }

    @Test("the matrix lists the exercise's enabled learners, stalled learners first", arguments: TestEngine.available)
    func matrixPutsStalledLearnersFirst(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            var exercise = world.exerciseA
            let empty = try Cohort(name: "No learners yet")
            try await store.createCohort(empty)
            exercise.policy = ScaffoldPolicy(withdrawAfter: 2, stallAfter: 2)
            exercise.cohorts.insert(empty.id)
            try await store.updateExercise(exercise)
            // Learner A2 scores 0.5 twice: neither a pass nor a drop, so after two attempts at the top they stall.
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            for i in 0..<2 {
                try await review(
                    store, world, learner: world.learnerA2, scores: ["empathy": 2, "next-step": 2], at: start.addingTimeInterval(Double(i) * 60))
            }
            let rows = try await store.scaffoldMatrix(exercise: exercise, cohorts: exercise.cohorts)
            #expect(rows.map(\.learnerID) == [world.learnerA2.id, world.learnerA1.id])
            #expect(
                rows[0].standing?.flagged == true && rows[0].standing?.lastTransition?.rule == .stalled
                    && rows[0].standing?.lastTransition?.policyVersion == 2)
            #expect(rows[1].standing == nil && rows[1].attempts == 1)
            #expect(try await store.scaffoldMatrix(exercise: exercise, cohorts: [empty.id]).isEmpty)
            #expect(try await store.scaffoldMatrix(exercise: exercise, cohorts: [world.cohortB.id]).isEmpty)
        }
    }

    @Test("concurrent reviews of one learner's attempts all reach the log, in one order", arguments: TestEngine.available)
    func concurrentAppends(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            var reviews: [Review] = []
            for i in 0..<12 {
                let time = start.addingTimeInterval(Double(i))
                let (_, claimed) = try await heldTrainerTask(store, world, learner: world.learnerA1, at: time)
                reviews.append(
                    try Review(
                        task: claimed, reviewerID: world.trainerA.id, scores: ["empathy": 3, "next-step": 3], comment: "",
                        rubric: world.exerciseA.rubric, submittedAt: time.addingTimeInterval(60)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for review in reviews { group.addTask { try await store.submitReview(review, now: review.submittedAt) } }
                try await group.waitForAll()
            }
            let log = try await store.scaffoldLog(learner: world.learnerA1.id, skill: world.exerciseA.skillKey)
            #expect(log.count == 12)
            let standing = try await store.scaffoldStanding(learner: world.learnerA1.id, skill: world.exerciseA.skillKey)
            #expect(standing?.events == 12 && standing?.level == ScaffoldEngine.state(after: log).placedLevel)
        }
    }
}
