import ArgumentParser
import Foundation
import SteigerCore
import SteigerStore

/// `steiger bench scaffolding`: replays the full scaffolding history of many learners, in memory
/// and from the database (read, decode, replay, rewrite every standing).
struct ScaffoldBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaffolding",
        abstract: "Benchmark the scaffolding engine: replay learners × exercises × attempts (STEIGER_DATABASE_URL picks PostgreSQL for --database)."
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: "Learners.")
    var learners = 1000

    @Option(help: "Exercises, each its own skill.")
    var exercises = 10

    @Option(help: "Reviewed attempts per learner and exercise.")
    var attempts = 20

    @Option(help: "Timed replays; the best is reported.")
    var runs = 3

    @Flag(help: "Also store the logs in the database under --data and replay them from there.")
    var database = false

    func run() async throws {
        let logs = Self.histories(learners: learners, exercises: exercises, attempts: attempts)
        let events = logs.reduce(0) { $0 + $1.count }
        print("scaffolding: \(learners) learners × \(exercises) exercises × \(attempts) attempts = \(logs.count) logs, \(events) events")

        var transitions = 0
        let full = best(of: runs) {
            transitions = logs.reduce(0) { $0 + ScaffoldEngine.replay($1).transitions.count }
        }
        let stateOnly = best(of: runs) {
            _ = logs.reduce(0) { $0 + ScaffoldEngine.state(after: $1).level(top: 3) }
        }
        var levels = [Int](repeating: 0, count: 4)
        for log in logs { levels[ScaffoldEngine.state(after: log).level(top: 3)] += 1 }
        print("  levels at the end (3 → 0): \(levels.reversed().map(String.init).joined(separator: " / ")); \(transitions) transitions")
        report("replay with every step explained", seconds: full, events: events)
        report("replay to the final state", seconds: stateOnly, events: events)

        guard database else { return }
        let logger = service.makeLogger()
        let store = try await service.openStore(logger: logger)
        try await store.migrate()
        let loading = ContinuousClock.now
        var learnerIDs: [UserID] = []
        let tag = UUID().uuidString.prefix(6).lowercased()
        for i in 0..<learners {
            let user = try User(email: "scaffold-\(tag)-\(i)@example.org", displayName: "Learner \(i)", roles: [.learner])
            try await store.createUser(user, passwordHash: nil)
            learnerIDs.append(user.id)
        }
        for (index, log) in logs.enumerated() {
            try await store.appendScaffoldEvents(log, learner: learnerIDs[index / exercises], skill: "bench-\(tag)-\(index % exercises)")
        }
        print("  stored in the \(store.engine.dialect.rawValue) database in \(format(ContinuousClock.now - loading))")
        var replayed = (logs: 0, events: 0)
        let fromDatabase = try await bestAsync(of: runs) { replayed = try await store.replayAllScaffoldLogs() }
        print("  database holds \(replayed.logs) logs, \(replayed.events) events")
        report("from the database: read, decode, replay, rewrite every standing", seconds: fromDatabase, events: replayed.events)
        await store.close()
    }

    /// Plausible histories: each learner has a skill level per exercise that grows with practice
    /// and noise; every attempt is made at the level the engine gives at that moment.
    /// `exerciseIDs` names the exercises (new ones when nil).
    static func histories(
        learners: Int, exercises: Int, attempts: Int, start: Date = Date(timeIntervalSince1970: 1_780_000_000), exerciseIDs: [ExerciseID]? = nil
    ) -> [[ScaffoldEvent]] {
        var random = SeededRandom(seed: 20_261_122)
        let policy = ScaffoldPolicy()
        var logs: [[ScaffoldEvent]] = []
        logs.reserveCapacity(learners * exercises)
        for _ in 0..<learners {
            let talent = Double(random.next() % 1000) / 1000
            for index in 0..<exercises {
                let exercise = exerciseIDs.map { $0[index % $0.count] } ?? ExerciseID()
                var state = ScaffoldState()
                var log: [ScaffoldEvent] = []
                var clock = start
                for attempt in 1...attempts {
                    clock = clock.addingTimeInterval(Double(1 + random.next() % 5) * 86_400)
                    let noise = (Double(random.next() % 1000) / 1000 - 0.5) * 0.4
                    let total = min(1, max(0, 0.35 + 0.3 * talent + 0.02 * Double(attempt) + noise))
                    let lowest = max(0, total - Double(random.next() % 300) / 1000)
                    let event = ScaffoldEvent.assessed(
                        ScaffoldAssessment(
                            exerciseID: exercise, attempt: attempt, attemptLevel: state.level(top: 3), attemptMadeAt: clock, top: 3,
                            total: (total * 100).rounded() / 100, lowest: (lowest * 100).rounded() / 100, policy: policy, policyVersion: 1,
                            at: clock.addingTimeInterval(3600)))
                    ScaffoldEngine.apply(event, to: &state)
                    log.append(event)
                }
                logs.append(log)
            }
        }
        return logs
    }

    private func best(of runs: Int, _ body: () -> Void) -> Duration {
        (0..<max(runs, 1)).map { _ in
            let began = ContinuousClock.now
            body()
            return ContinuousClock.now - began
        }.min()!
    }

    private func bestAsync(of runs: Int, _ body: () async throws -> Void) async throws -> Duration {
        var times: [Duration] = []
        for _ in 0..<max(runs, 1) {
            let began = ContinuousClock.now
            try await body()
            times.append(ContinuousClock.now - began)
        }
        return times.min()!
    }

    private func report(_ what: String, seconds duration: Duration, events: Int) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        print(String(format: "  %@: %.3f s (%.0f events/s) — %.2f of the 1 s target", what, seconds, Double(events) / seconds, seconds))
    }

    private func format(_ duration: Duration) -> String {
        String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
