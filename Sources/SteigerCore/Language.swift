/// A language Steiger speaks to people: its pages, problems, processing reasons and scaffolding
/// explanations. The command line speaks English whatever the setting.
public enum Language: String, CaseIterable, Sendable, Codable, Hashable {
    /// Dutch (the Netherlands and Flanders).
    case nl
    /// English, also the fallback for a text a catalogue lacks.
    case en

    /// The language a person picked, written as its code (`nl`, `en`); nil for anything else.
    public init?(code: String) {
        self.init(rawValue: code.trimmed.lowercased())
    }

    /// The first language of an `Accept-Language` header that Steiger speaks, by the header's
    /// weights (`nl-BE,nl;q=0.9,en;q=0.8` → nl); nil when it names none (or `q=0` for all).
    public static func preferred(acceptLanguage header: String?) -> Language? {
        guard let header, header.utf8.count <= 1000 else { return nil }
        var choices: [(language: Language, weight: Double, order: Int)] = []
        for (order, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";")
            guard let tag = parts.first?.trimmed.lowercased(), !tag.isEmpty else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.trimmed.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmed.lowercased() == "q" { weight = Double(pair[1].trimmed) ?? 0 }
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard weight > 0, let language = Language(rawValue: primary) else { continue }
            choices.append((language, weight, order))
        }
        return choices.min { $0.weight != $1.weight ? $0.weight > $1.weight : $0.order < $1.order }?.language
    }
}

extension Substring {
    var trimmed: String { String(self).trimmed }
}
