import Foundation

extension IdentifierTag {
    /// Managers' words of encouragement.
    public enum Encouragement {}
}

/// Identifies an encouragement.
public typealias EncouragementID = Identifier<IdentifierTag.Encouragement>

/// A manager's short word of encouragement to one of their people, which reaches them as a notice.
public struct Encouragement: Sendable, Equatable, Identifiable {
    /// Its identifier.
    public var id: EncouragementID
    /// Who sent it.
    public var managerID: UserID
    /// To whom.
    public var personID: UserID
    /// What it says: 1 to 500 characters.
    public var text: String
    /// When.
    public var at: Date

    /// The longest an encouragement may be, in characters.
    public static let maxCharacters = 500

    /// Creates an encouragement after checking its text.
    public init(id: EncouragementID = EncouragementID(), managerID: UserID, personID: UserID, text: String, at: Date) throws(ValidationError) {
        let text = text.trimmed
        var validator = Validator()
        validator.check(!text.isEmpty, "text", Message("validation.empty"))
        validator.check(
            text.unicodeScalars.count <= Self.maxCharacters, "text", Message("validation.maxCharacters", ["max": .integer(Self.maxCharacters)]))
        validator.check(!text.unicodeScalars.contains("\0"), "text", Message("validation.nul"))
        try validator.finish()
        self.id = id
        self.managerID = managerID
        self.personID = personID
        self.text = text
        self.at = at.wholeMilliseconds
    }
}
