import Foundation

/// Writes messages, dates and numbers in one language from its catalogue: a flat map of keys to
/// texts with `{name}` placeholders, as translators edit them in `messages/<language>.json`.
/// A key the catalogue lacks takes the English text; a key no catalogue has shows as the key.
///
/// Keys the formatting itself reads: `month.1` … `month.12`, `number.0` … `number.12` (counts
/// written as words), `format.decimal` and `format.group` (separators), `format.and` (the last
/// joint of a list) and `format.dateTime` (`{date}` and `{time}`).
public struct Localizer: Sendable {
    /// The language written.
    public let language: Language
    /// The language's texts with English filled in for the keys it lacks.
    public let messages: [String: String]
    /// The time zone dates and times are written in: the reader's own, UTC until they choose.
    public var timeZone: TimeZone {
        get { calendar.timeZone }
        set { calendar.timeZone = newValue }
    }
    private var calendar = Localizer.utc

    /// A localizer over `messages`, with `fallback` (English) for the keys it lacks.
    public init(language: Language, messages: [String: String], fallback: [String: String] = [:]) {
        self.language = language
        self.messages = fallback.merging(messages) { _, own in own }
    }

    /// A catalogue file's contents: one JSON object of strings.
    public static func catalogue(_ data: Data) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: data)
    }

    /// The text of `key` with `arguments` put in; with an argument named `count`, the key's
    /// `.one` or `.other` form when the catalogue has it.
    public func format(_ message: Message) -> String {
        var template = messages[message.key]
        let count: Int? =
            switch message.arguments["count"] {
            case .integer(let value)?, .word(let value)?: value
            default: nil
            }
        if let count, let form = messages[message.key + (count == 1 ? ".one" : ".other")] { template = form }
        guard let template else { return message.key }
        return fill(template) { name in message.arguments[name].map(format) }
    }

    /// A message as a sentence: its first letter a capital (a sentence may begin with a name of
    /// a support or a level, written lower case within sentences).
    public func sentence(_ message: Message) -> String {
        let text = format(message)
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// A stored message (``Message/stored``) in this language; other text as it is.
    public func format(stored text: String) -> String {
        Message(stored: text).map(format) ?? text
    }

    /// The text of `key` with `arguments` put in.
    public func text(_ key: String, _ arguments: [String: Message.Argument] = [:]) -> String {
        format(Message(key, arguments))
    }

    /// One argument as written in this language.
    public func format(_ argument: Message.Argument) -> String {
        switch argument {
        case .text(let text): text
        case .integer(let value): integer(value)
        case .decimal(let value): decimal(value)
        case .percent(let value): integer(Int((value * 100).rounded())) + " %"
        case .date(let value): date(value)
        case .dateTime(let value): dateTime(value)
        case .word(let value): messages["number.\(value)"] ?? integer(value)
        case .message(let message): format(message)
        case .list(let items): list(items.map(format))
        }
    }

    /// A whole number with the language's grouping: `12,345` in English, `12.345` in Dutch.
    public func integer(_ value: Int) -> String {
        let digits = String(value.magnitude)
        let group = messages["format.group"] ?? ","
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped += group }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A number with `places` decimals: `0.82` in English, `0,82` in Dutch.
    public func decimal(_ value: Double, places: Int = 2) -> String {
        guard value.isFinite else { return String(value) }
        let text = String(format: "%.\(places)f", value)
        return text.replacingOccurrences(of: ".", with: messages["format.decimal"] ?? ".")
    }

    /// An amount of storage in decimal units: `820 kB`, `1.4 GB` (`1,4 GB` in Dutch).
    public func bytes(_ count: Int64) -> String {
        let units = ["kB", "MB", "GB", "TB"]
        guard count >= 1000 else { return integer(Int(count)) + " B" }
        var value = Double(count) / 1000
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return (value < 10 ? decimal(value, places: 1) : integer(Int(value.rounded()))) + " " + units[unit]
    }

    /// A date: `3 May 2026` in English, `3 mei 2026` in Dutch (in ``timeZone``).
    public func date(_ date: Date) -> String {
        let parts = calendar.dateComponents([.day, .month, .year], from: date)
        let month = messages["month.\(parts.month ?? 1)"] ?? String(parts.month ?? 1)
        return "\(parts.day ?? 1) \(month) \(parts.year ?? 1970)"
    }

    /// A date and a time of day in ``timeZone``, with the zone's offset: `3 May 2026, 14:05 UTC`,
    /// `3 mei 2026 om 16:05 UTC+2`.
    public func dateTime(_ date: Date) -> String {
        fill(messages["format.dateTime"] ?? "{date} {time} {zone}") { name in
            switch name {
            case "date": self.date(date)
            case "time": time(date)
            case "zone": zone(at: date)
            default: nil
            }
        }
    }

    /// A time of day in ``timeZone``: `14:05`.
    public func time(_ date: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    /// The zone's offset at `date`, the same in every language: `UTC`, `UTC+2`, `UTC+5:30`.
    public func zone(at date: Date) -> String {
        let seconds = calendar.timeZone.secondsFromGMT(for: date)
        guard seconds != 0 else { return "UTC" }
        let (hours, minutes) = (abs(seconds) / 3600, abs(seconds) / 60 % 60)
        return "UTC" + (seconds < 0 ? "−" : "+") + String(hours) + (minutes == 0 ? "" : String(format: ":%02d", minutes))
    }

    /// A time in a recording: `0:05`, `1:02:03` (the same in every language).
    public func clock(milliseconds: Int) -> String {
        let seconds = max(milliseconds, 0) / 1000
        let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    /// Items joined as a list: `a, b and c`, `a, b en c`.
    public func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " " + (messages["format.and"] ?? "and") + " " + items[items.count - 1]
        }
    }

    /// Puts values into the `{name}` placeholders of `template`; a placeholder without a value
    /// stays as written, so a missing argument shows rather than vanishing.
    private func fill(_ template: String, _ value: (String) -> String?) -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { return result + rest[open...] }
            let name = String(rest[rest.index(after: open)..<close])
            result += value(name) ?? String(rest[open...close])
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The placeholders a template uses, e.g. `["count", "date"]` (for catalogue checks).
    public static func placeholders(_ template: String) -> Set<String> {
        var names = Set<String>()
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.insert(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
