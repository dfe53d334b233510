import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

struct WebhookBody: RequestBody {
    var url: String?
    var events: [String]?
    var description: String?
    var enabled: Bool?

    static let properties: [String: JSONValue] = [
        "url": ["type": "string", "format": "uri", "maxLength": 2000, "description": "Where deliveries are POSTed (http or https)."],
        "events": ["type": "array", "items": eventType, "description": "The event types wanted; empty or left out: every type."],
        "description": ["type": "string", "maxLength": 500],
        "enabled": ["type": "boolean", "description": "Switching an endpoint on again clears why it was switched off (changes only)."],
    ]
    /// A new endpoint is switched on: `enabled` is for changes.
    static let createSchema = object(properties.filter { $0.key != "enabled" }, optional: ["events", "description"])
    static let changeSchema = object(properties, optional: Set(properties.keys))
    static let eventType: JSONValue = ["type": "string", "enum": .array(DomainEvent.Kind.allCases.map { .string($0.rawValue) })]
}

struct WebhookEndpointView: JSONView {
    var id: String
    var url: String
    var events: [String]
    var description: String
    var secret: String
    var enabled: Bool
    var disabledReason: String?
    var createdAt: Date

    init(_ endpoint: WebhookEndpoint, words: Localizer) {
        id = endpoint.id.description
        url = endpoint.url
        events = endpoint.eventTypes.map(\.rawValue).sorted()
        description = endpoint.description
        secret = endpoint.secret
        enabled = endpoint.isEnabled
        disabledReason = endpoint.disabledReason.map(words.format)
        createdAt = endpoint.createdAt
    }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.id },
        .init("url", ["type": "string"]) { $0.url },
        .init("events", ["type": "array", "items": WebhookBody.eventType]) { $0.events },
        .init("description", ["type": "string"]) { $0.description },
        .init("secret", ["type": "string", "description": "The signing secret (whsec_…): verify each delivery's webhook-signature with it."]) {
            $0.secret
        },
        .init("enabled", ["type": "boolean"]) { $0.enabled },
        .nullable("disabledReason", ["type": ["string", "null"]]) { $0.disabledReason },
        .init("createdAt", dateTime) { $0.createdAt },
    ]
}

struct WebhookDeliveryView: JSONView {
    struct AttemptView: JSONView {
        var number: Int
        var startedAt: Date
        var durationMs: Int
        var statusCode: Int?
        var error: String?
        var response: String?

        static let fields: [JSONField<Self>] = [
            .init("number", ["type": "integer", "minimum": 1]) { $0.number },
            .init("startedAt", dateTime) { $0.startedAt },
            .init("durationMs", ["type": "integer", "minimum": 0]) { $0.durationMs },
            .nullable("statusCode", ["type": "integer"]) { $0.statusCode },
            .nullable("error", ["type": "string"]) { $0.error },
            .nullable("response", ["type": "string"]) { $0.response },
        ]
    }

    var id: String
    var eventId: String
    var eventType: String
    var occurredAt: Date
    var status: String
    var attempts: [AttemptView]
    var nextAttemptAt: Date?
    var deliveredAt: Date?

    init(_ delivery: WebhookDelivery, attempts: [WebhookAttempt], words: Localizer) {
        id = delivery.id.description
        eventId = UUIDText.lowercase(delivery.entry.event.id)
        eventType = delivery.entry.event.kind.rawValue
        occurredAt = delivery.entry.event.occurredAt
        status = delivery.status.rawValue
        self.attempts = attempts.map { attempt in
            AttemptView(
                number: attempt.number, startedAt: attempt.startedAt, durationMs: Int((attempt.duration * 1000).rounded()),
                statusCode: attempt.statusCode, error: attempt.error.map(words.format), response: attempt.response)
        }
        nextAttemptAt = delivery.status == .pending ? delivery.nextAttemptAt : nil
        deliveredAt = delivery.deliveredAt
    }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.id },
        .init("eventId", uuid) { $0.eventId },
        .init("eventType", WebhookBody.eventType) { $0.eventType },
        .init("occurredAt", dateTime) { $0.occurredAt },
        .init("status", ["type": "string", "enum": .array(WebhookDeliveryStatus.allCases.map { .string($0.rawValue) })]) { $0.status },
        .init("attempts", ["type": "array", "items": AttemptView.schema]) { $0.attempts },
        .nullable("nextAttemptAt", nullableDateTime) { $0.nextAttemptAt },
        .nullable("deliveredAt", nullableDateTime) { $0.deliveredAt },
    ]
}

