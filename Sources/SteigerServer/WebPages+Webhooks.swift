import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// The administrator's webhook pages: the endpoints with their state, a form to add one, and
/// each endpoint's secret, events and deliveries with every try. They read through the
/// `Webhooks` use case; the forms call the API (through `admin.js`).
extension WebPages {
    func registerWebhooks(open: RouterGroup<AppContext>, signedIn: RouterGroup<AppContext>) {
        signedIn.get("/admin/webhooks") { request, context in try await pages(request, context).webhooksPage(request) }
        signedIn.get("/admin/webhooks/:webhookId") { request, context in try await pages(request, context).webhookPage(request, context) }
    }

    private func webhooksPage(_ request: Request) async throws -> Response {
        let (actor, secret) = try signedIn()
        let endpoints = try await app.webhooks.list(actor)
        return try html(
            "webhooks", title: words.text("webhooks"), actor: actor, secret: secret,
            [
                "endpoints": endpoints.map(endpointValues),
                "eventTypes": Webhooks.eventTypes.map { ["type": $0.rawValue, "label": eventLabel($0)] },
                "adminText": adminText,
            ])
    }

    private func webhookPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        guard let id: WebhookEndpointID = context.parameters.get("webhookId").flatMap(WebhookEndpointID.init) else {
            throw Problem.notFound(.webhookEndpoint)
        }
        let endpoint = try await app.webhooks.endpoint(actor, id)
        let deliveries = try await app.webhooks.deliveries(actor, id)
        var values = endpointValues(endpoint)
        values["secret"] = endpoint.secret
        values["eventTypes"] = Webhooks.eventTypes.map { kind in
            ["type": kind.rawValue, "label": eventLabel(kind), "checked": endpoint.eventTypes.contains(kind)] as [String: Any]
        }
        values["deliveries"] = deliveries.map { delivery, attempts in
            [
                "event": eventLabel(delivery.entry.event.kind), "type": delivery.entry.event.kind.rawValue,
                "when": words.dateTime(delivery.entry.event.occurredAt),
                "status": words.text("delivery." + delivery.status.rawValue),
                "isDelivered": delivery.status == .delivered, "isFailed": delivery.status == .failed,
                "next": delivery.status == .pending ? words.dateTime(delivery.nextAttemptAt) : "",
                "attempts": attempts.map { attempt in
                    [
                        "number": attempt.number, "when": words.dateTime(attempt.startedAt),
                        "outcome": attempt.statusCode.map { "HTTP \($0)" } ?? attempt.error.map(words.format) ?? words.text("webhook.noAnswer"),
                        "ok": attempt.succeeded, "milliseconds": Int((attempt.duration * 1000).rounded()),
                    ] as [String: Any]
                },
            ] as [String: Any]
        }
        values["hasDeliveries"] = !deliveries.isEmpty
        values["adminText"] = adminText
        return try html("webhook", title: endpoint.description.isEmpty ? endpoint.url : endpoint.description, actor: actor, secret: secret, values)
    }

    private func endpointValues(_ endpoint: WebhookEndpoint) -> [String: Any] {
        [
            "id": endpoint.id.description, "url": endpoint.url, "description": endpoint.description,
            "events": endpoint.eventTypes.isEmpty
                ? words.text("allEvents")
                : endpoint.eventTypes.sorted { $0.rawValue < $1.rawValue }.map(eventLabel).joined(separator: "; "),
            "enabled": endpoint.isEnabled,
            "disabledReason": endpoint.disabledReason.map(words.format) ?? "",
        ]
    }

    /// What an event type means, in the page's language.
    func eventLabel(_ kind: DomainEvent.Kind) -> String { words.text("event." + String(describing: kind)) }
}
