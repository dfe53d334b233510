import Foundation

/// A text for a person, kept as a catalogue key and its arguments until it is shown, so that the
/// same value reads in each person's language (a ``Localizer`` writes it out). Stored values
/// (processing reasons, warnings) are messages too, so an attempt that failed yesterday explains
/// itself in Dutch to one reader and in English to another.
public struct Message: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A value put into a message's text where the catalogue's `{name}` placeholder stands.
    public enum Argument: Sendable, Hashable, Codable {
        /// Shown as it is (names, titles, field names, what a person typed).
        case text(String)
        /// A whole number, grouped per language (`2.147.483.648` in Dutch).
        case integer(Int)
        /// A score or fraction with two decimals (`0,82` in Dutch).
        case decimal(Double)
        /// A fraction as a whole percentage (`82 %`), as scores are shown to people.
        case percent(Double)
        /// A calendar date (`3 mei 2026`) in the reader's time zone.
        case date(Date)
        /// A date and time of day (`3 mei 2026 om 16:05 CEST`) in the reader's time zone.
        case dateTime(Date)
        /// A number written as a word where the catalogue has one (`twee`, `two`), else digits.
        case word(Int)
        /// Another message, translated in turn.
        case message(Message)
        /// Several values joined as a list (`0,82 en 0,90`).
        case list([Argument])
    }

    /// The catalogue key, e.g. `problem.notFound`; stable, so clients may rely on it.
    public var key: String
    /// The values for the text's placeholders, by name. An argument named `count` also picks
    /// the `.one` or `.other` form of the key when the catalogue has those.
    public var arguments: [String: Argument]

    /// Creates a message.
    public init(_ key: String, _ arguments: [String: Argument] = [:]) {
        self.key = key
        self.arguments = arguments
    }

    /// The message as stored in a text column (JSON), e.g. a submission's failure reason.
    public var stored: String {
        (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? key
    }

    /// A message read back from ``stored``; nil for any other text (reasons written before
    /// messages were stored, shown as they are).
    public init?(stored text: String) {
        guard text.hasPrefix("{"), let message = try? JSONDecoder().decode(Message.self, from: Data(text.utf8)) else { return nil }
        self = message
    }

    /// The key and arguments, for logs (people get ``Localizer/format(_:)``).
    public var description: String {
        arguments.isEmpty ? key : key + " " + arguments.keys.sorted().map { "\($0)=\(arguments[$0]!)" }.joined(separator: " ")
    }
}

extension Message.Argument: CustomStringConvertible, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    /// Text arguments can be written as string literals.
    public init(stringLiteral value: String) { self = .text(value) }
    /// Integer arguments can be written as integer literals.
    public init(integerLiteral value: Int) { self = .integer(value) }

    /// The value in plain form, for logs.
    public var description: String {
        switch self {
        case .text(let text): text
        case .integer(let value), .word(let value): String(value)
        case .decimal(let value): String(format: "%.2f", value)
        case .percent(let value): "\(Int((value * 100).rounded())) %"
        case .date(let date), .dateTime(let date): date.formatted(Date.ISO8601FormatStyle())
        case .message(let message): "(\(message))"
        case .list(let items): items.map(\.description).joined(separator: ",")
        }
    }
}
