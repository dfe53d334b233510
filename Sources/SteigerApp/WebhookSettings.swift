import Foundation
import SteigerCore

/// How webhooks are delivered.
public struct WebhookSettings: Sendable {
    /// Whether endpoints may be on this machine or a private network (off by default: an
    /// administrator's URL must not become a way into the machine's own network).
    public var allowPrivateAddresses: Bool
    /// When failed deliveries are tried again, and for how long.
    public var retry: WebhookRetryPolicy
    /// How long a receiver has to answer one delivery.
    public var timeout: TimeInterval
    /// How often the outbox and the due deliveries are looked at when there is nothing to do.
    public var pollInterval: Duration
    /// Deliveries sent at once.
    public var concurrency: Int
    /// How long a sender holds what it took before another may take it over.
    public var lease: TimeInterval

    /// The defaults: public addresses only, retries from 30 s doubling up to an hour apart for 24
    /// hours, 10 s to answer, a look every second, 8 at once.
    public init(
        allowPrivateAddresses: Bool = false, retry: WebhookRetryPolicy = WebhookRetryPolicy(), timeout: TimeInterval = 10,
        pollInterval: Duration = .seconds(1), concurrency: Int = 8, lease: TimeInterval = 60
    ) {
        self.allowPrivateAddresses = allowPrivateAddresses
        self.retry = retry
        self.timeout = timeout
        self.pollInterval = pollInterval
        self.concurrency = concurrency
        self.lease = lease
    }
}
