import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// A retention policy as sent: `keep` says whether media are kept (`always`; for a cohort,
/// `organisation`: as the organisation keeps them) or removed `days` after `start`.
struct RetentionBody: RequestBody {
    var keep: String
    var days: Int?
    var start: RetentionPolicy.Start?

    static let startSchema: JSONValue = [
        "type": "string", "enum": .array(RetentionPolicy.Start.allCases.map { .string($0.rawValue) }),
        "description": .string(
            "`reviewed`: from the attempt's last review (a practice take or an unusable attempt: from its recording); "
                + "`programmeEnded`: from the end of the programme of its cohort."),
    ]

    static let properties: [String: JSONValue] = [
        "keep": [
            "type": "string", "enum": ["always", "organisation", "days"],
            "description":
                "`days`: remove the media `days` after `start`; `always` (the organisation): keep until removed by hand; `organisation` (a cohort): as the organisation does.",
        ],
        "days": ["type": "integer", "minimum": 1, "maximum": .number(Double(RetentionPolicy.maximumDays))],
        "start": startSchema,
    ]

    /// The policy it names (nil: keep, or the organisation's), for the organisation or a cohort.
    func policy(forCohort: Bool) throws -> RetentionPolicy? {
        // Days sent are checked even when they are not used: the request is refused as a whole.
        if let days { _ = try RetentionPolicy(days: days, start: start ?? .reviewed) }
        switch keep {
        case "days": return try RetentionPolicy(days: days ?? 0, start: start ?? .reviewed)
        case "always" where !forCohort, "organisation" where forCohort: return nil
        default:
            throw AppError.invalid("keep", Message("validation.oneOf", ["values": .text(forCohort ? "organisation, days" : "always, days")]))
        }
    }

}

/// A cohort's policy as sent, with the end of its programme.
struct CohortRetentionBody: RequestBody {
    var keep: String
    var days: Int?
    var start: RetentionPolicy.Start?
    var endsOn: String?

    static let properties: [String: JSONValue] = RetentionBody.properties.merging([
        "endsOn": [
            "type": ["string", "null"], "format": "date", "description": "The cohort's programme ends on this day (YYYY-MM-DD); null: not set.",
        ]
    ]) { old, _ in old }

    /// The policy it names (nil: the organisation's).
    func policy() throws -> RetentionPolicy? {
        try RetentionBody(keep: keep, days: days, start: start).policy(forCohort: true)
    }

    /// The programme's end, if sent.
    func ends() throws -> Date? {
        guard let endsOn else { return nil }
        guard let day = try? Date(endsOn, strategy: Date.ISO8601FormatStyle().year().month().day()) else {
            throw AppError.invalid("endsOn", Message("validation.dateTime"))
        }
        return day
    }
}

/// A legal hold as sent.
struct HoldBody: RequestBody {
    var reason: String
    static let properties: [String: JSONValue] = [
        "reason": [
            "type": "string", "minLength": 1, "maxLength": 500,
            "description": "Why the hold stands (a case, a complaint, a request of the works council).",
        ]
    ]
}

/// How long recordings are kept, and legal holds, over HTTP (administrators).
struct RetentionController: Sendable {
    let retention: MediaRetention

