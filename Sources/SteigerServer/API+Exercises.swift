import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore
import SteigerStore

struct ExerciseBody: RequestBody {
    static let fields: Set<String> = ["title", "instructions", "skillKey", "rubric", "ladder", "cohorts", "review", "policy"]
    var title: String?
    var instructions: String?
    var skillKey: String?
    var rubric: Rubric?
    var ladder: ScaffoldLadder?
    var cohorts: [CohortID]?
    var review: ReviewSettings?
    var policy: PolicyPatch?

    static func schema(creating: Bool) -> JSONValue {
        object(
            [
                "title": ["type": "string", "minLength": 1, "maxLength": 200], "instructions": ["type": "string", "minLength": 1],
                "skillKey": ["type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"], "rubric": ref("Rubric"),
                "ladder": ref("ScaffoldLadder"), "cohorts": ["type": "array", "items": uuid], "review": ref("ReviewSettings"),
                "policy": ref("ScaffoldPolicy"),
            ], optional: creating ? ["cohorts", "review", "policy"] : fields)
    }
}

/// A policy in a request: the fields given replace the current (or default) values, the rest stay.
struct PolicyPatch: Decodable, Sendable {
    var withdrawAfter: Int?
    var masteryThreshold: Double?
    var criterionFloor: Double?
    var reinstateAfter: Int?
    var supportThreshold: Double?
    var delayedCheckDays: Int?
    var stallAfter: Int?
    var peerReviewsMoveLevels: Bool?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case withdrawAfter, masteryThreshold, criterionFloor, reinstateAfter, supportThreshold, delayedCheckDays, stallAfter, peerReviewsMoveLevels
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let unknown = try decoder.container(keyedBy: FieldKey.self).allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            let path = ValidationError.fieldPath(decoder.codingPath)
            throw ValidationError(
                unknown.map {
                    .init(
                        field: path + "." + $0, message: Message("validation.unknownField", ["known": .text(known.sorted().joined(separator: ", "))]))
                })
        }
        withdrawAfter = try container.decodeIfPresent(Int.self, forKey: .withdrawAfter)
        masteryThreshold = try container.decodeIfPresent(Double.self, forKey: .masteryThreshold)
        criterionFloor = try container.decodeIfPresent(Double.self, forKey: .criterionFloor)
        reinstateAfter = try container.decodeIfPresent(Int.self, forKey: .reinstateAfter)
        supportThreshold = try container.decodeIfPresent(Double.self, forKey: .supportThreshold)
        delayedCheckDays = try container.decodeIfPresent(Int.self, forKey: .delayedCheckDays)
        stallAfter = try container.decodeIfPresent(Int.self, forKey: .stallAfter)
        peerReviewsMoveLevels = try container.decodeIfPresent(Bool.self, forKey: .peerReviewsMoveLevels)
    }

    func applied(to policy: ScaffoldPolicy) -> ScaffoldPolicy {
        ScaffoldPolicy(
            withdrawAfter: withdrawAfter ?? policy.withdrawAfter, masteryThreshold: masteryThreshold ?? policy.masteryThreshold,
            criterionFloor: criterionFloor ?? policy.criterionFloor, reinstateAfter: reinstateAfter ?? policy.reinstateAfter,
            supportThreshold: supportThreshold ?? policy.supportThreshold, delayedCheckDays: delayedCheckDays ?? policy.delayedCheckDays,
            stallAfter: stallAfter ?? policy.stallAfter, peerReviewsMoveLevels: peerReviewsMoveLevels ?? policy.peerReviewsMoveLevels)
    }
}

