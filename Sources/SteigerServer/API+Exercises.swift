import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

struct ExerciseBody: RequestBody {
    var title: String?
    var instructions: String?
    /// Absent: left as it is; null or empty: taken away.
    var stimulus: String??
    var skillKey: String?
    var skillName: String?
    var rubric: Rubric?
    var ladder: ScaffoldLadder?
    var cohorts: [CohortID]?
    var review: ReviewSettings?
    var policy: PolicyPatch?
    /// What was wrong in the rubric, ladder and review settings, each read on its own so that all
    /// their problems come back together with the rest of the exercise's.
    var problems: [ValidationError.Problem] = []

    private enum CodingKeys: String, CodingKey {
        case title, instructions, stimulus, skillKey, skillName, rubric, ladder, cohorts, review, policy
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        instructions = try container.decodeIfPresent(String.self, forKey: .instructions)
        if container.contains(.stimulus) { stimulus = .some(try container.decodeIfPresent(String.self, forKey: .stimulus)) }
        skillKey = try container.decodeIfPresent(String.self, forKey: .skillKey)
        skillName = try container.decodeIfPresent(String.self, forKey: .skillName)
        cohorts = try container.decodeIfPresent([CohortID].self, forKey: .cohorts)
        policy = try container.decodeIfPresent(PolicyPatch.self, forKey: .policy)
        var problems: [ValidationError.Problem] = []
        func part<T: Decodable>(_ key: CodingKeys) -> T? {
            do {
                return try container.decodeIfPresent(T.self, forKey: key)
            } catch let error as ValidationError {
                problems += error.problems
            } catch let error as DecodingError {
                problems += error.problem
            } catch {
                problems.append(.init(field: key.rawValue, message: Message("validation.invalidValue")))
            }
            return nil
        }
        rubric = part(.rubric)
        ladder = part(.ladder)
        review = part(.review)
        self.problems = problems
    }

    static let properties: [String: JSONValue] = [
        "title": ["type": "string", "minLength": 1, "maxLength": 200], "instructions": ["type": "string", "minLength": 1],
        "stimulus": [
            "type": ["string", "null"], "maxLength": 2000,
            "description":
                "A clip the learner responds to, shown at every level: a library item's reference (media:<id>) or an address; null or empty for none.",
        ],
        "skillKey": ["type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"],
        "skillName": [
            "type": "string", "minLength": 1, "maxLength": 100,
            "description": "Creating without a skillKey, the key is made from the name; changing, a name without a key renames the skill.",
        ],
        "rubric": ref("Rubric"),
        "ladder": ref("ScaffoldLadder"), "cohorts": ["type": "array", "items": uuid], "review": ref("ReviewSettings"),
        "policy": ref("ScaffoldPolicy"),
    ]

    static func schema(creating: Bool) -> JSONValue {
        object(properties, optional: creating ? ["cohorts", "review", "policy", "skillKey", "skillName", "stimulus"] : Set(properties.keys))
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
    var rechecks: [Int]?
    var stallAfter: Int?
    var peerReviewsMoveLevels: Bool?
    var guestReviewsMoveLevels: Bool?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case withdrawAfter, masteryThreshold, criterionFloor, reinstateAfter, supportThreshold, delayedCheckDays, rechecks, stallAfter
        case peerReviewsMoveLevels, guestReviewsMoveLevels
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
        rechecks = try container.decodeIfPresent([Int].self, forKey: .rechecks)
        stallAfter = try container.decodeIfPresent(Int.self, forKey: .stallAfter)
        peerReviewsMoveLevels = try container.decodeIfPresent(Bool.self, forKey: .peerReviewsMoveLevels)
        guestReviewsMoveLevels = try container.decodeIfPresent(Bool.self, forKey: .guestReviewsMoveLevels)
    }

