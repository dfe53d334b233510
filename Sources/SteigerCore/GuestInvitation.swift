import Foundation

extension IdentifierTag {
    /// Invitations of guest reviewers.
    public enum GuestInvitation {}
}

/// Identifies a guest invitation.
public typealias GuestInvitationID = Identifier<IdentifierTag.GuestInvitation>

/// Someone without an account (a manager, a customer, an actor) asked to review one attempt
/// through a link that expires. The guest stands as an account of their own that can sign in
/// only through the link (see ``User/isGuest``), holds one review task of kind
/// ``ReviewTask/Kind/guest``, and reaches nothing but that attempt, and only while the
/// invitation is live.
public struct GuestInvitation: Sendable, Equatable, Identifiable {
    public var id: GuestInvitationID
    /// The attempt to review.
    public var submissionID: SubmissionID
    /// The guest's review task.
    public var taskID: ReviewTaskID
    /// The account that stands for the guest.
    public var guestID: UserID
    /// Who invited them (the attempt's learner or one of its trainers).
    public var invitedBy: UserID
    /// The guest's name as the inviter gave it.
    public var name: String
    /// Where the link was sent (nil: the inviter passes it on themselves).
    public var email: String?
    public var createdAt: Date
    /// When the link stops working.
    public var expiresAt: Date
    /// When the inviter withdrew it (nil: not withdrawn).
    public var revokedAt: Date?
    /// When the guest first opened the link.
    public var openedAt: Date?

    /// How many days a link may live: 1 to 30, a week unless the inviter says otherwise.
    public static let days = 1...30
    public static let defaultDays = 7

    /// A new invitation after checking what the inviter typed.
    /// - Throws: ``ValidationError`` for an empty or over-long name, an implausible address, or a lifetime outside ``days``.
    public init(
        id: GuestInvitationID = GuestInvitationID(), submissionID: SubmissionID, taskID: ReviewTaskID, guestID: UserID, invitedBy: UserID,
        name: String, email: String?, days: Int, now: Date
    ) throws(ValidationError) {
        let name = name.trimmed
        let email = email.map { $0.trimmed.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        var validator = Validator()
        validator.check(
            !name.isEmpty && name.unicodeScalars.count <= 100 && !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
            "name", Message("validation.charactersBetween", ["min": 1, "max": 100]))
        validator.check(email.map(User.isPlausibleEmail) ?? true, "email", Message("validation.email"))
        validator.check(
            Self.days.contains(days), "days",
            Message("validation.range", ["min": .integer(Self.days.lowerBound), "max": .integer(Self.days.upperBound)]))
        try validator.finish()
        self.init(
            id: id, submissionID: submissionID, taskID: taskID, guestID: guestID, invitedBy: invitedBy, name: name, email: email,
            createdAt: now, expiresAt: now.addingTimeInterval(Double(days) * 86400))
    }

    /// An invitation as stored.
    public init(
        id: GuestInvitationID, submissionID: SubmissionID, taskID: ReviewTaskID, guestID: UserID, invitedBy: UserID, name: String,
        email: String?, createdAt: Date, expiresAt: Date, revokedAt: Date? = nil, openedAt: Date? = nil
    ) {
        self.id = id
        self.submissionID = submissionID
        self.taskID = taskID
        self.guestID = guestID
        self.invitedBy = invitedBy
        self.name = name
        self.email = email
        self.createdAt = createdAt.wholeMilliseconds
        self.expiresAt = expiresAt.wholeMilliseconds
        self.revokedAt = revokedAt?.wholeMilliseconds
        self.openedAt = openedAt?.wholeMilliseconds
    }

    /// Whether the link works at `now`: not withdrawn and not expired.
    public func isLive(at now: Date) -> Bool { revokedAt == nil && now < expiresAt }

    /// The account that stands for the guest: no role, no address that delivers, their name.
    public func guestAccount(language: Language?) throws(ValidationError) -> User {
        try User(id: guestID, email: User.guestAddress(guestID), displayName: name, roles: [], createdAt: createdAt, language: language)
    }
}

extension User {
    /// The domain of the addresses of accounts that stand for guest reviewers.
    public static let guestDomain = "guest.invalid"

    /// The address of a guest's account (`.invalid` never delivers, and nobody signs in with it).
    public static func guestAddress(_ id: UserID) -> String { "\(id)@\(guestDomain)" }

    /// Whether the account stands for a guest reviewer, who signs in only through their link.
    public var isGuest: Bool { email.hasSuffix("@" + Self.guestDomain) }
}