    var operations: [Operation] {
        let holdErrors = [422: "The reason is empty or too long."]
        return [
            Operation(
                method: .get, path: "/api/v1/retention", operationID: "getRetention", tag: "privacy",
                summary:
                    "How long recordings are kept (administrators): the organisation's policy, each cohort's, the legal holds, the last run and what a run now would remove",
                replies: [.init(status: 200, description: "The settings.", schema: ref("Retention"))], handler: overview),
            Operation(
                method: .put, path: "/api/v1/retention", operationID: "setRetention", tag: "privacy",
                summary: "Set the organisation's policy (administrators)",
                body: object(RetentionBody.properties, optional: ["days", "start"]),
                replies: [.init(status: 200, description: "The settings as they are now.", schema: ref("Retention"))], handler: setOrganisation),
            Operation(
                method: .post, path: "/api/v1/retention/run", operationID: "runRetention", tag: "privacy",
                summary: "Run the daily removal now (administrators): removes the media whose time has come, keeps the evidence",
                replies: [.init(status: 200, description: "What the run did.", schema: ref("RetentionReport"))], handler: run),
            Operation(
                method: .put, path: "/api/v1/cohorts/{cohortId}/retention", operationID: "setCohortRetention", tag: "privacy",
                summary: "Set a cohort's own policy and the end of its programme (administrators)",
                body: object(CohortRetentionBody.properties, optional: ["days", "start", "endsOn"]),
                replies: [.init(status: 200, description: "The settings as they are now.", schema: ref("Retention"))], handler: setCohort),
            Operation(
                method: .put, path: "/api/v1/cohorts/{cohortId}/legal-hold", operationID: "holdCohort", tag: "privacy",
                summary: "Place a legal hold on a cohort: none of its recordings' media are removed while it stands (administrators)",
                body: object(HoldBody.properties), replies: [.init(status: 200, description: "The hold.", schema: ref("LegalHold"))],
                errors: holdErrors, handler: holdCohort),
            Operation(
                method: .delete, path: "/api/v1/cohorts/{cohortId}/legal-hold", operationID: "liftCohortHold", tag: "privacy",
                summary: "Lift a cohort's legal hold (administrators)", replies: [.init(status: 204, description: "Lifted, or none stood.")],
                handler: liftCohort),
            Operation(
                method: .put, path: "/api/v1/users/{userId}/legal-hold", operationID: "holdPerson", tag: "privacy",
                summary: "Place a legal hold on a person: none of their recordings' media are removed while it stands (administrators)",
                body: object(HoldBody.properties), replies: [.init(status: 200, description: "The hold.", schema: ref("LegalHold"))],
                errors: holdErrors, handler: holdPerson),
            Operation(
                method: .delete, path: "/api/v1/users/{userId}/legal-hold", operationID: "liftPersonHold", tag: "privacy",
                summary: "Lift a person's legal hold (administrators)", replies: [.init(status: 204, description: "Lifted, or none stood.")],
                handler: liftPerson),
        ]
    }

    func overview(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(RetentionView(try await retention.overview(try context.requireActor()), words: context.words))
    }

    func setOrganisation(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: RetentionBody.self, context: context)
        try await retention.setOrganisation(actor, try body.policy(forCohort: false))
        return try .json(RetentionView(try await retention.overview(actor), words: context.words))
    }

    func setCohort(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let id: CohortID = try context.id("cohortId", of: .cohort)
        let body = try await request.decodeJSON(as: CohortRetentionBody.self, context: context)
        try await retention.setCohort(actor, id, policy: try body.policy(), endsAt: try body.ends())
        return try .json(RetentionView(try await retention.overview(actor), words: context.words))
    }

    func run(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(RetentionReportView(try await retention.sweep(try context.requireActor()), words: context.words))
    }

    func holdCohort(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await hold(.cohort(try context.id("cohortId", of: .cohort)), &request, context)
    }

    func holdPerson(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await hold(.person(try context.id("userId", of: .user)), &request, context)
    }

    func hold(_ subject: LegalHold.Subject, _ request: inout Request, _ context: AppContext) async throws -> Response {
        let body = try await request.decodeJSON(as: HoldBody.self, context: context)
        return try .json(LegalHoldView(try await retention.placeHold(try context.requireActor(), on: subject, reason: body.reason)))
    }

    func liftCohort(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await retention.liftHold(try context.requireActor(), on: .cohort(try context.id("cohortId", of: .cohort)))
        return .noContent()
    }

    func liftPerson(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await retention.liftHold(try context.requireActor(), on: .person(try context.id("userId", of: .user)))
        return .noContent()
    }
}

