import ArgumentParser
import Foundation
import SteigerCore
import SteigerStore

/// `steiger bench queue`: N concurrent trainers claiming from one pool of queued review tasks,
/// through the store as the server does: claims per second, latency percentiles, double claims.
struct QueueBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Benchmark the review queue: concurrent claimers over a pool of tasks (STEIGER_DATABASE_URL picks PostgreSQL)."
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: "Tasks in the pool.")
    var tasks = 10_000

    @Option(help: "Concurrent claimers.")
    var claimers = 8

    @Flag(help: "Claim without recording the claims' events in the outbox (to see what the outbox adds).")
    var withoutEvents = false

    func run() async throws {
        let logger = service.makeLogger()
        let store = try await service.openStore(logger: logger)
        try await store.migrate()
        let engine = store.engine.dialect.rawValue
        // A cohort, its trainers, a learner, an exercise, and `tasks` ready attempts with trainer tasks.
        let cohort = try Cohort(name: "Queue bench")
        try await store.createCohort(cohort)
        var trainers: [UserID] = []
        for i in 0..<claimers {
            let trainer = try User(
                email: "queue-trainer-\(i)-\(UUID().uuidString.prefix(6).lowercased())@example.org", displayName: "T\(i)", roles: [.trainer])
            try await store.createUser(trainer, passwordHash: nil)
            try await store.putMembership(Membership(cohortID: cohort.id, userID: trainer.id, part: .trainer))
            trainers.append(trainer.id)
        }
        let learner = try User(email: "queue-learner-\(UUID().uuidString.prefix(6).lowercased())@example.org", displayName: "L", roles: [.learner])
        try await store.createUser(learner, passwordHash: nil)
        try await store.putMembership(Membership(cohortID: cohort.id, userID: learner.id, part: .learner))
        let rubric = try Rubric(criteria: [.init(key: "a", title: "A", scale: [.init(value: 0, label: "no"), .init(value: 1, label: "yes")])])
        let exercise = try Exercise(
            title: "Queue bench", instructions: "x", skillKey: "queue-bench", rubric: rubric,
            ladder: try ScaffoldLadder(levels: [.init(number: 0, name: "Alone", supports: [])]), cohorts: [cohort.id])
        try await store.createExercise(exercise)
        let seeded = ContinuousClock.now
        var batch: [ReviewTask] = []
        let start = Date().addingTimeInterval(-Double(tasks))
        for i in 0..<tasks {
            let submission = try await store.createSubmission(
                learner: learner.id, exercise: exercise.id, scaffoldLevel: 0, status: .ready,
                createdAt: start.addingTimeInterval(Double(i)))
            batch.append(
                ReviewTask(
                    submissionID: submission.id, cohortID: cohort.id, kind: .trainer,
                    dueAt: i % 3 == 0 ? start.addingTimeInterval(Double(86400 + i)) : nil, createdAt: submission.createdAt))
            if batch.count == 500 {
                try await store.createReviewTasks(batch)
                batch.removeAll()
            }
        }
        try await store.createReviewTasks(batch)
        let seedSeconds = (ContinuousClock.now - seeded).components.seconds

        let began = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: (ids: [ReviewTaskID], latencies: [Double]).self) { group in
            for trainer in trainers {
                group.addTask {
                    var ids: [ReviewTaskID] = [], latencies: [Double] = []
                    while true {
                        let before = ContinuousClock.now
                        guard
                            let task = try await Store.$recordsEvents.withValue(
                                !withoutEvents,
                                operation: {
                                    try await store.claimReviewTask(reviewer: trainer, cohorts: [cohort.id], lease: 1800)
                                })
                        else { break }
                        let elapsed = ContinuousClock.now - before
                        latencies.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                        ids.append(task.id)
                    }
                    return (ids, latencies)
                }
            }
            return try await group.reduce(into: [(ids: [ReviewTaskID], latencies: [Double])]()) { $0.append($1) }
        }
        let wall = ContinuousClock.now - began
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        let ids = results.flatMap(\.ids), latencies = results.flatMap(\.latencies).sorted()
        let doubles = ids.count - Set(ids).count
        print(
            String(
                format:
                    "%@%@: %d tasks (seeded in %d s), %d claimers: %d claims in %.2f s = %.0f claims/s; latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; double claims %d; unclaimed %d",
                engine, withoutEvents ? " without events" : "", tasks, seedSeconds, claimers, ids.count, seconds, Double(ids.count) / seconds,
                percentile(latencies, 50), percentile(latencies, 99),
                latencies.last ?? 0, doubles, tasks - Set(ids).count))
        await store.close()
        if doubles > 0 || Set(ids).count != tasks { throw ExitCode(1) }
    }
}