    func applied(to policy: ScaffoldPolicy) -> ScaffoldPolicy {
        ScaffoldPolicy(
            withdrawAfter: withdrawAfter ?? policy.withdrawAfter, masteryThreshold: masteryThreshold ?? policy.masteryThreshold,
            criterionFloor: criterionFloor ?? policy.criterionFloor, reinstateAfter: reinstateAfter ?? policy.reinstateAfter,
            supportThreshold: supportThreshold ?? policy.supportThreshold,
            rechecks: rechecks ?? delayedCheckDays.map { $0 == 0 ? [] : [$0] } ?? policy.rechecks, stallAfter: stallAfter ?? policy.stallAfter,
            peerReviewsMoveLevels: peerReviewsMoveLevels ?? policy.peerReviewsMoveLevels,
            guestReviewsMoveLevels: guestReviewsMoveLevels ?? policy.guestReviewsMoveLevels)
    }
}

extension ExerciseBody {
    /// The body as a draft for the use case.
    var draft: ExerciseDraft {
        var transform: (@Sendable (ScaffoldPolicy) -> ScaffoldPolicy)?
        if let patch = policy { transform = { @Sendable current in patch.applied(to: current) } }
        return ExerciseDraft(
            title: title, instructions: instructions, stimulus: stimulus, skillKey: skillKey, skillName: skillName, rubric: rubric, ladder: ladder,
            cohorts: cohorts.map { Set($0) }, review: review, policy: transform, problems: problems)
    }
}

/// Exercises over HTTP.
struct ExercisesController: Sendable {
    let exercises: Exercises

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/exercises", operationID: "listExercises", tag: "exercises",
                summary: "Exercises assigned to the caller's cohorts (admins: all)",
                query: [.limit, .cursor, .id("cohort", "Only exercises assigned to this cohort.")],
                replies: [.init(status: 200, description: "Exercises, newest first.", schema: PageView<ExerciseView>.schema(of: "Exercise"))],
                handler: list),
            Operation(
                method: .post, path: "/api/v1/exercises", operationID: "createExercise", tag: "exercises", summary: "Add an exercise (admins)",
                body: ExerciseBody.schema(creating: true), replies: [.init(status: 201, description: "The new exercise.", schema: ref("Exercise"))],
                handler: create),
            Operation(
                method: .get, path: "/api/v1/exercises/{exerciseId}", operationID: "getExercise", tag: "exercises", summary: "One exercise",
                replies: [.init(status: 200, description: "The exercise.", schema: ref("Exercise"))], handler: get),
            Operation(
                method: .patch, path: "/api/v1/exercises/{exerciseId}", operationID: "updateExercise", tag: "exercises",
                summary: "Change an exercise (admins); fields left out stay", body: ExerciseBody.schema(creating: false),
                replies: [.init(status: 200, description: "The changed exercise.", schema: ref("Exercise"))], handler: update),
            Operation(
                method: .delete, path: "/api/v1/exercises/{exerciseId}", operationID: "deleteExercise", tag: "exercises",
                summary: "Remove an exercise nobody has submitted to (admins)", replies: [.init(status: 204, description: "Removed.")],
                errors: [409: "Attempts were submitted for the exercise."], handler: delete),
        ]
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let page = try await exercises.list(actor, cohort: try request.queryID("cohort"), page: try request.pageRequest())
        return try .json(PageView(page) { ExerciseView($0, for: actor) })
    }

    func create(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: ExerciseBody.self, context: context)
        return try .json(ExerciseView(try await exercises.create(actor, body.draft), for: actor), status: .created)
    }

    func get(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        return try .json(ExerciseView(try await exercises.exercise(actor, try context.id("exerciseId", of: .exercise)), for: actor))
    }

    func update(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let id: ExerciseID = try context.id("exerciseId", of: .exercise)
        let body = try await request.decodeJSON(as: ExerciseBody.self, context: context)
        return try .json(ExerciseView(try await exercises.update(actor, id, body.draft), for: actor))
    }

    func delete(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await exercises.delete(try context.requireActor(), try context.id("exerciseId", of: .exercise))
        return .noContent()
    }
}
