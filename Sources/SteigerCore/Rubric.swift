import Foundation

/// How an exercise's attempts are scored: weighted criteria, each on a scale of labelled levels.
public struct Rubric: Sendable, Codable, Equatable {
    /// One level of a criterion's scale.
    public struct Level: Sendable, Codable, Equatable {
        /// The score this level gives.
        public var value: Int
        /// Its name, e.g. "Partly".
        public var label: String
        /// What an attempt at this level shows, e.g. "Acknowledges the objection but argues"
        /// (may be empty).
        public var description: String

        /// Creates a level.
        public init(value: Int, label: String, description: String = "") {
            self.value = value
            self.label = label
            self.description = description
        }
    }

    /// One thing an attempt is judged on.
    public struct Criterion: Sendable, Codable, Equatable {
        /// Stable key, unique in the rubric (lower case, digits and dashes), e.g. "empathy"; when
        /// left empty, the rubric derives it from the title.
        public var key: String
        /// Title shown to reviewers and learners.
        public var title: String
        /// What the criterion looks at (may be empty).
        public var description: String
        /// Relative weight in the total (positive).
        public var weight: Double
        /// The levels, from lowest to highest value.
        public var scale: [Level]

        /// Creates a criterion.
        public init(key: String, title: String, description: String = "", weight: Double = 1, scale: [Level]) {
            self.key = key
            self.title = title
            self.description = description
            self.weight = weight
            self.scale = scale
        }

        /// Lowest score on the scale.
        public var minimum: Int { scale.first?.value ?? 0 }
        /// Highest score on the scale.
        public var maximum: Int { scale.last?.value ?? 0 }

        /// A score as a fraction of the scale, 0 (lowest level) to 1 (highest).
        public func normalised(_ value: Int) -> Double {
            maximum > minimum ? Double(value - minimum) / Double(maximum - minimum) : 0
        }
    }

    /// The criteria, in the order reviewers see them.
    public var criteria: [Criterion]

    /// Creates a rubric after checking it: at least one criterion; unique, well-formed keys;
    /// positive weights; scales of two to ten levels with strictly increasing values and labels.
    /// A criterion without a key gets one made from its title, unlike any other key.
    public init(criteria: [Criterion]) throws(ValidationError) {
        var validator = Validator()
        var criteria = criteria
        var taken = Set(criteria.map(\.key).filter { !$0.isEmpty })
        for i in criteria.indices where criteria[i].key.isEmpty {
            let key = Slug.unique(Slug.derive(from: criteria[i].title, fallback: "criterion"), avoiding: taken)
            criteria[i].key = key
            taken.insert(key)
        }
        validator.check(!criteria.isEmpty, "criteria", Message("validation.criteriaMin"))
        validator.check(criteria.count <= 50, "criteria", Message("validation.criteriaMax", ["max": 50]))
        var seen = Set<String>()
        for (i, criterion) in criteria.enumerated() {
            let field = "criteria[\(i)]"
            validator.check(Slug.isValid(criterion.key), field + ".key", Message("validation.slug"))
            validator.check(seen.insert(criterion.key).inserted, field + ".key", Message("validation.keyUnique", ["key": .text(criterion.key)]))
            validator.check(!criterion.title.trimmed.isEmpty, field + ".title", Message("validation.empty"))
            validator.check(criterion.weight.isFinite && criterion.weight > 0, field + ".weight", Message("validation.positive"))
            validator.check((2...10).contains(criterion.scale.count), field + ".scale", Message("validation.scaleLevels", ["min": 2, "max": 10]))
            for (j, level) in criterion.scale.enumerated() {
                validator.check(!level.label.trimmed.isEmpty, field + ".scale[\(j)].label", Message("validation.empty"))
                if j > 0 {
                    validator.check(
                        level.value > criterion.scale[j - 1].value, field + ".scale[\(j)].value",
                        Message("validation.scaleIncreasing"))
                }
            }
        }
        try validator.finish()
        self.criteria = criteria
    }

    /// The criterion with `key`, if any.
    public func criterion(_ key: String) -> Criterion? { criteria.first { $0.key == key } }

    /// Scores for one attempt, checked against the rubric and totalled.
    public struct Result: Sendable, Codable, Equatable {
        /// Creates a result.
        public init(total: Double, normalised: [String: Double], lowest: Double) {
            self.total = total
            self.normalised = normalised
            self.lowest = lowest
        }

        /// Weighted mean of the normalised scores: 0 (every criterion at its lowest level) to 1.
        public var total: Double
        /// Each criterion's normalised score (0…1), by key.
        public var normalised: [String: Double]
        /// The lowest normalised score of any criterion.
        public var lowest: Double
    }

    /// Totals one attempt's scores (one per criterion, by key).
    /// - Throws: ``ValidationError`` for a missing or unknown criterion or a value not on its scale.
    public func score(_ values: [String: Int]) throws(ValidationError) -> Result {
        var validator = Validator()
        for key in values.keys.sorted() where criterion(key) == nil {
            validator.check(false, "scores.\(key)", Message("validation.notCriterion"))
        }
        var weighted = 0.0, weights = 0.0
        var normalised: [String: Double] = [:]
        for criterion in criteria {
            guard let value = values[criterion.key] else {
                validator.check(false, "scores.\(criterion.key)", Message("validation.missing"))
                continue
            }
            guard criterion.scale.contains(where: { $0.value == value }) else {
                let allowed = criterion.scale.map { String($0.value) }.joined(separator: ", ")
                validator.check(false, "scores.\(criterion.key)", Message("validation.oneOf", ["values": .text(allowed)]))
                continue
            }
            let fraction = criterion.normalised(value)
            normalised[criterion.key] = fraction
            weighted += fraction * criterion.weight
            weights += criterion.weight
        }
        try validator.finish()
        return Result(total: weights > 0 ? weighted / weights : 0, normalised: normalised, lowest: normalised.values.min() ?? 0)
    }
}