/// Webhook endpoints over HTTP.
struct WebhooksController: Sendable {
    let webhooks: Webhooks

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/webhooks", operationID: "listWebhooks", tag: "webhooks",
                summary: "Webhook endpoints (admins)",
                replies: [
                    .init(
                        status: 200, description: "Every endpoint, oldest first.", schema: PageView<WebhookEndpointView>.schema(of: "WebhookEndpoint")
                    )
                ],
                handler: listWebhooks),
            Operation(
                method: .post, path: "/api/v1/webhooks", operationID: "createWebhook", tag: "webhooks",
                summary: "Register an endpoint for domain events, signed with a new secret (admins)", body: WebhookBody.createSchema,
                replies: [.init(status: 201, description: "The endpoint with its secret.", schema: ref("WebhookEndpoint"))],
                handler: createWebhook),
            Operation(
                method: .get, path: "/api/v1/webhooks/{webhookId}", operationID: "getWebhook", tag: "webhooks",
                summary: "One endpoint (admins)", replies: [.init(status: 200, description: "The endpoint.", schema: ref("WebhookEndpoint"))],
                handler: getWebhook),
            Operation(
                method: .patch, path: "/api/v1/webhooks/{webhookId}", operationID: "updateWebhook", tag: "webhooks",
                summary: "Change an endpoint, or switch it off or on (admins)", body: WebhookBody.changeSchema,
                replies: [.init(status: 200, description: "The changed endpoint.", schema: ref("WebhookEndpoint"))],
                handler: updateWebhook),
            Operation(
                method: .delete, path: "/api/v1/webhooks/{webhookId}", operationID: "deleteWebhook", tag: "webhooks",
                summary: "Remove an endpoint and its deliveries (admins)", replies: [.init(status: 204, description: "Removed.")],
                handler: deleteWebhook),
            Operation(
                method: .post, path: "/api/v1/webhooks/{webhookId}/secret", operationID: "rotateWebhookSecret", tag: "webhooks",
                summary: "Give an endpoint a new signing secret; the old one stops working at once (admins)",
                replies: [.init(status: 200, description: "The endpoint with its new secret.", schema: ref("WebhookEndpoint"))],
                handler: rotateWebhookSecret),
            Operation(
                method: .get, path: "/api/v1/webhooks/{webhookId}/deliveries", operationID: "listWebhookDeliveries", tag: "webhooks",
                summary: "The newest deliveries to an endpoint, each with every try (admins)",
                replies: [
                    .init(
                        status: 200, description: "Deliveries, newest event first.",
                        schema: PageView<WebhookDeliveryView>.schema(of: "WebhookDelivery"))
                ],
                handler: listWebhookDeliveries),
        ]
    }

    func listWebhooks(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let endpoints = try await webhooks.list(try context.requireActor())
        return try .json(PageView(items: endpoints.map { WebhookEndpointView($0, words: context.words) }))
    }

    func createWebhook(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: WebhookBody.self, context: context)
        guard let url = body.url else { throw Problem.invalid(ValidationError(field: "url", Message("validation.required"))) }
        let endpoint = try await webhooks.register(actor, url: url, eventTypes: body.events ?? [], description: body.description ?? "")
        return try .json(
            WebhookEndpointView(endpoint, words: context.words), status: .created,
            headers: [.location: "/api/v1/webhooks/\(endpoint.id)"])
    }

    func getWebhook(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let endpoint = try await webhooks.endpoint(try context.requireActor(), try context.id("webhookId", of: .webhookEndpoint))
        return try .json(WebhookEndpointView(endpoint, words: context.words))
    }

    func updateWebhook(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let body = try await request.decodeJSON(as: WebhookBody.self, context: context)
        let endpoint = try await webhooks.update(
            try context.requireActor(), try context.id("webhookId", of: .webhookEndpoint), url: body.url,
            eventTypes: body.events, description: body.description, enabled: body.enabled)
        return try .json(WebhookEndpointView(endpoint, words: context.words))
    }

    func deleteWebhook(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await webhooks.delete(try context.requireActor(), try context.id("webhookId", of: .webhookEndpoint))
        return .noContent()
    }

    func rotateWebhookSecret(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let endpoint = try await webhooks.rotateSecret(try context.requireActor(), try context.id("webhookId", of: .webhookEndpoint))
        return try .json(WebhookEndpointView(endpoint, words: context.words))
    }

    func listWebhookDeliveries(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let deliveries = try await webhooks.deliveries(try context.requireActor(), try context.id("webhookId", of: .webhookEndpoint))
        return try .json(PageView(items: deliveries.map { WebhookDeliveryView($0.delivery, attempts: $0.attempts, words: context.words) }))
    }
}
