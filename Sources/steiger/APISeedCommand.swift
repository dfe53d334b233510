import ArgumentParser
import Foundation
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerStore

/// `steiger bench seed-api`: fills a database for scripts/bench-api (a trainer, a cohort of
/// learners, exercises and N submissions) and prints the trainer's API token.
struct APISeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed-api",
        abstract: "Fill a database with a cohort and N submissions for the API benchmark; prints a trainer's token.",
        shouldDisplay: false
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: "Submissions to create.")
    var submissions = 10_000

    @Option(help: "Learners in the cohort.")
    var learners = 100

    func run() async throws {
        let logger = service.makeLogger()
        let store = try await service.openStore(logger: logger)
        try await store.migrate()
        let accounts = Accounts(store: store, bcryptCost: 4)
        let trainer = try await accounts.createUser(
            email: "bench-trainer-\(UUID().uuidString.prefix(8).lowercased())@example.org",
            displayName: "Bench trainer", roles: [.trainer], password: nil)
        let cohort = try Cohort(name: "Bench cohort")
        try await store.createCohort(cohort)
        try await store.putMembership(Membership(cohortID: cohort.id, userID: trainer.id, part: .trainer))
        // A second cohort the trainer does not train, so the list has something to leave out.
        let other = try Cohort(name: "Other cohort")
        try await store.createCohort(other)
        let scale = [Rubric.Level(value: 1, label: "Not yet"), .init(value: 2, label: "Partly"), .init(value: 3, label: "Fully")]
        let rubric = try Rubric(criteria: [.init(key: "empathy", title: "Empathy", scale: scale)])
        let ladder = try ScaffoldLadder.standard(modelVideo: "model.mp4", script: "Script", prompts: ["Ask"], checklist: ["Ask"])
        var exercises: [ExerciseID] = []
        for i in 0..<10 {
            let exercise = try Exercise(
                title: "Exercise \(i)", instructions: "Practise.", skillKey: "skill-\(i % 3)", rubric: rubric, ladder: ladder,
                cohorts: [i < 8 ? cohort.id : other.id])
            try await store.createExercise(exercise)
            exercises.append(exercise.id)
        }
        var people: [(UserID, CohortID)] = []
        for i in 0..<learners {
            let learner = try User(
                email: "bench-learner-\(i)-\(UUID().uuidString.prefix(6).lowercased())@example.org",
                displayName: "Learner \(i)", roles: [.learner])
            try await store.createUser(learner, passwordHash: nil)
            let home = i % 5 == 4 ? other.id : cohort.id
            try await store.putMembership(Membership(cohortID: home, userID: learner.id, part: .learner))
            people.append((learner.id, home))
        }
        let start = Date().addingTimeInterval(-Double(submissions) * 60)
        for i in 0..<submissions {
            let (learner, home) = people[i % people.count]
            let exercise = home == cohort.id ? exercises[i % 8] : exercises[8 + i % 2]
            _ = try await store.createSubmission(
                learner: learner, exercise: exercise, scaffoldLevel: 3, status: .ready,
                createdAt: start.addingTimeInterval(Double(i) * 60))
        }
        let (_, secret) = try await store.createToken(for: trainer.id, name: "bench", expiresAt: nil)
        await store.close()
        print(secret)
    }
}
