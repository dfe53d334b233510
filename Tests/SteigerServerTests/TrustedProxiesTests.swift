import SteigerServer
import Testing

@Suite("Who sent a request, behind trusted proxies")
struct TrustedProxiesTests {
    @Test("the client is the nearest untrusted hop of X-Forwarded-For, only when the peer is a trusted proxy")
    func client() throws {
        let proxies = try #require(TrustedProxies(["10.0.0.0/8", "127.0.0.1", "::1"]))
        #expect(proxies.contains("10.1.2.3") && proxies.contains("127.0.0.1") && proxies.contains("::1") && !proxies.contains("11.0.0.1"))
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: "203.0.113.7") == "203.0.113.7")
        // A client cannot choose its address by writing one further left.
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: "1.2.3.4, 203.0.113.7, 10.0.0.9") == "203.0.113.7")
        // Nor can anyone who is not a trusted proxy.
        #expect(proxies.client(peer: "198.51.100.1", forwardedFor: "203.0.113.7") == "198.51.100.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: nil) == "127.0.0.1")
        #expect(TrustedProxies(["10.0.0.0/33"]) == nil && TrustedProxies(["proxy.example"]) == nil)
        // A server listening on :: sees IPv4 peers mapped into IPv6.
        #expect(proxies.contains("::ffff:10.0.0.5") && proxies.client(peer: "::ffff:127.0.0.1", forwardedFor: "203.0.113.7") == "203.0.113.7")
        // A hop that is not an address ends the trail at the proxy: no made-up client per request.
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: "203.0.113.7:5000") == "127.0.0.1")
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: "unknown, 203.0.113.7") == "203.0.113.7")
        #expect(TrustedProxies([])?.isEmpty == true)
    }
}
