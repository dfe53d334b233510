import Foundation

/// What a mailed account link is for. Each is used once, before it expires.
public enum AccountLinkPurpose: String, Sendable, Codable, CaseIterable {
    /// An invitation: the person chooses their password and is signed in.
    case invitation
    /// "Forgot password": the person chooses a new one.
    case passwordReset = "password-reset"
    /// A new e-mail address, confirmed from that address.
    case emailChange = "email-change"

    /// How long a link lives: two weeks to accept an invitation, an hour to reset a password, a
    /// day to confirm an address.
    public var lifetime: TimeInterval {
        switch self {
        case .invitation: 14 * 86400
        case .passwordReset: 3600
        case .emailChange: 86400
        }
    }

    /// Whether using the link sets a password.
    public var setsPassword: Bool { self != .emailChange }
}

/// A live account link as stored: for whom, to which address, until when.
public struct AccountLink: Sendable, Equatable {
    public var purpose: AccountLinkPurpose
    public var userID: UserID
    /// The address it was mailed to (for an address change: the new address).
    public var email: String
    public var expiresAt: Date

    public init(purpose: AccountLinkPurpose, userID: UserID, email: String, expiresAt: Date) {
        self.purpose = purpose
        self.userID = userID
        self.email = email
        self.expiresAt = expiresAt.wholeMilliseconds
    }
}
