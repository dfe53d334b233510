import Foundation

/// Where a mail stands.
public enum MailStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting to be sent (or to be tried again).
    case pending
    /// The mail server took it.
    case sent
    /// Refused for good, or not taken within a day.
    case failed
}

/// An address the mail server refused for good, shown to administrators.
public struct MailFailure: Sendable, Equatable {
    public var address: String
    public var reason: String
    public var since: Date

    public init(address: String, reason: String, since: Date) {
        self.address = address
        self.reason = reason
        self.since = since
    }
}
