import Foundation

/// What a person may do in Steiger; one person can hold several roles.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Manages everything: users, cohorts, exercises, batch jobs.
    case admin
    /// Follows the people an administrator linked to them: their progress, scores and the
    /// recordings they shared with their manager; encourages them.
    case manager
    /// Reviews and scores the attempts of the cohorts they train.
    case trainer
    /// Practises: sees exercises, submits attempts, reads feedback.
    case learner

    /// Orders roles from most to least powerful.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A person with an account.
public struct User: Sendable, Codable, Equatable, Identifiable {
    /// The user's identifier.
    public var id: UserID
    /// Email address, normalised to lower case; unique; used to log in.
    public var email: String
    /// Name shown to others.
    public var displayName: String
    /// What the person may do.
    public var roles: Set<Role>
    /// A disabled account cannot log in and its tokens stop working; its work is kept.
    public var isDisabled: Bool
    /// When the account was created.
    public var createdAt: Date
    /// The language the person chose for pages and messages; nil follows their browser.
    public var language: Language?
    /// The person's time zone (an IANA name): every date and time they read is in it.
    public var timeZone: String

    /// Creates a user after checking and normalising the fields.
    /// - Throws: ``ValidationError`` naming each bad field.
    public init(
        id: UserID = UserID(), email: String, displayName: String, roles: Set<Role>, isDisabled: Bool = false,
        createdAt: Date = Date(), language: Language? = nil, timeZone: String = "UTC"
    ) throws(ValidationError) {
        let normalised = email.trimmed.lowercased()
        let name = displayName.trimmed
        var validator = Validator()
        validator.check(User.isPlausibleEmail(normalised), "email", Message("validation.email"))
        validator.check(!name.isEmpty, "displayName", Message("validation.empty"))
        validator.check(name.unicodeScalars.count <= 200, "displayName", Message("validation.maxCharacters", ["max": 200]))
        // A guest reviewer's account alone holds no role (see ``GuestInvitation``).
        validator.check(!roles.isEmpty || normalised.hasSuffix("@" + Self.guestDomain), "roles", Message("validation.roles"))
        try validator.finish()
        self.id = id
        self.email = normalised
        self.displayName = name
        self.roles = roles
        self.isDisabled = isDisabled
        self.createdAt = createdAt.wholeMilliseconds
        self.language = language
        self.timeZone = timeZone
    }

    /// Whether the user holds `role`.
    public func has(_ role: Role) -> Bool { roles.contains(role) }

    /// A loose check: one `@`, something before it, a dot in the domain, no spaces, at most 254 characters.
    static func isPlausibleEmail(_ text: String) -> Bool {
        guard text.count <= 254, !text.contains(where: \.isWhitespace) else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !domain.contains("..")
    }
}

extension User {
    /// The domain of the addresses of accounts that stand in for erased people.
    public static let erasedDomain = "erased.invalid"

    /// The address of the account that stands in for an erased person (`.invalid` never delivers).
    public static func erasedAddress(_ id: UserID) -> String { "\(id)@\(erasedDomain)" }

    /// Whether the account stands in for an erased person: their kept comments and reviews on
    /// others' work show as "a former participant".
    public var isErased: Bool { email.hasSuffix("@" + Self.erasedDomain) }
}
