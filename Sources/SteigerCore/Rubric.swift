/// How an exercise's attempts are scored: weighted criteria, each on a scale of labelled levels.
public struct Rubric: Sendable, Codable, Equatable {
    /// One level of a criterion's scale.
    public struct Level: Sendable, Codable, Equatable {
        /// The score this level gives.
        public var value: Int
        /// What it means, e.g. "Acknowledges the objection and asks a question".
        public var label: String

        /// Creates a level.
        public init(value: Int, label: String) {
            self.value = value
            self.label = label
        }
    }

    /// One thing an attempt is judged on.
    public struct Criterion: Sendable, Codable, Equatable {
        /// Stable key, unique in the rubric (lower case, digits and dashes), e.g. "empathy".
        public var key: String
        /// Title shown to reviewers and learners.
        public var title: String
        /// Relative weight in the total (positive).
        public var weight: Double
        /// The levels, from lowest to highest value.
        public var scale: [Level]

        /// Creates a criterion.
        public init(key: String, title: String, weight: Double = 1, scale: [Level]) {
            self.key = key
            self.title = title
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
    public init(criteria: [Criterion]) throws(ValidationError) {
        var validator = Validator()
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
enum Slug {
    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && !text.hasPrefix("-") && !text.hasSuffix("-")
            && text.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
