import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore
import SteigerStore

struct ScaffoldOverrideBody: RequestBody {
    static let fields: Set<String> = ["level", "reason"]
    var level: Int
    var reason: String
    static let schema = object([
        "level": ["type": "integer", "minimum": 0, "maximum": 9], "reason": ["type": "string", "minLength": 1, "maxLength": 2000],
    ])
}

extension SteigerAPI {
    var scaffoldingOperations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/exercises/{exerciseId}/supports", operationID: "getMySupports", tag: "scaffolding",
                summary: "The supports the calling learner gets for their next attempt (exactly their current level's), and how they got there",
                replies: [.init(status: 200, description: "The current level and its supports.", schema: ref("Supports"))],
                errors: [403: "The caller does not practise this exercise."],
                handler: { _, context in
                    let exercise = try await self.reachableExercise(context, .view)
                    let actor = try context.requireActor()
                    guard AccessPolicy.decide(actor, .create, .newSubmission(learner: actor.user.id, exercise: exercise)) == .allow else {
                        throw Problem(.supportsLearnersOnly)
                    }
                    return try .json(try await self.supports(for: actor, on: exercise, words: context.words))
                }),
            Operation(
                method: .get, path: "/api/v1/exercises/{exerciseId}/scaffolding", operationID: "getScaffoldingMatrix", tag: "scaffolding",
                summary: "The learners practising an exercise × their current level, with the last change; stalled learners first (trainers)",
                query: [.id("cohort", "Only learners of this cohort.")],
                replies: [.init(status: 200, description: "One row per learner.", schema: ref("ScaffoldMatrix"))],
                handler: { request, context in
                    let exercise = try await self.reachableExercise(context, .view)
                    return try .json(
                        try await self.matrix(
                            of: exercise, cohort: try request.queryID("cohort"), for: try context.requireActor(), words: context.words))
                }),
            Operation(
                method: .get, path: "/api/v1/exercises/{exerciseId}/scaffolding/{learnerId}", operationID: "getScaffoldingTrack", tag: "scaffolding",
                summary: "One learner's scaffolding on an exercise's skill: current level and supports, every change with its rule and evidence, "
                    + "and the timeline of reviews (the learner, and trainers who see their attempts)",
                replies: [.init(status: 200, description: "The learner's track.", schema: ref("ScaffoldTrack"))],
                handler: { _, context in
                    let (exercise, learner) = try await self.reachableTrack(context, .view)
                    return try .json(try await self.track(of: learner, on: exercise, for: try context.requireActor(), words: context.words))
                }),
            Operation(
                method: .put, path: "/api/v1/exercises/{exerciseId}/scaffolding/{learnerId}", operationID: "setScaffoldLevel", tag: "scaffolding",
                summary: "Set a learner's level by hand, with a reason (trainers); it holds until the next rule fires",
                body: ScaffoldOverrideBody.schema,
                replies: [.init(status: 200, description: "The learner's track after the change.", schema: ref("ScaffoldTrack"))],
                handler: { request, context in
                    let (exercise, learner) = try await self.reachableTrack(context, .update)
                    let body = try await request.decodeJSON(as: ScaffoldOverrideBody.self, context: context)
                    let override = try ScaffoldOverride(
                        trainerID: try context.requireActor().user.id, exerciseID: exercise.id, level: body.level,
                        top: exercise.ladder.top, reason: body.reason, at: self.configuration.now())
                    _ = try await self.store.recordScaffoldOverride(override, learner: learner.id, skill: exercise.skillKey)
                    context.logger.info(
                        "scaffold level set",
                        metadata: [
                            "learner": .string(learner.id.description),
                            "exercise": .string(exercise.id.description),
                            "level": .stringConvertible(body.level),
                        ])
                    return try .json(try await self.track(of: learner, on: exercise, for: try context.requireActor(), words: context.words))
                }),
            Operation(
                method: .get, path: "/api/v1/me/scaffolding", operationID: "listMyScaffolding", tag: "scaffolding",
                summary: "The calling learner's level and supports on each exercise they practise",
                replies: [
                    .init(
                        status: 200, description: "One entry per exercise, newest exercise first.",
                        schema: [
                            "type": "object", "properties": ["items": ["type": "array", "items": ref("MyScaffolding")]],
                            "required": ["items"], "additionalProperties": false,
                        ])
                ],
                handler: { _, context in
                    return try .json(["items": try await self.myScaffolding(for: try context.requireActor(), words: context.words)])
                }),
        ]
    }

    /// What `actor`, a learner of `exercise`, gets for their next attempt, and how they got there.
    func supports(for actor: Actor, on exercise: Exercise, words: Localizer) async throws -> SupportsView {
        let history = ScaffoldEngine.replay(try await store.scaffoldLog(learner: actor.user.id, skill: exercise.skillKey))
        let names = try await scaffoldNames(for: [], transitions: history.transitions, known: [exercise], actor: actor, ownTrack: true, words: words)
        let view = StandingView(history.state, ladder: exercise.ladder, names: names)
        return SupportsView(
            exerciseId: exercise.id.description, current: ScaffoldLevelView(exercise.ladder, level: view.level), standing: view,
            history: history.transitions.map(names.sentence))
    }

    /// `actor`'s level and supports on each exercise they learn, newest exercise first.
    func myScaffolding(for actor: Actor, words: Localizer) async throws -> [MyScaffoldingView] {
        var exercises: [Exercise] = []
        var page = PageRequest(limit: 200)
        while true {
            let batch = try await store.exercises(scope: AccessPolicy.listScope(for: actor), page: page)
            exercises += batch.items.filter { $0.cohorts.contains(where: actor.learns(in:)) }
            guard let next = batch.next else { break }
            page = PageRequest(limit: 200, after: next)
        }
        let standings = try await store.scaffoldStandings(learner: actor.user.id)
        let names = try await scaffoldNames(
            for: [], transitions: standings.values.compactMap(\.lastTransition), known: exercises, actor: actor,
            ownTrack: true, words: words)
        return exercises.map { exercise in
            let standing = StandingView(standings[exercise.skillKey], ladder: exercise.ladder, names: names)
            return MyScaffoldingView(
                exerciseId: exercise.id.description, title: exercise.title,
                current: ScaffoldLevelView(exercise.ladder, level: standing.level), standing: standing)
        }
    }

    /// The exercise and learner named in the path, if the caller may do `action` to that
    /// learner's scaffolding (404 for a learner out of reach, or not a learner of the exercise,
    /// never their data).
    private func reachableTrack(_ context: AppContext, _ action: Action) async throws -> (Exercise, User) {
        let exercise = try await reachableExercise(context, .view)
        let id: UserID = try context.id("learnerId", of: .learner)
        return (exercise, try await reachableLearner(id, on: exercise, for: try context.requireActor(), action).user)
    }

    /// The learner `id` of `exercise` and their memberships, if `actor` may do `action` to their
    /// scaffolding.
    func reachableLearner(
        _ id: UserID, on exercise: Exercise, for actor: Actor, _ action: Action
    ) async throws
        -> (user: User, memberships: [Membership])
    {
        guard let learner = try await store.user(id) else { throw Problem.notFound(.learner) }
        let memberships = try await store.memberships(of: learner.id)
        try AccessPolicy.decide(actor, action, .scaffolding(learner: learner.id, exercise: exercise, learnerMemberships: memberships)).require(
            .learner)
        guard memberships.contains(where: { $0.part == .learner && exercise.cohorts.contains($0.cohortID) }) else {
            throw Problem.notFound(.learner)
        }
        return (learner, memberships)
    }

    /// The learners of `exercise` in `actor`'s reach (optionally one cohort's) × their level.
    /// - Throws: 403 for a learner of the exercise, 404 for anyone else without it.
    func matrix(of exercise: Exercise, cohort: CohortID?, for actor: Actor, words: Localizer) async throws -> ScaffoldMatrixView {
        try AccessPolicy.decide(actor, .view, .scaffoldingMatrix(exercise)).require(.scaffolding)
        var cohorts = actor.user.has(.admin) ? exercise.cohorts : exercise.cohorts.filter(actor.trains)
        if let cohort { cohorts = cohorts.filter { $0 == cohort } }
        let rows = try await store.scaffoldMatrix(exercise: exercise, cohorts: cohorts)
        let names = try await scaffoldNames(
            for: [], transitions: rows.compactMap { $0.standing?.lastTransition }, known: [exercise], actor: actor,
            ownTrack: false, words: words)
        return ScaffoldMatrixView(
            exerciseId: exercise.id.description,
            levels: exercise.ladder.levels.map { ScaffoldLevelView(exercise.ladder, level: $0.number) },
            rows: rows.map { row in
                .init(
                    learner: PersonView(id: row.learnerID.description, displayName: row.displayName), attempts: row.attempts,
                    standing: StandingView(row.standing, ladder: exercise.ladder, names: names))
            })
    }

    func track(of learner: User, on exercise: Exercise, for actor: Actor, words: Localizer) async throws -> ScaffoldTrackView {
        let history = ScaffoldEngine.replay(try await store.scaffoldLog(learner: learner.id, skill: exercise.skillKey))
        let names = try await scaffoldNames(
            for: history.steps.map(\.event.exerciseID), transitions: history.transitions, known: [exercise],
            actor: actor, ownTrack: learner.id == actor.user.id, words: words)
        let view = StandingView(history.state, ladder: exercise.ladder, names: names)
        let attempts = try await store.submissions(
            scope: .everything, filter: SubmissionFilter(exercise: exercise.id, learner: learner.id),
            page: PageRequest(limit: 200))
        return ScaffoldTrackView(
            learner: PersonView(id: learner.id.description, displayName: learner.displayName), exerciseId: exercise.id.description,
            skillKey: exercise.skillKey, current: ScaffoldLevelView(exercise.ladder, level: view.level), standing: view,
            transitions: history.transitions.map { TransitionView($0, names: names) },
            timeline: history.steps.map { StepView($0, names: names) }, attempts: attempts.items.map { SubmissionView($0, words: words) })
    }

    /// What the sentences need (each exercise's ladder, trainers' names), and which exercises'
    /// events `actor` may see in full: all of them on their own track and for admins; for a
    /// trainer, those assigned to a cohort they train (another cohort's events of the same skill
    /// show only as level changes).
    func scaffoldNames(
        for exercises: [ExerciseID], transitions: [ScaffoldTransition], known: [Exercise], actor: Actor,
        ownTrack: Bool, words: Localizer
    ) async throws -> ScaffoldNames {
        var found = Dictionary(known.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for id in Set(exercises + transitions.map(\.exerciseID)) where found[id] == nil {
            if let exercise = try await store.exercise(id) { found[id] = exercise }
        }
        var people: [UserID: String] = [:]
        for id in Set(transitions.compactMap(\.trainerID)) {
            if let user = try await store.user(id) { people[id] = user.displayName }
        }
        let everything = ownTrack || actor.user.has(.admin)
        let visible = Set(found.values.filter { everything || $0.cohorts.contains(where: actor.trains) }.map(\.id))
        return ScaffoldNames(ladders: found.mapValues(\.ladder), people: people, visible: visible, words: words)
    }
}