extension SteigerAPI {
    var exerciseOperations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/exercises", operationID: "listExercises", tag: "exercises",
                summary: "Exercises assigned to the caller's cohorts (admins: all)",
                query: [.limit, .cursor, .id("cohort", "Only exercises assigned to this cohort.")],
                replies: [.init(status: 200, description: "Exercises, newest first.", schema: PageView<ExerciseView>.schema(of: "Exercise"))],
                handler: { request, context in
                    let actor = try context.requireActor()
                    let page = try await self.store.exercises(
                        scope: AccessPolicy.listScope(for: actor), cohort: try request.queryID("cohort"),
                        page: try request.pageRequest())
                    return try .json(PageView(page) { ExerciseView($0, for: actor) })
                }),
            Operation(
                method: .post, path: "/api/v1/exercises", operationID: "createExercise", tag: "exercises", summary: "Add an exercise (admins)",
                body: ExerciseBody.schema(creating: true), replies: [.init(status: 201, description: "The new exercise.", schema: ref("Exercise"))],
                handler: { request, context in
                    let actor = try context.requireActor()
                    try AccessPolicy.decide(actor, .create, .newRecord).require(.exercise)
                    let body = try await request.decodeJSON(as: ExerciseBody.self, context: context)
                    let missing = [
                        "title": body.title == nil, "instructions": body.instructions == nil, "skillKey": body.skillKey == nil,
                        "rubric": body.rubric == nil, "ladder": body.ladder == nil,
                    ].filter(\.value).keys.sorted()
                    if !missing.isEmpty {
                        throw Problem.invalid(ValidationError(missing.map { .init(field: $0, message: Message("validation.required")) }))
                    }
                    try await self.checkLadderHeight(body.ladder!, skill: body.skillKey!, exercise: nil)
                    let exercise = try Exercise(
                        title: body.title!, instructions: body.instructions!, skillKey: body.skillKey!, rubric: body.rubric!,
                        ladder: body.ladder!, cohorts: Set(body.cohorts ?? []), review: body.review ?? ReviewSettings(),
                        policy: body.policy?.applied(to: ScaffoldPolicy()) ?? ScaffoldPolicy(),
                        createdAt: self.configuration.now())
                    let saved = try await self.saveExercise(exercise, creating: true)
                    return try .json(ExerciseView(saved, for: actor), status: .created)
                }),
            Operation(
                method: .get, path: "/api/v1/exercises/{exerciseId}", operationID: "getExercise", tag: "exercises", summary: "One exercise",
                replies: [.init(status: 200, description: "The exercise.", schema: ref("Exercise"))],
                handler: { _, context in
                    try .json(ExerciseView(try await self.reachableExercise(context, .view), for: try context.requireActor()))
                }),
            Operation(
                method: .patch, path: "/api/v1/exercises/{exerciseId}", operationID: "updateExercise", tag: "exercises",
                summary: "Change an exercise (admins); fields left out stay", body: ExerciseBody.schema(creating: false),
                replies: [.init(status: 200, description: "The changed exercise.", schema: ref("Exercise"))],
                handler: { request, context in
                    let exercise = try await self.reachableExercise(context, .update)
                    let body = try await request.decodeJSON(as: ExerciseBody.self, context: context)
                    if body.ladder != nil || body.skillKey != nil {
                        try await self.checkLadderHeight(
                            body.ladder ?? exercise.ladder, skill: body.skillKey ?? exercise.skillKey, exercise: exercise.id)
                    }
                    let changed = try Exercise(
                        id: exercise.id, title: body.title ?? exercise.title, instructions: body.instructions ?? exercise.instructions,
                        skillKey: body.skillKey ?? exercise.skillKey, rubric: body.rubric ?? exercise.rubric,
                        ladder: body.ladder ?? exercise.ladder, cohorts: body.cohorts.map { Set($0) } ?? exercise.cohorts,
                        review: body.review ?? exercise.review, policy: body.policy?.applied(to: exercise.policy) ?? exercise.policy,
                        policyVersion: exercise.policyVersion, createdAt: exercise.createdAt)
                    let saved = try await self.saveExercise(changed, creating: false)
                    return try .json(ExerciseView(saved, for: try context.requireActor()))
                }),
            Operation(
                method: .delete, path: "/api/v1/exercises/{exerciseId}", operationID: "deleteExercise", tag: "exercises",
                summary: "Remove an exercise nobody has submitted to (admins)", replies: [.init(status: 204, description: "Removed.")],
                errors: [409: "Attempts were submitted for the exercise."],
                handler: { _, context in
                    let exercise = try await self.reachableExercise(context, .delete)
                    try await self.store.deleteExercise(exercise.id)
                    return .noContent()
                }),
        ]
    }

    /// The exercise named in the path, if the caller may do `action` to it.
    func reachableExercise(_ context: AppContext, _ action: Action) async throws -> Exercise {
        let actor = try context.requireActor()
        let id: ExerciseID = try context.id("exerciseId", of: .exercise)
        guard let exercise = try await store.exercise(id) else { throw Problem.notFound(.exercise) }
        try AccessPolicy.decide(actor, action, .exercise(exercise)).require(.exercise)
        return exercise
    }

    /// Levels are kept per learner and skill, so every exercise of a skill needs a ladder of the
    /// same height. - Throws: 422 on `ladder` naming the exercise it must match.
    private func checkLadderHeight(_ ladder: ScaffoldLadder, skill: String, exercise: ExerciseID?) async throws {
        let others = try await store.ladderHeights(skill: skill).filter { $0.exercise != exercise }
        if let other = others.first(where: { $0.top != ladder.top }) {
            throw Problem.invalid(
                ValidationError(
                    field: "ladder",
                    Message(
                        "validation.ladderHeight",
                        [
                            "levels": .integer(other.top + 1), "skill": .text(skill), "title": .text(other.title),
                        ])))
        }
    }

    private func saveExercise(_ exercise: Exercise, creating: Bool) async throws -> Exercise {
        do {
            if creating {
                try await store.createExercise(exercise)
                return exercise
            }
            return try await store.updateExercise(exercise)
        } catch StoreError.reference {
            throw Problem.invalid(ValidationError(field: "cohorts", Message("validation.unknownCohort")))
        }
    }
}
