import Crypto
import Foundation

/// Signatures of the Standard Webhooks scheme: `webhook-signature: v1,<base64>` where the
/// base64 is the HMAC-SHA256, keyed with the endpoint's secret, of `<webhook-id>.<webhook-timestamp>.<body>`.
/// A receiver recomputes it, compares in constant time, and refuses a timestamp too far from its
/// clock, so a captured delivery cannot be replayed later.
public enum WebhookSignature {
    /// The key inside a `whsec_…` secret (the base64 after the prefix); nil if it is not one.
    public static func key(_ secret: String) -> SymmetricKey? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst("whsec_".count)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` value for a delivery.
    public static func sign(id: String, timestamp: Int, body: some DataProtocol, key: SymmetricKey) -> String {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Data("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    /// The signature made with a `whsec_…` secret (empty when the secret is not one).
    public static func sign(id: String, timestamp: Int, body: some DataProtocol, secret: String) -> String {
        key(secret).map { sign(id: id, timestamp: timestamp, body: body, key: $0) } ?? ""
    }

    /// ``verify(header:id:timestamp:body:key:now:tolerance:)`` with a `whsec_…` secret.
    public static func verify(
        header: String, id: String, timestamp: String, body: some DataProtocol, secret: String, now: Date = Date(),
        tolerance: TimeInterval = 300
    ) -> Bool {
        key(secret).map { verify(header: header, id: id, timestamp: timestamp, body: body, key: $0, now: now, tolerance: tolerance) } ?? false
    }

    /// Whether `header` (one or more space-separated `v1,<base64>` signatures) carries a valid
    /// signature of the delivery, and its timestamp is within `tolerance` seconds of `now`.
    public static func verify(
        header: String, id: String, timestamp: String, body: some DataProtocol, key: SymmetricKey,
        now: Date = Date(), tolerance: TimeInterval = 300
    ) -> Bool {
        guard let seconds = Int(timestamp), abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else { return false }
        let signed = Data("\(id).\(seconds).".utf8) + Data(body)
        return header.split(separator: " ").contains { part in
            guard part.hasPrefix("v1,"), let given = Data(base64Encoded: String(part.dropFirst(3))) else { return false }
            // Constant time: how much of a forged signature matched must not show in the timing.
            return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: signed, using: key)
        }
    }
}
