import Foundation

/// The proxies (load balancers, TLS terminators) in front of Steiger whose `X-Forwarded-For`
/// is believed: single addresses (`10.0.0.5`, `::1`) or IPv4 ranges (`10.0.0.0/8`).
public struct TrustedProxies: Sendable, Equatable {
    private var ranges: [(network: UInt32, mask: UInt32)] = []
    private var exact: Set<String> = []

    public init() {}

    /// Parses `10.0.0.5`, `10.0.0.0/8` or an IPv6 address; nil when `entries` holds anything else.
    public init?(_ entries: [String]) {
        for entry in entries.map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            if let network = Self.ipv4(parts[0]) {
                let bits = parts.count == 2 ? Int(parts[1]) : 32
                guard let bits, (0...32).contains(bits) else { return nil }
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                ranges.append((network & mask, mask))
            } else if parts.count == 1, entry.contains(":") {
                exact.insert(entry.lowercased())
            } else {
                return nil
            }
        }
    }

    public static func == (a: TrustedProxies, b: TrustedProxies) -> Bool {
        a.exact == b.exact && a.ranges.map(\.network) == b.ranges.map(\.network) && a.ranges.map(\.mask) == b.ranges.map(\.mask)
    }

    /// Whether no proxy is trusted.
    public var isEmpty: Bool { ranges.isEmpty && exact.isEmpty }

    /// Whether `address` is a trusted proxy.
    public func contains(_ address: String) -> Bool {
        let address = Self.plain(address)
        if let value = Self.ipv4(address) { return ranges.contains { value & $0.mask == $0.network } }
        return exact.contains(address.lowercased())
    }

    /// An IPv4 address as itself when it comes mapped into IPv6 (`::ffff:10.0.0.5`, as a server
    /// listening on `::` sees IPv4 peers).
    public static func plain(_ address: String) -> String {
        address.lowercased().hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
    }

    /// Whether `text` is an IP address (v4, or v6 as `inet_pton` reads it).
    static func isAddress(_ text: String) -> Bool {
        if ipv4(text) != nil { return true }
        var storage = in6_addr()
        return text.contains(":") && inet_pton(AF_INET6, text, &storage) == 1
    }

    /// Who sent a request that reached us from `peer`: the peer itself, unless it is a trusted
    /// proxy; then the nearest address in `X-Forwarded-For` (read from the right) that is not one
    /// (an address a client wrote further left proves nothing).
    public func client(peer: String?, forwardedFor: String?) -> String? {
        guard let peer = peer.map(Self.plain), contains(peer), let forwardedFor else { return peer.map(Self.plain) }
        // A hop that is not an address (`unknown`, one with a port) ends the trail: the proxy nearest to us vouches no further.
        let hops = forwardedFor.split(separator: ",").map { Self.plain($0.trimmingCharacters(in: .whitespaces)) }
        for hop in hops.reversed() {
            guard Self.isAddress(hop) else { return peer }
            if !contains(hop) { return hop }
        }
        return peer
    }

    private static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
