import Foundation

/// Tags for webhook identifiers.
extension IdentifierTag {
    /// Webhook endpoints.
    public enum WebhookEndpoint {}
    /// Deliveries of one event to one endpoint.
    public enum WebhookDelivery {}
}

/// Identifies a webhook endpoint.
public typealias WebhookEndpointID = Identifier<IdentifierTag.WebhookEndpoint>
/// Identifies a delivery.
public typealias WebhookDeliveryID = Identifier<IdentifierTag.WebhookDelivery>

/// An address outside Steiger that an administrator registered to receive domain events as
/// signed JSON (the Standard Webhooks scheme).
public struct WebhookEndpoint: Sendable, Equatable, Codable, Identifiable {
    /// The endpoint's identifier.
    public var id: WebhookEndpointID
    /// Where deliveries are POSTed: an http or https address.
    public var url: String
    /// The event types it receives; empty: every type.
    public var eventTypes: Set<DomainEvent.Kind>
    /// What it is for, for the administrator ("Slack of the sales academy").
    public var description: String
    /// The signing secret, `whsec_` and the base64 of 32 random bytes.
    public var secret: String
    /// Whether deliveries are made. An endpoint that keeps failing is switched off.
    public var isEnabled: Bool
    /// Why it was switched off (a `webhook.*` catalogue text), when Steiger did it.
    public var disabledReason: Message?
    /// Who registered it.
    public var createdBy: UserID?
    /// When it was registered; events from before then are not delivered to it.
    public var createdAt: Date

    /// Creates an endpoint after checking its fields; the address's host is checked against
    /// private networks separately (``NetworkAddress``), since that needs a look-up.
    public init(
        id: WebhookEndpointID = WebhookEndpointID(), url: String, eventTypes: Set<DomainEvent.Kind> = [], description: String = "",
        secret: String = WebhookEndpoint.newSecret(), isEnabled: Bool = true, disabledReason: Message? = nil, createdBy: UserID? = nil,
        createdAt: Date = Date()
    ) throws(ValidationError) {
        let url = url.trimmed
        let description = description.trimmed
        var validator = Validator()
        validator.check(Self.isWebAddress(url), "url", Message("validation.webhookURL"))
        validator.check(url.unicodeScalars.count <= 2000, "url", Message("validation.maxCharacters", ["max": 2000]))
        validator.check(description.unicodeScalars.count <= 500, "description", Message("validation.maxCharacters", ["max": 500]))
        try validator.finish()
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.secret = secret
        self.isEnabled = isEnabled
        self.disabledReason = disabledReason
        self.createdBy = createdBy
        self.createdAt = createdAt.wholeMilliseconds
    }

    /// Whether the endpoint wants events of `kind`.
    public func wants(_ kind: DomainEvent.Kind) -> Bool { eventTypes.isEmpty || eventTypes.contains(kind) }

    /// An absolute http(s) address with a host, without credentials or a fragment.
    public static func isWebAddress(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil, components.fragment == nil
        else { return false }
        return true
    }

    /// A new signing secret: `whsec_` and the base64 of 32 random bytes.
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}

/// How a delivery stands.
public enum WebhookDeliveryStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its first or next try.
    case pending
    /// The receiver answered 2xx.
    case delivered
    /// Retried for the whole retry window without success; not tried again.
    case failed
}

/// When a failed delivery is tried again: exponential backoff from `base`, at most `longest`
/// apart, for `window` after the first try.
public struct WebhookRetryPolicy: Sendable, Equatable {
    /// The wait after the first failure.
    public var base: TimeInterval
    /// The longest wait between two tries.
    public var longest: TimeInterval
    /// How long after the first try a delivery is still tried.
    public var window: TimeInterval

    /// The defaults: 30 s, doubling to at most an hour apart, for 24 hours.
    public init(base: TimeInterval = 30, longest: TimeInterval = 3600, window: TimeInterval = 24 * 3600) {
        self.base = base
        self.longest = longest
        self.window = window
    }

    /// When to try again after `attempts` failed tries, the first at `firstTry`; nil once the
    /// window has passed (the delivery has failed for good).
    public func nextTry(after attempts: Int, firstTry: Date, now: Date) -> Date? {
        let wait = min(base * pow(2, Double(max(attempts - 1, 0))), longest)
        let next = now.addingTimeInterval(wait)
        let end = firstTry.addingTimeInterval(window)
        guard now < end else { return nil }
        return min(next, end)
    }
}

/// IP addresses as a webhook check reads them: which belong to this machine or a private network.
public enum NetworkAddress {
    /// Whether `host` (an IP literal, with or without brackets) is loopback, private, link-local,
    /// carrier-grade NAT, unspecified, multicast or broadcast; false for a name or a public address.
    public static func isPrivate(_ host: String) -> Bool {
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let v4 = ipv4(literal) { return isPrivateIPv4(v4) }
        if let v6 = ipv6(literal) { return isPrivateIPv6(v6) }
        return false
    }

    /// Whether `host` is a name that means this machine (`localhost` and names under it).
    public static func isLocalName(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return name == "localhost" || name.hasSuffix(".localhost") || name.isEmpty
    }

    static func ipv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { part in part.count <= 3 && part.allSatisfy(\.isASCII) ? UInt8(part) : nil }
        return bytes.count == 4 ? bytes : nil
    }

    static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard text.contains(":"), inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func isPrivateIPv4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return true
        case (100, 64...127): return true  // carrier-grade NAT
        case (169, 254): return true  // link-local
        case (172, 16...31): return true
        case (192, 168): return true
        case (192, 0) where b[2] == 0: return true  // IETF protocol assignments
        case (198, 18...19): return true  // benchmarking
        case (224...255, _): return true  // multicast, reserved, broadcast
        default: return false
        }
    }

    static func isPrivateIPv6(_ b: [UInt8]) -> Bool {
        if b[0..<15].allSatisfy({ $0 == 0 }) && (b[15] == 0 || b[15] == 1) { return true }  // :: and ::1
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return isPrivateIPv4(Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if b[0] & 0xfe == 0xfc { return true }  // unique local fc00::/7
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return true }  // link-local fe80::/10
        if b[0] == 0xff { return true }  // multicast
        return false
    }
}
