import Foundation
import SteigerCore
import SteigerStore

/// A small organisation seeded into a store, the same for the store and HTTP suites:
///
/// - `admin`;
/// - cohort A, trained by `trainerA`, with learners `learnerA1` and `learnerA2`;
/// - cohort B, trained by `trainerB`, with learner `learnerB`;
/// - `outsider`, a learner in no cohort; `disabled`, a disabled learner in cohort A;
/// - exercise `exerciseA` assigned to A, `exerciseB` assigned to B;
/// - one submission each by learnerA1 (`submissionA1`, shared with learnerA2 for peer review),
///   learnerA2 (`submissionA2`) and learnerB (`submissionB`).
public struct World: Sendable {
    public var admin, trainerA, trainerB, learnerA1, learnerA2, learnerB, outsider, disabled: User
    public var cohortA, cohortB: Cohort
    public var exerciseA, exerciseB: Exercise
    public var submissionA1, submissionA2, submissionB: Submission

    /// Everyone, for looping over actors.
    public var users: [User] { [admin, trainerA, trainerB, learnerA1, learnerA2, learnerB, outsider, disabled] }

    /// The password every seeded user has.
    public static let password = "correct horse battery staple"

    /// Seeds the world; `passwordHash` is stored for every user.
    public static func seed(_ store: Store, passwordHash: String? = nil) async throws -> World {
        func user(_ name: String, _ roles: Set<Role>, disabled: Bool = false) async throws -> User {
            let user = try User(email: "\(name)@example.org", displayName: name, roles: roles, isDisabled: disabled)
            try await store.createUser(user, passwordHash: passwordHash)
            return user
        }
        let admin = try await user("admin", [.admin])
        let trainerA = try await user("trainer-a", [.trainer])
        let trainerB = try await user("trainer-b", [.trainer])
        let learnerA1 = try await user("learner-a1", [.learner])
        let learnerA2 = try await user("learner-a2", [.learner])
        let learnerB = try await user("learner-b", [.learner])
        let outsider = try await user("outsider", [.learner])
        let disabled = try await user("disabled", [.learner], disabled: true)
        let cohortA = try Cohort(name: "Cohort A"), cohortB = try Cohort(name: "Cohort B")
        try await store.createCohort(cohortA)
        try await store.createCohort(cohortB)
        for (cohort, member, part) in [
            (cohortA, trainerA, Membership.Part.trainer), (cohortA, learnerA1, .learner), (cohortA, learnerA2, .learner),
            (cohortA, disabled, .learner), (cohortB, trainerB, .trainer), (cohortB, learnerB, .learner),
        ] {
            try await store.putMembership(Membership(cohortID: cohort.id, userID: member.id, part: part))
        }
        let exerciseA = try World.exercise("Price objection", cohorts: [cohortA.id])
        let exerciseB = try World.exercise("Angry customer", cohorts: [cohortB.id])
        try await store.createExercise(exerciseA)
        try await store.createExercise(exerciseB)
        var submissionA1 = try await store.createSubmission(learner: learnerA1.id, exercise: exerciseA.id, scaffoldLevel: 3)
        try await store.share(submissionA1.id, with: learnerA2.id)
        submissionA1.sharedWith = [learnerA2.id]
        let submissionA2 = try await store.createSubmission(learner: learnerA2.id, exercise: exerciseA.id, scaffoldLevel: 3)
        let submissionB = try await store.createSubmission(learner: learnerB.id, exercise: exerciseB.id, scaffoldLevel: 3)
        return World(
            admin: admin, trainerA: trainerA, trainerB: trainerB, learnerA1: learnerA1, learnerA2: learnerA2, learnerB: learnerB,
            outsider: outsider, disabled: disabled, cohortA: cohortA, cohortB: cohortB, exerciseA: exerciseA, exerciseB: exerciseB,
            submissionA1: submissionA1, submissionA2: submissionA2, submissionB: submissionB)
    }

    /// A valid exercise with a two-criterion rubric and the standard ladder.
    public static func exercise(_ title: String, cohorts: Set<CohortID>) throws -> Exercise {
        let scale = [Rubric.Level(value: 1, label: "Not yet"), .init(value: 2, label: "Partly"), .init(value: 3, label: "Fully")]
        let rubric = try Rubric(criteria: [
            .init(key: "empathy", title: "Shows empathy", weight: 2, scale: scale),
            .init(key: "next-step", title: "Agrees a next step", weight: 1, scale: scale),
        ])
        let ladder = try ScaffoldLadder.standard(
            modelVideo: "model.mp4", script: "Say: I understand.", prompts: ["Acknowledge"],
            checklist: ["Acknowledge", "Ask", "Agree"])
        return try Exercise(
            title: title, instructions: "Respond to the customer.", skillKey: "objection-handling", rubric: rubric,
            ladder: ladder, cohorts: cohorts)
    }
}
