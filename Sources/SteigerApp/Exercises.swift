import Foundation
import SteigerCore
import SteigerStore

/// An exercise as given to create or change one; nil leaves a field as it is (or, creating, at
/// its default where it has one).
public struct ExerciseDraft: Sendable {
    public var title: String?
    public var instructions: String?
    public var skillKey: String?
    public var rubric: Rubric?
    public var ladder: ScaffoldLadder?
    public var cohorts: Set<CohortID>?
    public var review: ReviewSettings?
    /// Changes to the scaffolding policy: the current one (or the default) in, the new one out.
    public var policy: (@Sendable (ScaffoldPolicy) -> ScaffoldPolicy)?

    public init(
        title: String? = nil, instructions: String? = nil, skillKey: String? = nil, rubric: Rubric? = nil, ladder: ScaffoldLadder? = nil,
        cohorts: Set<CohortID>? = nil, review: ReviewSettings? = nil, policy: (@Sendable (ScaffoldPolicy) -> ScaffoldPolicy)? = nil
    ) {
        self.title = title
        self.instructions = instructions
        self.skillKey = skillKey
        self.rubric = rubric
        self.ladder = ladder
        self.cohorts = cohorts
        self.review = review
        self.policy = policy
    }
}

/// Exercises: what learners practise, how it is scored, and the ladder of supports.
public struct Exercises: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    /// The exercises assigned to `actor`'s cohorts (administrators: all), newest first,
    /// optionally those of one cohort.
    public func list(_ actor: Actor, cohort: CohortID? = nil, page: PageRequest) async throws -> Page<Exercise> {
        try await store.exercises(scope: AccessPolicy.listScope(for: actor), cohort: cohort, page: page)
    }

    /// Every exercise `actor` may see, newest first (all pages).
    public func all(_ actor: Actor) async throws -> [Exercise] {
        var exercises: [Exercise] = []
        var page = PageRequest(limit: 200)
        while true {
            let batch = try await list(actor, page: page)
            exercises += batch.items
            guard let next = batch.next else { return exercises }
            page = PageRequest(limit: 200, after: next)
        }
    }

    /// The exercises of the cohorts `actor` trains (administrators: all), newest first.
    public func trained(_ actor: Actor) async throws -> [Exercise] {
        try await all(actor).filter { AccessPolicy.decide(actor, .view, .scaffoldingMatrix($0)) == .allow }
    }

    /// The exercise `id`, if `actor` may do `action` to it.
    public func exercise(_ actor: Actor, _ id: ExerciseID, for action: Action = .view) async throws -> Exercise {
        guard let exercise = try await store.exercise(id) else { throw AppError.notFound(.exercise) }
        try AccessPolicy.require(actor, action, .exercise(exercise), .exercise)
        return exercise
    }

    /// The exercise `id`, if `actor` may submit an attempt at it (a learner of one of its cohorts);
    /// anyone else finds no such exercise.
    public func practised(_ actor: Actor, _ id: ExerciseID) async throws -> Exercise {
        guard let exercise = try await store.exercise(id),
            AccessPolicy.decide(actor, .create, .newSubmission(learner: actor.user.id, exercise: exercise)) == .allow
        else { throw AppError.notFound(.exercise) }
        return exercise
    }

    /// Adds an exercise (administrators): title, instructions, skill, rubric and ladder are required.
    public func create(_ actor: Actor, _ draft: ExerciseDraft) async throws -> Exercise {
        try AccessPolicy.require(actor, .create, .newRecord, .exercise)
        let missing = [
            "title": draft.title == nil, "instructions": draft.instructions == nil, "skillKey": draft.skillKey == nil,
            "rubric": draft.rubric == nil, "ladder": draft.ladder == nil,
        ].filter(\.value).keys.sorted()
        guard missing.isEmpty, let title = draft.title, let instructions = draft.instructions, let skillKey = draft.skillKey,
            let rubric = draft.rubric, let ladder = draft.ladder
        else {
            throw ValidationError(missing.map { .init(field: $0, message: Message("validation.required")) })
        }
        try await checkLadderHeight(ladder, skill: skillKey, exercise: nil)
        let exercise = try Exercise(
            title: title, instructions: instructions, skillKey: skillKey, rubric: rubric, ladder: ladder, cohorts: draft.cohorts ?? [],
            review: draft.review ?? ReviewSettings(), policy: draft.policy?(ScaffoldPolicy()) ?? ScaffoldPolicy(), createdAt: now())
        try await saving { try await store.createExercise(exercise) }
        return exercise
    }

    /// Changes an exercise (administrators); what the draft leaves out stays.
    public func update(_ actor: Actor, _ id: ExerciseID, _ draft: ExerciseDraft) async throws -> Exercise {
        let exercise = try await exercise(actor, id, for: .update)
        if draft.ladder != nil || draft.skillKey != nil {
            try await checkLadderHeight(draft.ladder ?? exercise.ladder, skill: draft.skillKey ?? exercise.skillKey, exercise: exercise.id)
        }
        let changed = try Exercise(
            id: exercise.id, title: draft.title ?? exercise.title, instructions: draft.instructions ?? exercise.instructions,
            skillKey: draft.skillKey ?? exercise.skillKey, rubric: draft.rubric ?? exercise.rubric, ladder: draft.ladder ?? exercise.ladder,
            cohorts: draft.cohorts ?? exercise.cohorts, review: draft.review ?? exercise.review,
            policy: draft.policy?(exercise.policy) ?? exercise.policy, policyVersion: exercise.policyVersion, createdAt: exercise.createdAt)
        return try await saving { try await store.updateExercise(changed) }
    }

    /// Removes an exercise nobody has submitted to (administrators).
    /// - Throws: ``ProblemKind/exerciseHasAttempts``.
    public func delete(_ actor: Actor, _ id: ExerciseID) async throws {
        let exercise = try await exercise(actor, id, for: .delete)
        try await store.deleteExercise(exercise.id)
    }

    /// Levels are kept per learner and skill, so every exercise of a skill needs a ladder of the
    /// same height. - Throws: a problem on `ladder` naming the exercise it must match.
    private func checkLadderHeight(_ ladder: ScaffoldLadder, skill: String, exercise: ExerciseID?) async throws {
        let others = try await store.ladderHeights(skill: skill).filter { $0.exercise != exercise }
        if let other = others.first(where: { $0.top != ladder.top }) {
            throw AppError.invalid(
                "ladder",
                Message("validation.ladderHeight", ["levels": .integer(other.top + 1), "skill": .text(skill), "title": .text(other.title)]))
        }
    }

    /// Runs a save, answering an unknown cohort as a problem of `cohorts`.
    private func saving<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch StoreError.reference {
            throw AppError.invalid("cohorts", Message("validation.unknownCohort"))
        }
    }
}
