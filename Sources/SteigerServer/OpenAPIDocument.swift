import Foundation
import HTTPTypes
import Logging
import SteigerApp
import SteigerCore

extension SteigerAPI {
    /// The OpenAPI 3.1 description of `operations`, the same list the router is built from.
    static func document(for operations: [Operation]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for operation in operations {
            var entry = paths[operation.path]?.objectValue ?? [:]
            entry[operation.method.rawValue.lowercased()] = Self.describe(operation)
            paths[operation.path] = .object(entry)
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Steiger API",
                "version": "1",
                "description": """
                Video-response training: users, cohorts, exercises and submissions. Authenticate with the session cookie \
                from POST /api/v1/auth/login, or with a personal API token as 'Authorization: Bearer <token>'. Errors are \
                application/problem+json. Lists are newest first; pass the `next` of a page as `cursor` for the next one.
                """,
            ],
            "servers": [["url": "/"]],
            "security": [["bearerToken": []], ["sessionCookie": []]],
            "paths": .object(paths),
            "components": [
                "securitySchemes": [
                    "bearerToken": ["type": "http", "scheme": "bearer", "description": "A personal API token (stg_…)."],
                    "sessionCookie": ["type": "apiKey", "in": "cookie", "name": .string(SessionCookies.session)],
                ],
                "schemas": .object(Self.schemas),
            ],
        ]
    }

    private static func describe(_ operation: Operation) -> JSONValue {
        var parameters: [JSONValue] = operation.pathParameters.map { name in
            [
                "name": .string(name), "in": "path", "required": true,
                "schema": name == "table"
                    ? ["type": "string", "enum": .array(DashboardTable.Name.allCases.map { .string($0.rawValue) })]
                    : ["tokenId", "sheet"].contains(name) ? ["type": "string"] : ["type": "string", "format": "uuid"],
            ]
        }
        parameters += operation.query.map { parameter in
            [
                "name": .string(parameter.name), "in": "query", "required": false, "description": .string(parameter.description),
                "schema": parameter.schema,
            ]
        }
        var responses: [String: JSONValue] = [:]
        for reply in operation.replies {
            var response: [String: JSONValue] = ["description": .string(reply.description)]
            if let schema = reply.schema { response["content"] = .object([reply.contentType: ["schema": schema]]) }
            if !reply.headers.isEmpty {
                response["headers"] = .object(reply.headers.mapValues { ["description": .string($0), "schema": ["type": "string"]] })
            }
            responses[String(reply.status)] = .object(response)
        }
        for (status, description) in operation.errorStatuses {
            var response: [String: JSONValue] = [
                "description": .string(description), "content": ["application/problem+json": ["schema": ref("Problem")]],
            ]
            if status == 429 { response["headers"] = ["Retry-After": ["description": "Seconds to wait.", "schema": ["type": "string"]]] }
            responses[String(status)] = .object(response)
        }
        var description: [String: JSONValue] = [
            "operationId": .string(operation.operationID),
            "summary": .string(operation.summary),
            "tags": [.string(operation.tag)],
            "responses": .object(responses),
        ]
        if !parameters.isEmpty { description["parameters"] = .array(parameters) }
        if operation.access == .anyone { description["security"] = [] }
        if let body = operation.body {
            description["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]]
        }
        if let raw = operation.rawBody {
            description["requestBody"] = ["required": true, "content": ["application/octet-stream": ["schema": raw], "video/*": ["schema": raw]]]
        }
        if operation.path.hasPrefix("/api/v1/uploads"), operation.method != .options {
            var parameters: [JSONValue] = []
            if case .array(let existing)? = description["parameters"] { parameters = existing }
            // Tus-Resumable: 1.0.0 is required too (412 without it); it is stated in the summary
            // rather than as a parameter, since 412 is the protocol's answer, not a validation error.
            if operation.method == .post {
                parameters.append(["name": "Upload-Length", "in": "header", "required": true, "schema": ["type": "string", "pattern": "^[0-9]+$"]])
                parameters.append(["name": "Upload-Metadata", "in": "header", "required": true, "schema": ["type": "string"]])
            }
            if operation.method == .patch {
                parameters.append(["name": "Upload-Offset", "in": "header", "required": true, "schema": ["type": "string", "pattern": "^[0-9]+$"]])
                description["requestBody"] = [
                    "required": true, "content": ["application/offset+octet-stream": ["schema": ["type": "string", "format": "binary"]]],
                ]
            }
            description["parameters"] = .array(parameters)
        }
        return .object(description)
    }

    static let schemas: [String: JSONValue] = [
        "User": UserView.schema,
        "Me": MeView.schema,
        "Membership": MembershipView.schema,
        "Cohort": CohortView.schema,
        "WebhookEndpoint": WebhookEndpointView.schema,
        "WebhookDelivery": WebhookDeliveryView.schema,
        "Exercise": ExerciseView.schema,
        "Submission": SubmissionView.schema,
        "Token": TokenView.schema,
        "NewToken": NewTokenView.schema,
        "Notice": NoticeView.schema,
        "InvitationResult": InvitationResultView.schema,
        "InvitationList": InvitationListView.schema,
        "NoticeList": NoticeListView.schema,
        "Unread": UnreadView.schema,
        "NoticeSettings": NoticeSettingsView.schema,
        "SubmissionMedia": SubmissionMediaView.schema,
        "ReviewTask": ReviewTaskView.schema,
        "Review": ReviewView.schema,
        "TrainerAttempt": AttemptView.schema,
        "MediaItem": MediaItemView.schema,
        "Annotation": AnnotationView.schema,
        "Supports": SupportsView.schema,
        "ScaffoldStanding": StandingView.schema,
        "ScaffoldTransition": TransitionView.schema,
        "ScaffoldEvidence": EvidenceView.schema,
        "ScaffoldMatrix": ScaffoldMatrixView.schema,
        "ScaffoldTrack": ScaffoldTrackView.schema,
        "MyScaffolding": MyScaffoldingView.schema,
        "ScaffoldPolicy": object(
            [
                "withdrawAfter": ["type": "integer", "minimum": 1, "maximum": 20],
                "masteryThreshold": ["type": "number", "minimum": 0, "maximum": 1],
                "criterionFloor": ["type": "number", "minimum": 0, "maximum": 1], "reinstateAfter": ["type": "integer", "minimum": 1, "maximum": 20],
                "supportThreshold": ["type": "number", "minimum": 0, "maximum": 1],
                "delayedCheckDays": [
                    "type": "integer", "minimum": 0, "maximum": 365,
                    "description": "The first recheck's day (0: none); given without rechecks, it sets one recheck.",
                ],
                "rechecks": [
                    "type": "array", "maxItems": 6, "items": ["type": "integer", "minimum": 1, "maximum": 365],
                    "description":
                        "Days after the last support was withdrawn at which an attempt must pass again, rising (default 7, 30, 90; empty: none).",
                ],
                "stallAfter": ["type": "integer", "minimum": 0, "maximum": 100], "peerReviewsMoveLevels": ["type": "boolean"],
                "guestReviewsMoveLevels": ["type": "boolean", "description": "Whether guest reviewers' reviews move levels (default: no)."],
            ],
            optional: [
                "withdrawAfter", "masteryThreshold", "criterionFloor", "reinstateAfter", "supportThreshold", "delayedCheckDays", "rechecks",
                "stallAfter", "peerReviewsMoveLevels", "guestReviewsMoveLevels",
            ]),
        "Problem": object(
            [
                "type": ["type": "string", "description": "Stable: urn:steiger:problem:<name>."], "title": ["type": "string"],
                "status": ["type": "integer"], "detail": ["type": "string", "description": "In the caller's language."],
                "errors": [
                    "type": "array",
                    "items": object([
                        "field": ["type": "string"],
                        "code": ["type": "string", "description": "Stable, e.g. required, range."],
                        "message": ["type": "string"],
                    ]),
                ],
            ], optional: ["errors"]),
        "Rubric": object(["criteria": ["type": "array", "minItems": 1, "maxItems": 50, "items": ref("Criterion")]]),
        "Criterion": object(
            [
                "key": [
                    "type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$",
                    "description": "Left out, it is made from the title.",
                ],
                "title": ["type": "string", "minLength": 1], "description": ["type": "string"],
                "weight": ["type": "number", "exclusiveMinimum": 0, "description": "Relative; 1 when left out."],
                "scale": [
                    "type": "array", "minItems": 2, "maxItems": 10,
                    "items": object(
                        ["value": ["type": "integer"], "label": ["type": "string", "minLength": 1], "description": ["type": "string"]],
                        optional: ["description"]),
                ],
            ], optional: ["key", "description", "weight"]),
        "ReviewSettings": object(
            [
                "peerReviewers": ["type": "integer", "minimum": 0, "maximum": 10], "anonymousPeers": ["type": "boolean"],
                "selfReviewRequired": ["type": "boolean"], "dueHours": ["type": ["integer", "null"], "minimum": 1, "maximum": 8760],
                "showCommentsBeforeSubmit": ["type": "boolean"],
                "timeLimitSeconds": [
                    "type": ["integer", "null"], "minimum": 10, "maximum": 3600,
                    "description": "The longest a recording made in the browser may run (null: no limit).",
                ],
                "retakes": [
                    "type": ["integer", "null"], "minimum": 0, "maximum": 20,
                    "description": "How often the learner may record again before sending a take (null: as often as they like).",
                ],
                "tags": [
                    "type": "array", "minItems": 1, "maxItems": 20, "uniqueItems": true,
                    "items": ["type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"],
                ],
                "privatePractice": [
                    "type": "boolean", "description": "Whether a learner may keep a take to themselves as private practice (default true).",
                ],
                "cohortLibrary": [
                    "type": "boolean",
                    "description": "Whether learners may share an attempt, with their consent, in the cohort's library of examples (default false).",
                ],
                "libraryApproval": [
                    "type": "boolean",
                    "description": "Whether a shared attempt shows in the library only once a trainer approved it (default false).",
                ],
                "kickOff": [
                    "type": "boolean",
                    "description":
                        "Whether the exercise starts with a kick-off: a first attempt without supports whose review sets each learner's starting level and development points (default false).",
                ],
                "transferAfterWithdrawal": [
                    "type": "boolean",
                    "description": "Whether each withdrawn support asks the learner to try the skill at work and report (default false).",
                ],
                "transferEveryDays": [
                    "type": ["integer", "null"], "minimum": 7, "maximum": 90,
                    "description": "Every how many days a learner who practises the exercise is asked to try it at work (null: never).",
                ],
                "transferPrompt": ["type": "string", "maxLength": 1000, "description": "What to try at work, in the exercise's words."],
                "closingTest": [
                    "type": "boolean",
                    "description":
                        "Whether the exercise is a closing proficiency test: each attempt is reviewed by a trainer and the learner's managers, and its scores are the final ones on the learner's result page (default false).",
                ],
            ],
            optional: [
                "peerReviewers", "anonymousPeers", "selfReviewRequired", "dueHours", "showCommentsBeforeSubmit", "tags", "timeLimitSeconds",
                "retakes", "privatePractice", "cohortLibrary", "libraryApproval", "kickOff", "transferAfterWithdrawal", "transferEveryDays",
                "transferPrompt", "closingTest",
            ]),
        "Consent": ConsentView.schema,
        "AuditEntry": AuditEntryView.schema,
        "Retention": RetentionView.schema,
        "RetentionReport": RetentionReportView.schema,
        "LegalHold": LegalHoldView.schema,
        "DataExport": DataExportView.schema,
        "TeamMember": TeamMemberView.schema,
        "Dashboard": DashboardController.schema,
        "LibraryEntry": LibraryEntryView.schema,
        "ScaffoldLadder": object(["levels": ["type": "array", "minItems": 1, "maxItems": 10, "items": ref("ScaffoldLevel")]]),
        "ScaffoldLevel": object([
            "number": ["type": "integer", "minimum": 0, "maximum": 9], "name": ["type": "string", "minLength": 1],
            "supports": ["type": "array", "items": ref("Support")],
        ]),
        "Support": [
            "oneOf": [
                object(["kind": ["const": "modelVideo"], "reference": ["type": "string", "minLength": 1]]),
                object(["kind": ["const": "script"], "text": ["type": "string", "minLength": 1]]),
                object(["kind": ["const": "text"], "text": ["type": "string", "minLength": 1]]),
                object(["kind": ["const": "prompts"], "items": ["type": "array", "minItems": 1, "items": ["type": "string", "minLength": 1]]]),
                object(["kind": ["const": "checklist"], "items": ["type": "array", "minItems": 1, "items": ["type": "string", "minLength": 1]]]),
            ]
        ],
    ]
}

extension JSONValue {
    var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { items } else { nil }
    }
}