/// A retention policy, or null.
let retentionPolicySchema: JSONValue = [
    "type": ["object", "null"],
    "properties": [
        "days": ["type": "integer"], "start": RetentionBody.startSchema, "text": ["type": "string", "description": "The policy in words."],
    ],
    "required": ["days", "start", "text"], "additionalProperties": false,
]

func policyJSON(_ policy: RetentionPolicy?, words: Localizer) -> [String: JSONValue]? {
    policy.map { ["days": .number(Double($0.days)), "start": .string($0.start.rawValue), "text": .string(words.format($0.message))] }
}

/// A legal hold.
struct LegalHoldView: JSONView {
    let hold: LegalHold
    init(_ hold: LegalHold) { self.hold = hold }

    static let fields: [JSONField<Self>] = [
        .init("reason", ["type": "string"]) { $0.hold.reason },
        .init("placedAt", dateTime) { $0.hold.placedAt },
        .nullable("placedBy", uuid) { $0.hold.placedBy?.description },
    ]
}

/// What a run of the removal did, or would do.
struct RetentionReportView: JSONView {
    let report: MediaRetention.Report
    let words: Localizer
    init(_ report: MediaRetention.Report, words: Localizer) {
        self.report = report
        self.words = words
    }

    static let fields: [JSONField<Self>] = [
        .init("at", dateTime) { $0.report.at },
        .init("removed", ["type": "integer", "description": "Recordings whose media were removed."]) { $0.report.removed },
        .init("freedBytes", ["type": "integer", "description": "Bytes freed in storage."]) { $0.report.freed },
        .init("held", ["type": "integer", "description": "Recordings a legal hold kept."]) { $0.report.held },
    ]
}

/// The retention settings with the last run and a preview.
struct RetentionView: JSONView {
    let overview: MediaRetention.Overview
    let words: Localizer
    init(_ overview: MediaRetention.Overview, words: Localizer) {
        self.overview = overview
        self.words = words
    }

    static let fields: [JSONField<Self>] = [
        .nullable("organisation", retentionPolicySchema) { policyJSON($0.overview.organisation, words: $0.words) },
        .init(
            "cohorts",
            [
                "type": "array",
                "items": object([
                    "cohortId": uuid, "name": ["type": "string"], "policy": retentionPolicySchema,
                    "endsOn": ["type": ["string", "null"], "format": "date"], "hold": ref("LegalHold").orNull,
                ]),
            ]
        ) { view in
            view.overview.cohorts.map { cohort -> [String: JSONValue] in
                [
                    "cohortId": .string(cohort.cohort.id.description), "name": .string(cohort.cohort.name),
                    "policy": policyJSON(cohort.policy, words: view.words).map(JSONValue.object) ?? .null,
                    "endsOn": cohort.endsAt.map { .string(String($0.iso8601Milliseconds.prefix(10))) } ?? .null,
                    "hold": cohort.hold.map(Self.holdJSON) ?? .null,
                ]
            }
        },
        .init("people", ["type": "array", "items": object(["userId": uuid, "name": ["type": "string"], "hold": ref("LegalHold")])]) { view in
            view.overview.people.map { person -> [String: JSONValue] in
                ["userId": .string(person.user.id.description), "name": .string(person.user.displayName), "hold": Self.holdJSON(person.hold)]
            }
        },
        .nullable("lastRun", ref("RetentionReport")) { view in view.overview.lastRun.map { RetentionReportView($0, words: view.words) } },
        .init("preview", ref("RetentionReport")) { RetentionReportView($0.overview.preview, words: $0.words) },
    ]

    static func holdJSON(_ hold: LegalHold) -> JSONValue {
        [
            "reason": .string(hold.reason), "placedAt": .string(hold.placedAt.iso8601Milliseconds),
            "placedBy": hold.placedBy.map { .string($0.description) } ?? .null,
        ]
    }
}
