import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

struct ScaffoldOverrideBody: RequestBody {
    var level: Int
    var reason: String
    static let properties: [String: JSONValue] = [
        "level": ["type": "integer", "minimum": 0, "maximum": 9], "reason": ["type": "string", "minLength": 1, "maxLength": 2000],
    ]
    static let schema = object(properties)
}

/// The scaffolding over HTTP: a learner's supports, a trainer's matrix and a learner's track.
struct ScaffoldingController: Sendable {
    let scaffolding: Scaffolding

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/exercises/{exerciseId}/supports", operationID: "getMySupports", tag: "scaffolding",
                summary: "The supports the calling learner gets for their next attempt (exactly their current level's), and how they got there",
                replies: [.init(status: 200, description: "The current level and its supports.", schema: ref("Supports"))],
                errors: [403: "The caller does not practise this exercise."], handler: supports),
            Operation(
                method: .get, path: "/api/v1/exercises/{exerciseId}/scaffolding", operationID: "getScaffoldingMatrix", tag: "scaffolding",
                summary: "The learners practising an exercise × their current level, with the last change; stalled learners first (trainers)",
                query: [.id("cohort", "Only learners of this cohort.")],
                replies: [.init(status: 200, description: "One row per learner.", schema: ref("ScaffoldMatrix"))], handler: matrix),
            Operation(
                method: .get, path: "/api/v1/exercises/{exerciseId}/scaffolding/{learnerId}", operationID: "getScaffoldingTrack", tag: "scaffolding",
                summary: "One learner's scaffolding on an exercise's skill: current level and supports, every change with its rule and evidence, "
                    + "and the timeline of reviews (the learner, and trainers who see their attempts)",
                replies: [.init(status: 200, description: "The learner's track.", schema: ref("ScaffoldTrack"))], handler: track),
            Operation(
                method: .put, path: "/api/v1/exercises/{exerciseId}/scaffolding/{learnerId}", operationID: "setScaffoldLevel", tag: "scaffolding",
                summary: "Set a learner's level by hand, with a reason (trainers); it holds until the next rule fires",
                body: ScaffoldOverrideBody.schema,
                replies: [.init(status: 200, description: "The learner's track after the change.", schema: ref("ScaffoldTrack"))],
                handler: setLevel),
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
                handler: mine),
        ]
    }

    func supports(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let supports = try await scaffolding.supports(try context.requireActor(), exercise: try context.id("exerciseId", of: .exercise))
        return try .json(SupportsView(supports, words: context.words))
    }

    func matrix(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let matrix = try await scaffolding.matrix(
            try context.requireActor(), exercise: try context.id("exerciseId", of: .exercise), cohort: try request.queryID("cohort"))
        return try .json(ScaffoldMatrixView(matrix, words: context.words))
    }

    func track(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let track = try await scaffolding.track(
            try context.requireActor(), exercise: try context.id("exerciseId", of: .exercise), learner: try context.id("learnerId", of: .learner))
        return try .json(ScaffoldTrackView(track, words: context.words))
    }

    func setLevel(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let exercise: ExerciseID = try context.id("exerciseId", of: .exercise)
        let learner: UserID = try context.id("learnerId", of: .learner)
        let body = try await request.decodeJSON(as: ScaffoldOverrideBody.self, context: context)
        let track = try await scaffolding.setLevel(actor, exercise: exercise, learner: learner, level: body.level, reason: body.reason)
        context.logger.info(
            "scaffold level set",
            metadata: ["learner": .string(learner.description), "exercise": .string(exercise.description), "level": .stringConvertible(body.level)])
        return try .json(ScaffoldTrackView(track, words: context.words))
    }

    func mine(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(["items": MyScaffoldingView.list(try await scaffolding.overview(try context.requireActor()), words: context.words)])
    }
}
