import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

struct InvitationBody: RequestBody {
    var email: String
    var displayName: String
    var role: Role?
    var cohortId: CohortID?
    var language: String?
    static let properties: [String: JSONValue] = [
        "email": ["type": "string", "format": "email"], "displayName": ["type": "string", "minLength": 1, "maxLength": 200],
        "role": [
            "type": "string", "enum": .array(Role.allCases.map { .string($0.rawValue) }),
            "description": "What the person will do (default: learner). Trainers invite learners only.",
        ],
        "cohortId": ["type": "string", "format": "uuid", "description": "The cohort to put them in; trainers must name one they train."],
        "language": ["type": "string", "enum": ["nl", "en"], "description": "The invitation's language (default: the service's)."],
    ]
    static let schema = object(properties, optional: ["role", "cohortId", "language"])
}

struct InvitationListBody: RequestBody {
    var csv: String
    var cohortId: CohortID?
    static let properties: [String: JSONValue] = [
        "csv": [
            "type": "string", "maxLength": 1_000_000,
            "description":
                "One person per line: name, e-mail, role, cohort (name or id) and optionally the language; commas or semicolons; a first line of column names is skipped.",
        ],
        "cohortId": ["type": "string", "format": "uuid", "description": "The cohort of lines that name none."],
    ]
    static let schema = object(properties, optional: ["cohortId"])
}

extension AppError {
    /// Why one line of a list was refused, in `words`: its fields' problems ("email: …; role: …"),
    /// or the refusal's own sentence when it names no field.
    func lineProblem(in words: Localizer) -> String {
        errors.isEmpty ? words.format(message) : errors.map { "\($0.field): \(words.format($0.message))" }.joined(separator: "; ")
    }
}

/// What came of inviting one person, with the reason in the caller's language when they were not invited.
struct InvitationResultView: JSONView {
    let result: InvitationResult
    let problem: String?

    init(_ result: InvitationResult, words: Localizer) {
        self.result = result
        problem = result.problem.map { $0.lineProblem(in: words) }
    }

    static let fields: [JSONField<Self>] = [
        .nullable("line", ["type": "integer", "minimum": 1, "description": "The line of the list (null for one invitation)."]) {
            $0.result.line
        },
        .init("email", ["type": "string"]) { $0.result.email },
        .init("displayName", ["type": "string"]) { $0.result.displayName },
        .init("outcome", ["type": "string", "enum": ["invited", "invitedAgain", "added", "unchanged", "refused"]]) { $0.result.outcome.rawValue },
        .nullable("problem", ["type": "string", "description": "Why the person was not invited."]) { $0.problem },
        .nullable(
            "link",
            [
                "type": "string",
                "description": "The invitation's path with its secret, only when the service sends no e-mail: pass it on yourself.",
            ]
        ) { $0.result.link },
        .nullable("expiresAt", dateTime) { $0.result.expiresAt },
    ]
}

struct InvitationListView: JSONView {
    var results: [InvitationResultView]
    static let fields: [JSONField<Self>] = [.init("results", ["type": "array", "items": ref("InvitationResult")]) { $0.results }]
}

/// Inviting people by e-mail over HTTP.
struct InvitationsController: Sendable {
    let accounts: Accounts

    var operations: [Operation] {
        [
            Operation(
                method: .post, path: "/api/v1/invitations", operationID: "invite", tag: "users",
                summary: "Invite one person by e-mail (admins anyone; trainers learners into their cohorts)", body: InvitationBody.schema,
                replies: [.init(status: 201, description: "What came of it.", schema: ref("InvitationResult"))],
                errors: [
                    403: "Not allowed to invite in this role, or the address is a disabled account's.",
                    404: "The cohort is unknown or out of reach.", 409: "Someone took the address at the same moment.",
                ], handler: inviteOne),
            Operation(
                method: .post, path: "/api/v1/invitations/list", operationID: "inviteList", tag: "users",
                summary: "Invite everyone on a CSV list; each line succeeds or is refused on its own", body: InvitationListBody.schema,
                replies: [.init(status: 200, description: "One result per line.", schema: ref("InvitationList"))],
                errors: [403: "Not allowed to invite.", 413: "The body is larger than 1 MiB."], handler: inviteList),
        ]
    }

    func inviteOne(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: InvitationBody.self, context: context)
        let result = try await accounts.invite(
            actor,
            Invitee(
                email: body.email, displayName: body.displayName, role: body.role ?? .learner, cohort: body.cohortId,
                language: try Accounts.language(named: body.language ?? "")))
        return try .json(InvitationResultView(result, words: context.words), status: .created)
    }

    func inviteList(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: InvitationListBody.self, context: context)
        let results = try await accounts.invite(actor, csv: body.csv, defaultCohort: body.cohortId)
        return try .json(InvitationListView(results: results.map { InvitationResultView($0, words: context.words) }))
    }
}
