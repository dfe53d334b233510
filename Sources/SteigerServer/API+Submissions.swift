import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

struct AudienceBody: RequestBody {
    var audience: Audience
    var consent: Bool?
    var sharesFeedback: Bool?
    static let properties: [String: JSONValue] = [
        "audience": audienceSchema,
        "consent": [
            "type": "boolean",
            "description":
                "The learner agrees to the library's consent wording (GET the attempt's consents to read what was recorded); required for `cohort`.",
        ],
        "sharesFeedback": ["type": "boolean", "description": "Show the sent feedback with it in the library (default false)."],
    ]
    static let schema = object(properties, optional: ["consent", "sharesFeedback"])
}

/// Whether one's managers may watch an attempt.
struct ManagerShareBody: RequestBody {
    var shared: Bool
    static let properties: [String: JSONValue] = [
        "shared": ["type": "boolean", "description": "Let your managers watch the recording and its feedback (they always see its scores)."]
    ]
}

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
            Operation(
                method: .put, path: "/api/v1/submissions/{submissionId}/audience", operationID: "setSubmissionAudience", tag: "submissions",
                summary:
                    "Choose who may watch one of your attempts: private practice, your trainers, your assigned peers too, or the cohort's library (with consent, recorded with its time and wording; choosing less takes it out of the library at once)",
                body: AudienceBody.schema, replies: [.init(status: 200, description: "The attempt as it is now.", schema: ref("Submission"))],
                errors: [
                    409: "The attempt was sent for review: it stays with its reviewers (only its place in the library can be taken back).",
                    422: "The exercise does not offer this audience, or the library was chosen without consent.",
                ], handler: setAudience),
            Operation(
                method: .put, path: "/api/v1/submissions/{submissionId}/manager", operationID: "shareWithManager", tag: "submissions",
                summary: "Let your managers watch one of your attempts with its feedback, or no longer",
                body: object(ManagerShareBody.properties),
                replies: [.init(status: 200, description: "The attempt as it is now.", schema: ref("Submission"))],
                errors: [422: "A private practice take: send it for review first."], handler: shareWithManager),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/consents", operationID: "listSubmissionConsents", tag: "submissions",
                summary: "The consents given for one of your attempts, withdrawn ones too (administrators: any attempt)",
                replies: [
                    .init(
                        status: 200, description: "Oldest first.",
                        schema: ["type": "object", "properties": ["items": ["type": "array", "items": ref("Consent")]], "required": ["items"]])
                ], handler: consents),
            Operation(
                method: .post, path: "/api/v1/submissions/{submissionId}/library-approval", operationID: "approveForLibrary",
                tag: "submissions",
                summary:
                    "Approve an attempt its learner shared for the cohort's library, where the exercise asks for a trainer's approval (trainers)",
                replies: [.init(status: 200, description: "The attempt as it is now.", schema: ref("Submission"))], handler: approve),
            Operation(
                method: .get, path: "/api/v1/examples", operationID: "listExamples", tag: "submissions",
                summary:
                    "The cohort library: attempts shared as examples in the cohorts you are in, with the feedback their learners chose to share",
                query: [
                    .id("exercise", "Only attempts at this exercise."),
                    .init(
                        name: "criterion", description: "Only attempts whose shared feedback scored this criterion (its key), best first.",
                        schema: ["type": "string"]),
                ],
                replies: [
                    .init(
                        status: 200, description: "Newest first (best first with a criterion).",
                        schema: ["type": "object", "properties": ["items": ["type": "array", "items": ref("LibraryEntry")]], "required": ["items"]])
                ], handler: library),
        ]
    }

    func shareWithManager(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let id: SubmissionID = try context.id("submissionId", of: .attempt)
        let body = try await request.decodeJSON(as: ManagerShareBody.self, context: context)
        let submission = try await submissions.shareWithManager(try context.requireActor(), id, shared: body.shared)
        return try .json(SubmissionView(submission, words: context.words))
    }

    func setAudience(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let id: SubmissionID = try context.id("submissionId", of: .attempt)
        let body = try await request.decodeJSON(as: AudienceBody.self, context: context)
        let sharesFeedback = body.sharesFeedback ?? false
        let submission = try await submissions.setAudience(
            actor, id,
            .init(
                audience: body.audience, consented: body.consent ?? false, wording: context.words.consentWording(withFeedback: sharesFeedback),
                sharesFeedback: sharesFeedback))
        context.logger.info("audience set", metadata: ["submission": .string(id.description), "audience": .string(body.audience.rawValue)])
        return try .json(SubmissionView(submission, words: context.words))
    }

    func consents(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let consents = try await submissions.consents(try context.requireActor(), try context.id("submissionId", of: .attempt))
        return try .json(["items": consents.map(ConsentView.init)])
    }

    func approve(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let submission = try await submissions.approveForLibrary(try context.requireActor(), try context.id("submissionId", of: .submission))
        return try .json(SubmissionView(submission, words: context.words))
    }

    func library(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let entries = try await submissions.library(
            try context.requireActor(), exercise: try request.queryID("exercise"), criterion: request.query("criterion"))
        return try .json(["items": entries.map { LibraryEntryView($0, words: context.words) }])
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
        let actor = try context.requireActor()
        let reached = try await submissions.reach(actor, try context.id("submissionId", of: .submission))
        return try .json(SubmissionView(reached.submission, words: context.words, size: try await submissions.size(of: reached)))
    }
}
