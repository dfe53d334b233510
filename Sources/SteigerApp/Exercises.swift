import Foundation
import SteigerCore
import SteigerStore

/// An exercise as given to create or change one; nil leaves a field as it is (or, creating, at
/// its default where it has one).
public struct ExerciseDraft: Sendable {
    public var title: String?
    public var instructions: String?
    /// The clip to respond to: nil leaves it, `.some(nil)` (or an empty text) takes it away.
    public var stimulus: String??
    public var skillKey: String?
    /// The skill's name; creating, a draft without a key gets one made from it; changing, a new
    /// name without a key renames the skill and keeps the key (and so the learners' levels).
    public var skillName: String?
    public var rubric: Rubric?
    public var ladder: ScaffoldLadder?
    public var cohorts: Set<CohortID>?
    public var review: ReviewSettings?
    /// Changes to the scaffolding policy: the current one (or the default) in, the new one out.
    public var policy: (@Sendable (ScaffoldPolicy) -> ScaffoldPolicy)?
    /// Problems found reading the draft (a rubric, ladder or review settings that broke their
    /// rules), reported together with every other problem of the exercise.
    public var problems: [ValidationError.Problem]

    public init(
        title: String? = nil, instructions: String? = nil, stimulus: String?? = nil, skillKey: String? = nil, skillName: String? = nil,
        rubric: Rubric? = nil,
        ladder: ScaffoldLadder? = nil, cohorts: Set<CohortID>? = nil, review: ReviewSettings? = nil,
        policy: (@Sendable (ScaffoldPolicy) -> ScaffoldPolicy)? = nil, problems: [ValidationError.Problem] = []
    ) {
        self.title = title
        self.instructions = instructions
        self.stimulus = stimulus
        self.skillKey = skillKey
        self.skillName = skillName
        self.rubric = rubric
        self.ladder = ladder
        self.cohorts = cohorts
        self.review = review
        self.policy = policy
        self.problems = problems
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

    /// Adds an exercise (administrators): title, instructions, skill (a key or a name), rubric and
    /// ladder are required.
    public func create(_ actor: Actor, _ draft: ExerciseDraft) async throws -> Exercise {
        try AccessPolicy.require(actor, .create, .newRecord, .exercise)
        let read = Set(draft.problems.map { String($0.field.prefix { $0 != "." && $0 != "[" }) })
        let missing = [
            "title": draft.title == nil, "instructions": draft.instructions == nil, "skillKey": draft.skillKey == nil && draft.skillName == nil,
            "rubric": draft.rubric == nil, "ladder": draft.ladder == nil,
        ].filter { $0.value && !read.contains($0.key) }.keys.sorted()
        let policy = draft.policy?(ScaffoldPolicy()) ?? ScaffoldPolicy()
        guard missing.isEmpty, draft.problems.isEmpty, let title = draft.title, let instructions = draft.instructions,
            let rubric = draft.rubric, let ladder = draft.ladder
        else {
            // A missing field counts once, as missing.
            throw ValidationError(
                Self.everyProblem(
                    draft, missing: missing, title: draft.title ?? "", instructions: draft.instructions ?? "",
                    stimulus: draft.stimulus ?? nil, skillKey: draft.skillKey ?? "", skillName: draft.skillName ?? "",
                    review: draft.review ?? ReviewSettings(), policy: policy))
        }
        let exercise = try Exercise(
            title: title, instructions: instructions, stimulus: draft.stimulus ?? nil, skillKey: draft.skillKey ?? "",
            skillName: draft.skillName ?? "", rubric: rubric,
            ladder: ladder, cohorts: draft.cohorts ?? [], review: draft.review ?? ReviewSettings(), policy: policy, createdAt: now())
        try checkSupports(exercise.ladder)
        try await checkLadderHeight(exercise.ladder, skill: exercise.skillKey, exercise: nil)
        try await saving { try await store.createExercise(exercise) }
        try await store.audit(actor.user.id, .exerciseChanged, "exercise", exercise.id.description, detail: "created", at: now())
        return exercise
    }

    /// Changes an exercise (administrators); what the draft leaves out stays.
    public func update(_ actor: Actor, _ id: ExerciseID, _ draft: ExerciseDraft) async throws -> Exercise {
        let exercise = try await exercise(actor, id, for: .update)
        if !draft.problems.isEmpty {
            throw ValidationError(
                Self.everyProblem(
                    draft, missing: [], title: draft.title ?? exercise.title, instructions: draft.instructions ?? exercise.instructions,
                    stimulus: draft.stimulus ?? exercise.stimulus,
                    skillKey: draft.skillKey ?? exercise.skillKey, skillName: draft.skillName ?? exercise.skillName,
                    review: draft.review ?? exercise.review, policy: draft.policy?(exercise.policy) ?? exercise.policy))
        }
        let changed = try Exercise(
            id: exercise.id, title: draft.title ?? exercise.title, instructions: draft.instructions ?? exercise.instructions,
            stimulus: draft.stimulus ?? exercise.stimulus,
            skillKey: draft.skillKey ?? exercise.skillKey, skillName: draft.skillName ?? exercise.skillName,
            rubric: draft.rubric ?? exercise.rubric, ladder: draft.ladder ?? exercise.ladder, cohorts: draft.cohorts ?? exercise.cohorts,
            review: draft.review ?? exercise.review, policy: draft.policy?(exercise.policy) ?? exercise.policy,
            policyVersion: exercise.policyVersion, createdAt: exercise.createdAt)
        if draft.ladder != nil { try checkSupports(changed.ladder) }
        if changed.ladder.top != exercise.ladder.top || changed.skillKey != exercise.skillKey {
            try await checkLadderHeight(changed.ladder, skill: changed.skillKey, exercise: exercise.id)
        }
        let stored = try await saving { try await store.updateExercise(changed) }
        try await store.audit(actor.user.id, .exerciseChanged, "exercise", exercise.id.description, detail: "changed", at: now())
        return stored
    }

    /// Removes an exercise nobody has submitted to (administrators).
    /// - Throws: ``ProblemKind/exerciseHasAttempts``.
    public func delete(_ actor: Actor, _ id: ExerciseID) async throws {
        let exercise = try await exercise(actor, id, for: .delete)
        try await store.deleteExercise(exercise.id)
        try await store.audit(actor.user.id, .exerciseChanged, "exercise", exercise.id.description, detail: "removed", at: now())
    }

    /// A ladder given now: every level above "on your own" gives a support.
    private func checkSupports(_ ladder: ScaffoldLadder) throws {
        let problems = Self.supportProblems(ladder)
        if !problems.isEmpty { throw ValidationError(problems) }
    }

    /// Every problem of a draft at once, so a person mends them in one go: what could not be read,
    /// what is missing, and the exercise's rules on the rest (with these values).
    private static func everyProblem(
        _ draft: ExerciseDraft, missing: [String], title: String, instructions: String, stimulus: String?, skillKey: String,
        skillName: String, review: ReviewSettings, policy: ScaffoldPolicy
    ) -> [ValidationError.Problem] {
        var problems = draft.problems + missing.map { .init(field: $0, message: Message("validation.required")) }
        // A field reported missing is not reported again for being empty (a missing skill is either field).
        let reported = Set(missing + (missing.contains("skillKey") ? ["skillName"] : []))
        problems += Exercise.problems(
            title: title, instructions: instructions, stimulus: stimulus, skillKey: skillKey.isEmpty ? Slug.derive(from: skillName) : skillKey,
            skillName: skillName, review: review, policy: policy
        ).filter { !reported.contains($0.field) }
        if let ladder = draft.ladder { problems += supportProblems(ladder) }
        return problems
    }

    private static func supportProblems(_ ladder: ScaffoldLadder) -> [ValidationError.Problem] {
        do { try ladder.checkSupportsGiven() } catch {
            return error.problems.map { .init(field: "ladder." + $0.field, message: $0.message) }
        }
        return []
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
