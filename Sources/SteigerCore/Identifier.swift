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
        guard let uuid = UUIDText.parse(text) else { return nil }
        self.rawValue = uuid
    }

    /// The lowercase UUID text.
    public var description: String { UUIDText.lowercase(rawValue) }

    /// Encodes as the text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Decodes from the text form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let uuid = UUIDText.parse(text) else {
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

/// UUIDs as text, read and written directly: Foundation's `UUID(uuidString:)` and `uuidString`
/// go through `sscanf` and `snprintf`, which showed at the top of the API's profile (every row
/// carries several identifiers, every answer writes them).
public enum UUIDText {
    /// Reads `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in either case; nil for anything else.
    public static func parse(_ text: String) -> UUID? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var count = 0
        var high: UInt8?
        var position = 0
        for character in text.utf8 {
            defer { position += 1 }
            if position == 8 || position == 13 || position == 18 || position == 23 {
                guard character == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard position < 36, let value = hexValue(character) else { return nil }
            if let first = high {
                bytes[count] = first << 4 | value
                count += 1
                high = nil
            } else {
                high = value
            }
        }
        guard position == 36, count == 16 else { return nil }
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// The lowercase text form.
    public static func lowercase(_ uuid: UUID) -> String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: uuid.uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var out = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    buffer[out] = digits.utf8Start[Int(byte >> 4)]
                    buffer[out + 1] = digits.utf8Start[Int(byte & 0x0f)]
                    out += 2
                }
                return out
            }
        }
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
