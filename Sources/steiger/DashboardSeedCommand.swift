import ArgumentParser
import Foundation
import SteigerApp
import SteigerCore
import SteigerStore

/// `steiger bench seed-dashboard`: fills a database with a programme for the dashboard — cohorts
/// with a trainer each, learners spread over them, an exercise per skill practised in every
/// cohort, and each learner's history on each skill (the scaffolding benchmark's plausible
/// histories, ending today) with an attempt, a trainer's review task and review per assessment,
/// a peer review on every fourth attempt and a few reviews still overdue — then counts the
/// dashboard's tallies again from those records (the reference: what a dashboard without
/// tallies would do on every load) and prints an administrator's and a trainer's API token.
struct DashboardSeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-dashboard",
        abstract: "Fill a database with a programme for the dashboard; prints an administrator's and a trainer's token.",
        shouldDisplay: false
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: "Learners.")
    var learners = 40

    @Option(help: "Skills, one exercise each.")
    var skills = 3

    @Option(help: "Reviewed attempts per learner and skill.")
    var attempts = 8

    @Option(help: "Cohorts, each with its own trainer.")
    var cohorts = 2

    @Option(help: "The password of the administrator and the trainers (none: they sign in with their tokens only).")
    var password: String?

    static let skillNames = [
        "Handling objections", "Giving feedback", "Calming an angry customer", "Asking open questions", "Closing the call",
        "Summarising", "Saying no", "Coaching a colleague", "Opening the call", "Agreeing next steps",
    ]

    func run() async throws {
        let logger = service.makeLogger()
        let store = try await service.openStore(logger: logger)
        try await store.migrate()
        let accounts = Accounts(store: store, bcryptCost: 4)
        let began = ContinuousClock.now
        let tag = UUID().uuidString.prefix(6).lowercased()
        let admin = try await accounts.createUser(
            email: "dashboard-admin-\(tag)@example.org", displayName: "Programme administrator", roles: [.admin], password: password)
        var cohortIDs: [CohortID] = []
        var trainers: [UserID] = []
        for number in 1...max(cohorts, 1) {
            let cohort = try Cohort(name: "Cohort \(number)")
            try await store.createCohort(cohort)
            let trainer = try await accounts.createUser(
                email: "dashboard-trainer-\(number)-\(tag)@example.org", displayName: "Trainer \(number)", roles: [.trainer], password: password)
            try await store.putMembership(Membership(cohortID: cohort.id, userID: trainer.id, part: .trainer))
            cohortIDs.append(cohort.id)
            trainers.append(trainer.id)
        }
        let scale = [Rubric.Level(value: 1, label: "Not yet"), .init(value: 2, label: "Partly"), .init(value: 3, label: "Fully")]
        let rubric = try Rubric(criteria: [.init(key: "overall", title: "Overall", scale: scale)])
        let ladder = try ScaffoldLadder.standard(modelVideo: "model.mp4", script: "Script", prompts: ["Ask"], checklist: ["Ask"])
        var exercises: [Exercise] = []
        for index in 0..<max(skills, 1) {
            let name = index < Self.skillNames.count ? Self.skillNames[index] : "Skill \(index + 1)"
            let exercise = try Exercise(
                title: name, instructions: "Practise.", skillKey: "skill-\(index + 1)", skillName: name, rubric: rubric, ladder: ladder,
                cohorts: Set(cohortIDs))
            try await store.createExercise(exercise)
            exercises.append(exercise)
        }
        var people: [(UserID, CohortID)] = []
        for index in 0..<learners {
            let learner = try User(email: "learner-\(index)-\(tag)@example.org", displayName: "Learner \(index + 1)", roles: [.learner])
            try await store.createUser(learner, passwordHash: nil)
            let home = cohortIDs[index % cohortIDs.count]
            try await store.putMembership(Membership(cohortID: home, userID: learner.id, part: .learner))
            people.append((learner.id, home))
        }

        // Histories that end about now: attempts are 1 to 5 days apart.
        let now = Date()
        let start = now.addingTimeInterval(-Double(attempts * 3 + 7) * 86_400)
        let logs = ScaffoldBenchCommand.histories(
            learners: learners, exercises: exercises.count, attempts: attempts, start: start, exerciseIDs: exercises.map(\.id))
        for (index, log) in logs.enumerated() {
            let exercise = exercises[index % exercises.count]
            try await store.appendScaffoldEvents(log, learner: people[index / exercises.count].0, skill: exercise.skillKey)
        }
        let logged = ContinuousClock.now

        // The records behind them: an attempt, a trainer's task and review per assessment, a peer
        // task on every fourth attempt (reviewed by the next learner of the cohort), and the last
        // attempts of every tenth learner still waiting past their due time.
        var rows = RecordRows()
        var written = 0
        var random = SeededRandom(seed: 20_261_204)
        let classmates = Dictionary(grouping: people, by: \.1).mapValues { $0.map(\.0) }
        for (index, log) in logs.enumerated() {
            let (learner, cohort) = people[index / exercises.count]
            let trainer = trainers[cohortIDs.firstIndex(of: cohort) ?? 0]
            let peers = classmates[cohort] ?? []
            for event in log {
                guard case .assessed(let assessment) = event else { continue }
                let submission = UUID().uuidString.lowercased()
                let made = Int64(assessment.attemptMadeAt.timeIntervalSince1970 * 1000)
                let ready = made + Int64(60_000 + random.next() % 600_000)
                let reviewed = Int64(assessment.at.timeIntervalSince1970 * 1000) + Int64(random.next() % (36 * 3_600_000))
                let overdue = index % (10 * exercises.count) == 0 && assessment.attempt == attempts
                rows.submission(
                    submission, learner: learner, exercise: assessment.exerciseID, attempt: assessment.attempt, made: made, reviewed: !overdue)
                let task = UUID().uuidString.lowercased()
                rows.task(
                    task, submission: submission, learner: learner, cohort: cohort, kind: "trainer", assignee: overdue ? nil : trainer, ready: ready,
                    done: overdue ? nil : reviewed, due: ready + 48 * 3_600_000)
                if !overdue { rows.review(task: task, submission: submission, reviewer: trainer, total: assessment.total, at: reviewed) }
                if assessment.attempt % 4 == 0, peers.count > 1 {
                    var peer = peers[Int(random.next() % UInt64(peers.count))]
                    if peer == learner { peer = peers[(peers.firstIndex(of: peer)! + 1) % peers.count] }
                    rows.task(
                        UUID().uuidString.lowercased(), submission: submission, learner: learner, cohort: cohort, kind: "peer", assignee: peer,
                        ready: ready, done: nil, due: nil)
                }
            }
            if rows.count >= 60_000 {
                written += rows.count
                try await rows.write(to: store)
                rows = RecordRows()
            }
        }
        written += rows.count
        try await rows.write(to: store)
        let recorded = ContinuousClock.now
        let counted = try await store.rebuildDashboardTallies()
        let rebuilt = ContinuousClock.now
        let (_, adminToken) = try await store.createToken(for: admin.id, name: "bench", expiresAt: nil)
        let (_, trainerToken) = try await store.createToken(for: trainers[0], name: "bench", expiresAt: nil)
        await store.close()
        func seconds(_ duration: Duration) -> String {
            String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }
        FileHandle.standardError.write(
            Data(
                """
                seed-dashboard: \(learners) learners × \(exercises.count) skills × \(attempts) attempts in \(cohortIDs.count) cohorts: \
                logs \(seconds(logged - began)), \(written) attempts, tasks and reviews \(seconds(recorded - logged)); \
                counted \(counted) logs and every review again from the records in \(seconds(rebuilt - recorded))
                REFERENCE_SECONDS=\(seconds(rebuilt - recorded).dropLast(2))

                """.utf8))
        print(adminToken, trainerToken, admin.email, "dashboard-trainer-1-\(tag)@example.org")
    }

    /// Rows written straight into the tables, many to a statement: the records' shape, at a
    /// speed the store's one-at-a-time use cases would take hours for.
    struct RecordRows {
        var submissions: [String] = []
        var tasks: [String] = []
        var reviews: [String] = []
        var count: Int { submissions.count + tasks.count + reviews.count }

        mutating func submission(_ id: String, learner: UserID, exercise: ExerciseID, attempt: Int, made: Int64, reviewed: Bool) {
            submissions.append(
                "('\(id)', '\(learner)', '\(exercise)', \(attempt), '\(reviewed ? "reviewed" : "ready")', 3, \(made), \(made))")
        }

        mutating func task(
            _ id: String, submission: String, learner: UserID, cohort: CohortID, kind: String, assignee: UserID?, ready: Int64, done: Int64?,
            due: Int64?
        ) {
            let status = done != nil ? "done" : assignee != nil && kind == "trainer" ? "claimed" : "open"
            tasks.append(
                "('\(id)', '\(submission)', '\(cohort)', '\(kind)', '\(status)', \(assignee.map { "'\($0)'" } ?? "NULL"), "
                    + "\(due.map(String.init) ?? "NULL"), 0, \(due ?? Int64.max), \(ready), \(done ?? ready), \(done.map(String.init) ?? "NULL"), "
                    + "'\(learner)')")
        }

        mutating func review(task: String, submission: String, reviewer: UserID, total: Double, at: Int64) {
            reviews.append(
                "('\(UUID().uuidString.lowercased())', '\(task)', '\(submission)', '\(reviewer)', 'trainer', '{}', '', \(total), \(total), '{}', \(at))"
            )
        }

        func write(to store: Store) async throws {
            var statements: [String] = []
            for (table, columns, values) in [
                ("submissions", "id, learner_id, exercise_id, attempt, status, scaffold_level, created_at, updated_at", submissions),
                (
                    "review_tasks",
                    "id, submission_id, cohort_id, kind, status, assignee, due_at, reviews_so_far, due_sort, created_at, updated_at, done_at, learner_id",
                    tasks
                ),
                ("reviews", "id, task_id, submission_id, reviewer_id, kind, scores, comment, total, lowest, result, submitted_at", reviews),
            ] {
                for start in stride(from: 0, to: values.count, by: 500) {
                    let slice = values[start..<min(start + 500, values.count)]
                    statements.append("INSERT INTO \(table) (\(columns)) VALUES " + slice.joined(separator: ", "))
                }
            }
            // SQLite's default page cache spills every random-key insert of a batch to the log, which
            // then grows to many times the data; a large cache for the loading connection keeps it small.
            let cache = store.engine.dialect == .sqlite ? ["PRAGMA cache_size = -1048576"] : []
            try await store.execute(unsafeStatements: cache + statements)
        }
    }
}
