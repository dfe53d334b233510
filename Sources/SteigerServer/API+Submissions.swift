import Foundation
import Logging
import Hummingbird
import SteigerCore
import SteigerStore

extension SteigerAPI {
    var submissionOperations: [Operation] {
        [
            Operation(method: .get, path: "/api/v1/submissions", operationID: "listSubmissions", tag: "submissions",
                      summary: "Attempts the caller may see: their own, those shared with them, and (trainers) their cohorts' attempts",
                      query: [.limit, .cursor, .id("exercise", "Only attempts at this exercise."), .id("learner", "Only this learner's attempts."),
                              .init(name: "status", description: "Only attempts in this status.",
                                    schema: ["type": "string", "enum": .array(Submission.Status.allCases.map { .string($0.rawValue) })])],
                      replies: [.init(status: 200, description: "Attempts, newest first.", schema: PageView<SubmissionView>.schema(of: "Submission"))],
                      handler: { request, context in
                          let actor = try context.requireActor()
                          let filter = SubmissionFilter(exercise: try request.queryID("exercise"), learner: try request.queryID("learner"),
                                                        status: try request.queryEnum("status", as: Submission.Status.self))
                          let page = try await self.store.submissions(scope: AccessPolicy.listScope(for: actor), filter: filter,
                                                                      page: try request.pageRequest())
                          return try .json(PageView(page, SubmissionView.init))
                      }),
            Operation(method: .get, path: "/api/v1/submissions/{submissionId}", operationID: "getSubmission", tag: "submissions",
                      summary: "One attempt", replies: [.init(status: 200, description: "The attempt.", schema: ref("Submission"))],
                      handler: { _, context in
                          let actor = try context.requireActor()
                          let id: SubmissionID = try context.id("submissionId", of: "submission")
                          guard let submission = try await self.store.submission(id), let exercise = try await self.store.exercise(submission.exerciseID) else {
                              throw Problem.notFound("submission")
                          }
                          let memberships = try await self.store.memberships(of: submission.learnerID)
                          try AccessPolicy.decide(actor, .view, .submission(submission, exercise: exercise, learnerMemberships: memberships))
                              .require("submission")
                          return try .json(SubmissionView(submission))
                      }),
        ]
    }
}
