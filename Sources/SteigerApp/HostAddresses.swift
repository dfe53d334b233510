import Foundation
import NIOPosix
import SteigerCore

/// Where a host name leads, for the check that webhooks reach only public addresses.
public enum HostAddresses {
    /// The IP addresses `host` resolves to (the literal itself for an IP address); empty when
    /// it cannot be resolved. The look-up runs on NIO's thread pool.
    public static func resolve(_ host: String) async -> [String] {
        let literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return (try? await NIOThreadPool.singleton.runIfActive { lookUp(literal) }) ?? []
    }

    /// Why a webhook to `host` must not be sent, or nil when every address it has is public:
    /// `private` for this machine or a private network, `unresolvable` for a name nobody knows.
    public static func refusal(for host: String) async -> Refusal? {
        if NetworkAddress.isLocalName(host) || NetworkAddress.isPrivate(host) { return .private }
        let addresses = await resolve(host)
        if addresses.isEmpty { return .unresolvable }
        return addresses.contains(where: NetworkAddress.isPrivate) ? .private : nil
    }

    /// What is wrong with a webhook's host.
    public enum Refusal: Sendable, Equatable {
        /// It is (or resolves to) this machine or a private network.
        case `private`
        /// No address is known for it.
        case unresolvable
    }

    private static func lookUp(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &results) == 0, let first = results else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                // A scoped IPv6 address (fe80::1%eth0) is judged without its zone.
                addresses.append(String(text.split(separator: "%").first ?? ""))
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}
