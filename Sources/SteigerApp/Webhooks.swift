import Foundation
import SteigerCore
import SteigerStore

/// Registering and looking after webhook endpoints: administrators only. Each method takes the
/// acting person, applies the access policy and the rules, and returns domain values.
public struct Webhooks: Sendable {
    let store: Store
    let settings: WebhookSettings
    let now: @Sendable () -> Date

    /// Creates the use case over `store`.
    public init(store: Store, settings: WebhookSettings, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.now = now
    }

    /// Every endpoint, oldest first.
    public func list(_ actor: Actor) async throws -> [WebhookEndpoint] {
        try AccessPolicy.require(actor, .view, .webhooks, .webhookEndpoint)
        return try await store.webhookEndpoints()
    }

    /// Registers an endpoint for `eventTypes` (their type names; none: every type) with a new
    /// secret. - Throws: ``ValidationError`` naming `url`, `events[i]` or `description`.
    public func register(_ actor: Actor, url: String, eventTypes: [String], description: String) async throws -> WebhookEndpoint {
        try AccessPolicy.require(actor, .create, .webhooks, .webhookEndpoint)
        let types = try Self.kinds(eventTypes)
        let endpoint = try WebhookEndpoint(url: url, eventTypes: types, description: description, createdBy: actor.user.id, createdAt: now())
        try await checkReachable(endpoint.url)
        try await store.createWebhookEndpoint(endpoint)
        return endpoint
    }

    /// The endpoint with `id`.
    public func endpoint(_ actor: Actor, _ id: WebhookEndpointID) async throws -> WebhookEndpoint {
        try AccessPolicy.require(actor, .view, .webhookEndpoint(id), .webhookEndpoint)
        guard let endpoint = try await store.webhookEndpoint(id) else { throw AppError.notFound(.webhookEndpoint) }
        return endpoint
    }

    /// Changes what is given; switching an endpoint on clears why it was switched off.
    public func update(
        _ actor: Actor, _ id: WebhookEndpointID, url: String?, eventTypes: [String]?, description: String?,
        enabled: Bool?
    ) async throws -> WebhookEndpoint {
        try AccessPolicy.require(actor, .update, .webhookEndpoint(id), .webhookEndpoint)
        let current = try await endpoint(actor, id)
        let types = try eventTypes.map(Self.kinds)
        // Validated as a whole, written field by field.
        let merged = try WebhookEndpoint(
            id: id, url: url ?? current.url, eventTypes: types ?? current.eventTypes,
            description: description ?? current.description, secret: current.secret, createdAt: current.createdAt)
        if url != nil { try await checkReachable(merged.url) }
        do {
            return try await store.updateWebhookEndpoint(
                id,
                changes: WebhookEndpointChanges(
                    url: url.map { _ in merged.url }, eventTypes: types, description: description.map { _ in merged.description },
                    isEnabled: enabled), now: now())
        } catch StoreError.notFound {
            throw AppError.notFound(.webhookEndpoint)
        }
    }

    /// Gives the endpoint a new secret (the old one stops working at once).
    public func rotateSecret(_ actor: Actor, _ id: WebhookEndpointID) async throws -> WebhookEndpoint {
        try AccessPolicy.require(actor, .update, .webhookEndpoint(id), .webhookEndpoint)
        _ = try await endpoint(actor, id)
        return try await store.updateWebhookEndpoint(id, changes: WebhookEndpointChanges(secret: WebhookEndpoint.newSecret()), now: now())
    }

    /// Removes the endpoint and its deliveries.
    public func delete(_ actor: Actor, _ id: WebhookEndpointID) async throws {
        try AccessPolicy.require(actor, .delete, .webhookEndpoint(id), .webhookEndpoint)
        guard try await store.deleteWebhookEndpoint(id) else { throw AppError.notFound(.webhookEndpoint) }
    }

    /// The newest deliveries to the endpoint, each with every try.
    public func deliveries(
        _ actor: Actor, _ id: WebhookEndpointID, limit: Int = 50
    ) async throws
        -> [(delivery: WebhookDelivery, attempts: [WebhookAttempt])]
    {
        _ = try await endpoint(actor, id)
        return try await store.webhookDeliveries(of: id, limit: limit)
    }

    /// The event types an endpoint can ask for.
    public static var eventTypes: [DomainEvent.Kind] { DomainEvent.Kind.allCases }

    static func kinds(_ names: [String]) throws(ValidationError) -> Set<DomainEvent.Kind> {
        var kinds = Set<DomainEvent.Kind>()
        var problems: [ValidationError.Problem] = []
        for (index, name) in names.enumerated() {
            if let kind = DomainEvent.Kind(rawValue: name) {
                kinds.insert(kind)
            } else {
                problems.append(
                    .init(
                        field: "events[\(index)]",
                        message: Message(
                            "validation.eventType",
                            [
                                "types": .text(DomainEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))
                            ])))
            }
        }
        if !problems.isEmpty { throw ValidationError(problems) }
        return kinds
    }

    /// Refuses an address on this machine or a private network unless the server allows them.
    private func checkReachable(_ url: String) async throws {
        guard !settings.allowPrivateAddresses, let host = URLComponents(string: url)?.host else { return }
        if await HostAddresses.refusal(for: host) == .private {
            throw ValidationError(field: "url", Message("validation.webhookPrivate"))
        }
    }
}
