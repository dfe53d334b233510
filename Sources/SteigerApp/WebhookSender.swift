import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SteigerCore
import SteigerStore

/// Sends one delivery: the event as JSON, signed with the endpoint's secret, to the endpoint's
/// address, and says how it went. Never throws: every outcome is a ``WebhookAttempt`` for the
/// administrator to read.
struct WebhookSender: Sendable {
    let client: HTTPClient
    let settings: WebhookSettings
    let now: @Sendable () -> Date

    /// The HTTP client deliveries go through: no redirects (an endpoint is the address the
    /// administrator gave), and a receiver that refuses the connection fails the try at once
    /// instead of being dialled again until the try's time is up.
    static func makeClient(_ settings: WebhookSettings) -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout.connect = .milliseconds(Int64(min(settings.timeout, 5) * 1000))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func send(_ job: WebhookJob) async -> WebhookAttempt {
        let started = now()
        let clock = ContinuousClock.now
        let number = job.delivery.attempts + 1
        func attempt(status: Int? = nil, error: Message? = nil, response: String? = nil) -> WebhookAttempt {
            WebhookAttempt(
                number: number, startedAt: started, duration: (ContinuousClock.now - clock).seconds, statusCode: status, error: error,
                response: response)
        }
        guard let host = URLComponents(string: job.endpoint.url)?.host, let key = WebhookSignature.key(job.endpoint.secret) else {
            return attempt(error: Message("webhook.unreachable", ["detail": .text("invalid address or secret")]))
        }
        if !settings.allowPrivateAddresses, await HostAddresses.refusal(for: host) == .private {
            return attempt(error: Message("webhook.privateAddress", ["host": .text(host)]))
        }
        let body: Data
        do {
            body = try WebhookPayload(job.delivery.entry).encoded()
        } catch {
            return attempt(error: Message("webhook.unreachable", ["detail": .text("the event could not be written as JSON")]))
        }
        let id = UUIDText.lowercase(job.delivery.entry.event.id)
        let timestamp = Int(now().timeIntervalSince1970)
        var request = HTTPClientRequest(url: job.endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Steiger-Webhooks/1")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: WebhookSignature.sign(id: id, timestamp: timestamp, body: body, key: key))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(settings.timeout * 1000)))
            var collected = try await response.body.collect(upTo: 64 * 1024)
            let text = collected.readString(length: min(collected.readableBytes, 1024))
            return attempt(status: Int(response.status.code), response: text)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return attempt(error: Message("webhook.timeout", ["seconds": .integer(Int(settings.timeout.rounded()))]))
        } catch {
            return attempt(error: Message("webhook.unreachable", ["detail": .text(Self.describe(error))]))
        }
    }

    /// A short, stable description of why a connection failed.
    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return String(text.prefix(200))
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
