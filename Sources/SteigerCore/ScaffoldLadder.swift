/// The supports an exercise can give, from full support down to none.
///
/// Level numbers run from 0 (on your own) up to the top (everything); a learner starts at the
/// top, and the scaffolding engine moves them down as they show mastery.
public struct ScaffoldLadder: Sendable, Codable, Equatable {
    /// One kind of help shown with an exercise.
    public enum Support: Sendable, Codable, Equatable {
        /// A model performance to watch first (a media asset's id or URL).
        case modelVideo(String)
        /// A script to follow.
        case script(String)
        /// Prompts shown during the attempt.
        case prompts([String])
        /// Items to tick off.
        case checklist([String])
        /// Any other guidance.
        case text(String)

        /// The kind of support, e.g. "modelVideo", as stored and shown.
        public var kind: String {
            switch self {
            case .modelVideo: "modelVideo"
            case .script: "script"
            case .prompts: "prompts"
            case .checklist: "checklist"
            case .text: "text"
            }
        }
    }

    /// One rung: the supports a learner at this level gets.
    public struct Level: Sendable, Codable, Equatable {
        /// 0 (no support) up to the top.
        public var number: Int
        /// A short name, e.g. "Prompts and checklist".
        public var name: String
        /// What the learner gets at this level.
        public var supports: [Support]

        /// Creates a level.
        public init(number: Int, name: String, supports: [Support]) {
            self.number = number
            self.name = name
            self.supports = supports
        }
    }

    /// The levels, lowest first.
    public var levels: [Level]

    /// Creates a ladder after checking it: levels numbered 0, 1, 2, … without gaps, at most 10,
    /// each named; no empty script, prompt or checklist item.
    public init(levels: [Level]) throws(ValidationError) {
        var validator = Validator()
        let sorted = levels.sorted { $0.number < $1.number }
        validator.check(!levels.isEmpty, "levels", Message("validation.levelsMin"))
        validator.check(levels.count <= 10, "levels", Message("validation.levelsMax", ["max": 10]))
        validator.check(sorted.map(\.number) == Array(0..<levels.count), "levels", Message("validation.levelsNumbered"))
        for (i, level) in sorted.enumerated() {
            let field = "levels[\(i)]"
            validator.check(!level.name.trimmed.isEmpty, field + ".name", Message("validation.empty"))
            for (j, support) in level.supports.enumerated() {
                let supportField = field + ".supports[\(j)]"
                switch support {
                case .modelVideo(let reference): validator.check(!reference.trimmed.isEmpty, supportField, Message("validation.modelVideoReference"))
                case .script(let text), .text(let text): validator.check(!text.trimmed.isEmpty, supportField, Message("validation.empty"))
                case .prompts(let items), .checklist(let items):
                    validator.check(!items.isEmpty && items.allSatisfy { !$0.trimmed.isEmpty }, supportField, Message("validation.items"))
                }
            }
        }
        try validator.finish()
        self.levels = sorted
    }

    /// Checks what a new or changed ladder must also show (not asked of ladders stored before):
    /// every level above "on your own" gives at least one support.
    public func checkSupportsGiven() throws(ValidationError) {
        var validator = Validator()
        for (i, level) in levels.enumerated() where level.number > 0 {
            validator.check(!level.supports.isEmpty, "levels[\(i)].supports", Message("validation.levelNoSupport"))
        }
        try validator.finish()
    }

    /// The highest level: full support, where learners start.
    public var top: Int { levels.count - 1 }

    /// The level numbered `number`, clamped into the ladder.
    public func level(_ number: Int) -> Level { levels[min(max(number, 0), top)] }

    /// The usual four-rung ladder: model video, script, prompts and checklist; then prompts and
    /// checklist; then the checklist; then nothing.
    public static func standard(modelVideo: String, script: String, prompts: [String], checklist: [String]) throws(ValidationError) -> ScaffoldLadder
    {
        try ScaffoldLadder(levels: [
            Level(number: 0, name: "On your own", supports: []),
            Level(number: 1, name: "Checklist", supports: [.checklist(checklist)]),
            Level(number: 2, name: "Prompts and checklist", supports: [.prompts(prompts), .checklist(checklist)]),
            Level(number: 3, name: "Full support", supports: [.modelVideo(modelVideo), .script(script), .prompts(prompts), .checklist(checklist)]),
        ])
    }
}

extension ScaffoldLadder.Support {
    private enum CodingKeys: String, CodingKey { case kind, reference, text, items }

    /// Encodes as `{"kind": "checklist", "items": [...]}`, `{"kind": "script", "text": "..."}`,
    /// `{"kind": "modelVideo", "reference": "..."}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .modelVideo(let reference): try container.encode(reference, forKey: .reference)
        case .script(let text), .text(let text): try container.encode(text, forKey: .text)
        case .prompts(let items), .checklist(let items): try container.encode(items, forKey: .items)
        }
    }

    /// Decodes the form written by ``encode(to:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "modelVideo": self = .modelVideo(try container.decode(String.self, forKey: .reference))
        case "script": self = .script(try container.decode(String.self, forKey: .text))
        case "text": self = .text(try container.decode(String.self, forKey: .text))
        case "prompts": self = .prompts(try container.decode([String].self, forKey: .items))
        case "checklist": self = .checklist(try container.decode([String].self, forKey: .items))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "must be one of modelVideo, script, prompts, checklist, text")
        }
    }
}

extension ScaffoldLadder {
    private enum CodingKeys: String, CodingKey { case levels }

    /// Decodes and checks a ladder; problems name their full path.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let levels = try container.decode([Level].self, forKey: .levels)
        do {
            try self.init(levels: levels)
        } catch {
            throw error.prefixed(by: decoder.codingPath)
        }
    }
}
