import Foundation
import SteigerCore
import SteigerStore

/// The JSON body of a delivery, in the Standard Webhooks shape: `type`, `timestamp` (when the
/// event happened) and `data` (the event: its id, version, who caused it, the ids it concerns
/// and its fields). The `webhook-id` header carries the event's id, the same on every retry, so a
/// receiver that sees it twice knows it is the same event.
public struct WebhookPayload: Encodable, Sendable {
    public struct EventData: Encodable, Sendable {
        public var id: String
        public var version: Int
        public var position: Int64
        public var actor: String?
        public var subjects: [String: String]
        public var fields: [String: String]

        enum CodingKeys: String, CodingKey { case id, version, position, actor, subjects, fields = "data" }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(version, forKey: .version)
            try container.encode(position, forKey: .position)
            try container.encode(actor, forKey: .actor)
            try container.encode(subjects, forKey: .subjects)
            try container.encode(fields, forKey: .fields)
        }
    }

    public var type: String
    public var timestamp: String
    public var data: EventData

    /// The body for `entry`.
    public init(_ entry: OutboxEntry) {
        let event = entry.event
        type = event.kind.rawValue
        timestamp = event.occurredAt.iso8601Milliseconds
        data = EventData(
            id: UUIDText.lowercase(event.id), version: event.version, position: entry.position, actor: event.actorID?.description,
            subjects: event.subjects, fields: event.data)
    }

    /// The body as JSON bytes (keys sorted).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
