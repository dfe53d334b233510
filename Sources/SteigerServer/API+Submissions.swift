import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

/// Attempts over HTTP.
struct SubmissionsController: Sendable {
    let submissions: Submissions

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/submissions", operationID: "listSubmissions", tag: "submissions",
                summary: "Attempts the caller may see: their own, those shared with them, and (trainers) their cohorts' attempts",
                query: [
                    .limit, .cursor, .id("exercise", "Only attempts at this exercise."), .id("learner", "Only this learner's attempts."),
                    .init(
                        name: "status", description: "Only attempts in this status.",
                        schema: ["type": "string", "enum": .array(Submission.Status.allCases.map { .string($0.rawValue) })]),
                ],
                replies: [.init(status: 200, description: "Attempts, newest first.", schema: PageView<SubmissionView>.schema(of: "Submission"))],
                handler: list),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}", operationID: "getSubmission", tag: "submissions",
                summary: "One attempt", replies: [.init(status: 200, description: "The attempt.", schema: ref("Submission"))],
                handler: get),
            Operation(
                method: .delete, path: "/api/v1/submissions/{submissionId}", operationID: "removeFailedSubmission", tag: "submissions",
                summary: "Remove one of your own attempts that could not be used (status failed)",
                replies: [.init(status: 204, description: "Removed.")],
                errors: [409: "The attempt is usable: only one that failed can be removed."], handler: remove),
        ]
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let filter = SubmissionFilter(
            exercise: try request.queryID("exercise"), learner: try request.queryID("learner"),
            status: try request.queryEnum("status", as: Submission.Status.self))
        let page = try await submissions.list(try context.requireActor(), filter: filter, page: try request.pageRequest())
        return try .json(PageView(page) { SubmissionView($0, words: context.words) })
    }

    func remove(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await submissions.removeFailed(try context.requireActor(), try context.id("submissionId", of: .attempt))
        return .noContent()
    }

    func get(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let reached = try await submissions.reach(try context.requireActor(), try context.id("submissionId", of: .submission))
        return try .json(SubmissionView(reached.submission, words: context.words))
    }
}
