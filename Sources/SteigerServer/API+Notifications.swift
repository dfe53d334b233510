import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

struct ReadNoticesBody: RequestBody {
    var ids: [NoticeID]?
    var all: Bool?
    static let properties: [String: JSONValue] = [
        "ids": ["type": "array", "maxItems": .number(Double(Notifications.readAtOnce)), "items": uuid, "description": "The notices to mark read."],
        "all": ["type": "boolean", "description": "`true` marks every notice read."],
    ]
    static let schema = object(properties, optional: ["ids", "all"])
}

struct NoticeSettingsBody: RequestBody {
    var timeZone: String?
    var digestHour: Int?
    var quietStart: Int?
    var quietEnd: Int?
    var deliveries: [String: NoticeDelivery]?
    static let properties: [String: JSONValue] = [
        "timeZone": ["type": "string", "description": "An IANA time zone such as `Europe/Amsterdam`."],
        "digestHour": ["type": "integer", "minimum": 0, "maximum": 23, "description": "The local hour the daily digest goes out."],
        "quietStart": ["type": "integer", "minimum": 0, "maximum": 23, "description": "Quiet hours begin (local hour; equal to quietEnd: none)."],
        "quietEnd": ["type": "integer", "minimum": 0, "maximum": 23, "description": "Quiet hours end (local hour)."],
        "deliveries": [
            "type": "object", "description": "How kinds reach the person, by kind; kinds left out keep their setting.",
            "additionalProperties": ["type": "string", "enum": .array(NoticeDelivery.allCases.map { .string($0.rawValue) })],
        ],
    ]
    static let schema = object(properties, optional: Set(properties.keys))
}

/// A notice as its reader sees it: the text and its second line in their language, the page it
/// is about, whether it was read.
struct NoticeView: JSONView {
    let notice: Notice
    let text: String
    let detail: String?

    init(_ notice: Notice, words: Localizer) {
        self.notice = notice
        text = words.sentence(notice.message)
        detail = notice.detail.map(words.sentence)
    }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.notice.id },
        .init("kind", ["type": "string", "enum": .array(NoticeKind.allCases.map { .string($0.rawValue) })]) { $0.notice.kind.rawValue },
        .init("text", ["type": "string", "description": "What happened, in the reader's language."]) { $0.text },
        .nullable("detail", ["type": "string", "description": "More where the kind has it: an explanation, a reason, a due time."]) {
            $0.detail
        },
        .init("link", ["type": "string", "description": "The page it is about, a path of this site."]) { $0.notice.link },
        .init("count", ["type": "integer", "minimum": 1, "description": "How many things it stands for (batched kinds)."]) { $0.notice.count },
        .init("createdAt", dateTime) { $0.notice.createdAt },
        .nullable("readAt", dateTime) { $0.notice.readAt },
    ]
}

/// A page of notices with the reader's unread count (the bell's number).
struct NoticeListView: JSONView {
    var page: PageView<NoticeView>
    var unread: Int

    static let fields: [JSONField<Self>] = [
        .init("items", ["type": "array", "items": ref("Notice")]) { $0.page.items },
        .nullable("next", ["type": "string"]) { $0.page.next },
        .init("unread", ["type": "integer", "minimum": 0]) { $0.unread },
    ]
}

struct UnreadView: JSONView {
    var unread: Int
    static let fields: [JSONField<Self>] = [.init("unread", ["type": "integer", "minimum": 0]) { $0.unread }]
}

/// The ways a notice may reach a person, as the document names them.
let noticeDeliverySchema: JSONValue = ["type": "string", "enum": .array(NoticeDelivery.allCases.map { .string($0.rawValue) })]

/// A person's choices about notices, with every kind of their roles and its delivery.
struct NoticeSettingsView: JSONView {
    let settings: NoticeSettings
    let kinds: [NoticeKind]

    struct Kind: Encodable, Sendable {
        var kind: String
        var delivery: String
        var defaultDelivery: String
    }