/// One attempt's scores as people read them: each criterion's step on its scale with the step's
/// label ("Partly", 2 of 3) and the points it earned of the criterion's weight, and the total in
/// points. The points follow the weighted total exactly: a criterion's lowest step earns none of
/// its weight, its highest all of it, so `points / possible` is ``Rubric/Result/total``.
public struct ScoreBreakdown: Sendable, Equatable, Codable {
    /// One criterion's score.
    public struct Line: Sendable, Equatable, Codable {
        public var key: String
        public var title: String
        /// The score given, and the label of its step.
        public var value: Int
        public var label: String
        /// Which step it is (1 for the lowest) of how many.
        public var step: Int
        public var steps: Int
        /// Points earned of the criterion's weight.
        public var points: Double
        public var possible: Double
    }

    public var lines: [Line]
    /// Points earned and possible, over every criterion.
    public var points: Double
    public var possible: Double

    /// The total as a fraction, 0 to 1 (the weighted total the fading policy compares).
    public var fraction: Double { possible > 0 ? points / possible : 0 }
}

extension Rubric {
    /// The breakdown of `scores` (one per criterion, by key; criteria without a score, or with a
    /// value off their scale, are left out).
    public func breakdown(_ scores: [String: Int]) -> ScoreBreakdown {
        var lines: [ScoreBreakdown.Line] = []
        for criterion in criteria {
            guard let value = scores[criterion.key], let index = criterion.scale.firstIndex(where: { $0.value == value }) else { continue }
            lines.append(
                .init(
                    key: criterion.key, title: criterion.title, value: value, label: criterion.scale[index].label, step: index + 1,
                    steps: criterion.scale.count, points: criterion.weight * criterion.normalised(value), possible: criterion.weight))
        }
        return ScoreBreakdown(lines: lines, points: lines.reduce(0) { $0 + $1.points }, possible: lines.reduce(0) { $0 + $1.possible })
    }
}

extension Rubric.Level {
    private enum CodingKeys: String, CodingKey { case value, label, description }

    /// Decodes a level; `description` may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            value: try container.decode(Int.self, forKey: .value), label: try container.decode(String.self, forKey: .label),
            description: try container.decodeIfPresent(String.self, forKey: .description) ?? "")
    }

    /// Encodes a level, with its description only when it has one.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(value, forKey: .value)
        try container.encode(label, forKey: .label)
        if !description.isEmpty { try container.encode(description, forKey: .description) }
    }
}

extension Rubric.Criterion {
    private enum CodingKeys: String, CodingKey { case key, title, description, weight, scale }

    /// Decodes a criterion; `key` (made from the title), `description` and `weight` (1) may be
    /// left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            key: try container.decodeIfPresent(String.self, forKey: .key) ?? "", title: try container.decode(String.self, forKey: .title),
            description: try container.decodeIfPresent(String.self, forKey: .description) ?? "",
            weight: try container.decodeIfPresent(Double.self, forKey: .weight) ?? 1,
            scale: try container.decode([Rubric.Level].self, forKey: .scale))
    }

    /// Encodes a criterion, with its description only when it has one.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(title, forKey: .title)
        if !description.isEmpty { try container.encode(description, forKey: .description) }
        try container.encode(weight, forKey: .weight)
        try container.encode(scale, forKey: .scale)
    }
}

extension Rubric {
    private enum CodingKeys: String, CodingKey { case criteria }

    /// Decodes and checks a rubric; problems name their full path (e.g. `rubric.criteria[0].weight`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let criteria = try container.decode([Criterion].self, forKey: .criteria)
        do {
            try self.init(criteria: criteria)
        } catch {
            throw error.prefixed(by: decoder.codingPath)
        }
    }
}

/// Keys made of lower-case letters, digits and dashes.
public enum Slug {
    /// Whether `text` is such a key: 1 to 64 characters, no dash first or last.
    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && !text.hasPrefix("-") && !text.hasSuffix("-")
            && text.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// The key a name gives: its letters without accents in lower case and its digits, everything
    /// else one dash between words, cut to 64 characters at a word ("Omgaan met bezwaren" gives
    /// "omgaan-met-bezwaren", "Réflexion" gives "reflexion"); `fallback` when nothing is left.
    public static func derive(from name: String, fallback: String = "") -> String {
        let plain = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil).lowercased()
        var key = ""
        for character in plain {
            if ("a"..."z").contains(character) || ("0"..."9").contains(character) {
                key.append(character)
            } else if !key.isEmpty, key.last != "-" {
                key.append("-")
            }
        }
        while key.count > 64, let cut = key.dropLast().lastIndex(of: "-") { key = String(key[..<cut]) }
        if key.count > 64 { key = String(key.prefix(64)) }
        while key.hasSuffix("-") { key.removeLast() }
        return key.isEmpty ? fallback : key
    }

    /// `key`, or `key-2`, `key-3`, … if `taken` holds it already (cut to stay within 64 characters).
    public static func unique(_ key: String, avoiding taken: Set<String>) -> String {
        guard taken.contains(key) else { return key }
        var number = 2
        while true {
            let suffix = "-\(number)"
            var stem = String(key.prefix(64 - suffix.count))
            while stem.hasSuffix("-") { stem.removeLast() }
            if !taken.contains(stem + suffix) { return stem + suffix }
            number += 1
        }
    }
}
