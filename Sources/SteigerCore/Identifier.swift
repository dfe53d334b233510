import Foundation

/// A typed identifier: a `UserID` cannot be passed where a `CohortID` is expected.
///
/// Random (UUID v4), so identifiers reveal nothing about how many of a thing exist and cannot
/// be guessed; their text form is the lowercase UUID.
public struct Identifier<Tag>: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The underlying UUID.
    public let rawValue: UUID

    /// Wraps an existing UUID.
    public init(_ rawValue: UUID) { self.rawValue = rawValue }

    /// A new random identifier.
    public init() { self.rawValue = UUID() }

    /// Parses the text form; nil for anything that is not a UUID.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.rawValue = uuid
    }

    /// The lowercase UUID text.
    public var description: String { rawValue.uuidString.lowercased() }

    /// Encodes as the text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Decodes from the text form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not an identifier")
        }
        self.rawValue = uuid
    }
}

/// Tags for ``Identifier``.
public enum IdentifierTag {
    /// Users.
    public enum User {}
    /// Cohorts.
    public enum Cohort {}
    /// Exercises.
    public enum Exercise {}
    /// Submissions.
    public enum Submission {}
}

/// Identifies a user.
public typealias UserID = Identifier<IdentifierTag.User>
/// Identifies a cohort.
public typealias CohortID = Identifier<IdentifierTag.Cohort>
/// Identifies an exercise.
public typealias ExerciseID = Identifier<IdentifierTag.Exercise>
/// Identifies a submission.
public typealias SubmissionID = Identifier<IdentifierTag.Submission>

extension Date {
    /// The time rounded to whole milliseconds, the precision records are stored with, so a
    /// record reads back equal to what was saved.
    public var wholeMilliseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