    static let fields: [JSONField<Self>] = [
        .init("timeZone", ["type": "string"]) { $0.settings.timeZone },
        .init("digestHour", ["type": "integer"]) { $0.settings.digestHour },
        .init("quietStart", ["type": "integer"]) { $0.settings.quietStart },
        .init("quietEnd", ["type": "integer"]) { $0.settings.quietEnd },
        .init(
            "kinds",
            [
                "type": "array",
                "items": object([
                    "kind": ["type": "string"], "delivery": noticeDeliverySchema, "defaultDelivery": noticeDeliverySchema,
                ]),
            ]
        ) { view in
            view.kinds.map {
                Kind(kind: $0.rawValue, delivery: view.settings.delivery($0).rawValue, defaultDelivery: $0.defaultDelivery.rawValue)
            }
        },
    ]
}

/// The caller's notices and their choices over HTTP.
struct NotificationsController: Sendable {
    let notifications: Notifications

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/me/notifications", operationID: "listNotifications", tag: "notifications",
                summary: "The caller's notices, newest first, with the unread count; `unread=true` lists only unread ones",
                replies: [.init(status: 200, description: "Notices.", schema: ref("NoticeList"))],
                errors: [422: "`unread`, `limit` or `cursor` is not valid."], handler: list),
            Operation(
                method: .post, path: "/api/v1/me/notifications/read", operationID: "markNotificationsRead", tag: "notifications",
                summary: "Mark notices read: those listed in `ids`, or all with `all: true`", body: ReadNoticesBody.schema,
                replies: [.init(status: 200, description: "The unread count afterwards.", schema: ref("Unread"))],
                handler: markRead),
            Operation(
                method: .get, path: "/api/v1/me/notification-settings", operationID: "getNotificationSettings", tag: "notifications",
                summary: "How each kind of notice reaches the caller, their time zone, digest hour and quiet hours",
                replies: [.init(status: 200, description: "The settings.", schema: ref("NoticeSettings"))],
                handler: settings),
            Operation(
                method: .put, path: "/api/v1/me/notification-settings", operationID: "setNotificationSettings", tag: "notifications",
                summary: "Change the caller's settings; fields left out keep their value", body: NoticeSettingsBody.schema,
                replies: [.init(status: 200, description: "The settings as kept.", schema: ref("NoticeSettings"))],
                handler: setSettings),
        ]
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let unreadOnly: Bool
        switch request.query("unread") {
        case nil, "false": unreadOnly = false
        case "true": unreadOnly = true
        default: throw Problem.invalid(ValidationError(field: "unread", Message("validation.oneOf", ["values": "true, false"])))
        }
        let page = try await notifications.list(actor, unread: unreadOnly, page: try request.pageRequest())
        let words = context.words
        return try .json(
            NoticeListView(page: PageView(page) { NoticeView($0, words: words) }, unread: try await notifications.unreadCount(actor)))
    }

    func markRead(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: ReadNoticesBody.self, context: context)
        guard (body.ids != nil) != (body.all == true) else {
            throw Problem.invalid(ValidationError(field: "ids", Message("validation.idsOrAll")))
        }
        try await notifications.markRead(actor, ids: body.all == true ? nil : body.ids)
        return try .json(UnreadView(unread: try await notifications.unreadCount(actor)))
    }

    func settings(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        return try .json(NoticeSettingsView(settings: try await notifications.settings(actor), kinds: notifications.kinds(actor)))
    }

    func setSettings(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: NoticeSettingsBody.self, context: context)
        var settings = try await notifications.settings(actor)
        if let zone = body.timeZone { settings.timeZone = zone }
        if let hour = body.digestHour { settings.digestHour = hour }
        if let hour = body.quietStart { settings.quietStart = hour }
        if let hour = body.quietEnd { settings.quietEnd = hour }
        for (name, delivery) in body.deliveries ?? [:] {
            guard let kind = NoticeKind(rawValue: name) else {
                throw Problem.invalid(ValidationError(field: "deliveries.\(name)", Message("validation.noticeKind")))
            }
            settings.deliveries[kind] = delivery
        }
        try await notifications.setSettings(actor, settings)
        return try .json(NoticeSettingsView(settings: try await notifications.settings(actor), kinds: notifications.kinds(actor)))
    }
}

extension Localizer {
    /// This localizer writing times in `actor`'s time zone.
    func zoned(_ actor: Actor) -> Localizer {
        var words = self
        if let zone = TimeZone(identifier: actor.user.timeZone) { words.timeZone = zone }
        return words
    }
}
