import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// A guest reviewer to invite, as asked.
struct GuestBody: RequestBody {
    var name: String
    var email: String?
    var days: Int?
    var language: String?
    static let properties: [String: JSONValue] = [
        "name": ["type": "string", "minLength": 1, "maxLength": 100, "description": "The guest's name, as the learner will read it."],
        "email": [
            "type": "string", "maxLength": 254,
            "description": "Where to send the link; leave it out to pass the link on yourself (it is in the reply either way).",
        ],
        "days": [
            "type": "integer", "minimum": .number(Double(GuestInvitation.days.lowerBound)),
            "maximum": .number(Double(GuestInvitation.days.upperBound)),
            "description": "How many days the link works (default: 7).",
        ],
        "language": [
            "type": "string", "enum": ["nl", "en"],
            "description": "The language of the mail (default: yours); the guest's pages follow their browser.",
        ],
    ]
}

/// One guest invitation as its inviters see it.
struct GuestView: JSONView {
    let entry: GuestReviews.Entry
    let now: Date
    /// The link with its secret: only in the reply to the invitation itself.
    var link: String? = nil

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.entry.invitation.id.description },
        .init("name", ["type": "string"]) { $0.entry.invitation.name },
        .nullable("email", ["type": "string"]) { $0.entry.invitation.email },
        .init("invitedBy", ["type": "string", "description": "Who invited them, by name."]) { $0.entry.inviterName },
        .init("createdAt", dateTime) { $0.entry.invitation.createdAt },
        .init("expiresAt", dateTime) { $0.entry.invitation.expiresAt },
        .nullable("withdrawnAt", dateTime) { $0.entry.invitation.revokedAt },
        .nullable("openedAt", dateTime) { $0.entry.invitation.openedAt },
        .init(
            "state",
            [
                "type": "string", "enum": .array(GuestState.allCases.map { .string($0.rawValue) }),
                "description": "invited (not opened yet), opened, reviewed, expired or withdrawn.",
            ]
        ) { GuestState($0.entry, now: $0.now).rawValue },
        .nullable("reviewId", uuid) { $0.entry.review?.id.description },
        .nullable("total", ["type": "number", "minimum": 0, "maximum": 1, "description": "The weighted total of the guest's review."]) {
            $0.entry.review?.result.total
        },
        .nullable(
            "link",
            [
                "type": "string",
                "description": "The link to send the guest (only in the reply to the invitation: it is not kept and cannot be shown again).",
            ]
        ) { $0.link },
    ]
}

/// Where a guest invitation stands, as the inviter reads it.
enum GuestState: String, CaseIterable {
    case invited, opened, reviewed, expired, withdrawn

    init(_ entry: GuestReviews.Entry, now: Date) {
        self =
            if entry.review != nil { .reviewed } else if entry.invitation.revokedAt != nil {
                .withdrawn
            } else if !entry.invitation.isLive(
                at: now)
            { .expired } else if entry.invitation.openedAt != nil { .opened } else { .invited }
    }
}

/// Who reviews, in every document that says it: trainer, peer, self or guest.
let reviewKindSchema: JSONValue = ["type": "string", "enum": .array(ReviewTask.Kind.allCases.map { .string($0.rawValue) })]

/// Guest reviewers over HTTP.
struct GuestsController: Sendable {
    let guests: GuestReviews
    let links: Links
    let now: @Sendable () -> Date

    var operations: [Operation] {
        [
            Operation(
                method: .post, path: "/api/v1/submissions/{submissionId}/guests", operationID: "inviteGuest", tag: "reviews",
                summary:
                    "Invite someone without an account (a manager, a customer, an actor) to review this attempt through a link that expires (its learner and trainers)",
                body: object(GuestBody.properties, optional: ["email", "days", "language"]),
                replies: [.init(status: 201, description: "Invited; the reply carries the link, shown only now.", schema: GuestView.schema)],
                errors: [
                    409: "The recording is not ready yet, or ten invitations are live already.",
                    422: "The name is empty or too long, the address is not one, or the days are outside 1 to 30.",
                ], handler: invite),
            Operation(
                method: .get, path: "/api/v1/submissions/{submissionId}/guests", operationID: "listGuests", tag: "reviews",
                summary: "The guests invited to review this attempt, oldest first",
                replies: [
                    .init(
                        status: 200, description: "The invitations.",
                        schema: ["type": "object", "properties": ["items": ["type": "array", "items": GuestView.schema]], "required": ["items"]])
                ], handler: list),
            Operation(
                method: .delete, path: "/api/v1/submissions/{submissionId}/guests/{guestId}", operationID: "withdrawGuest", tag: "reviews",
                summary: "Withdraw a guest's invitation: the link stops working at once; a review they sent stays",
                replies: [.init(status: 204, description: "Withdrawn.")], handler: withdraw),
        ]
    }

    func invite(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let id: SubmissionID = try context.id("submissionId", of: .submission)
        let body = try await request.decodeJSON(as: GuestBody.self, context: context)
        let actor = try context.requireActor()
        let (entry, path) = try await guests.invite(
            actor, to: id,
            .init(
                name: body.name, email: body.email, days: body.days ?? GuestInvitation.defaultDays,
                language: body.language.flatMap(Language.init(rawValue:)) ?? actor.user.language))
        return try .json(GuestView(entry: entry, now: now(), link: links.absolute(path, request: request)), status: .created)
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let entries = try await guests.guests(try context.requireActor(), of: try context.id("submissionId", of: .submission))
        let now = now()
        return try .json(["items": entries.map { GuestView(entry: $0, now: now) }])
    }

    func withdraw(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await guests.withdraw(
            try context.requireActor(), try context.id("guestId", of: .guest), of: try context.id("submissionId", of: .submission))
        return Response(status: .noContent)
    }
}
