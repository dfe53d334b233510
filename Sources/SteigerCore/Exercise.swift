import Foundation

/// A role-play to practise: what to do, how it is scored, and the supports that can be given.
public struct Exercise: Sendable, Codable, Equatable, Identifiable {
    /// The exercise's identifier.
    public var id: ExerciseID
    /// Title, e.g. "Handling a price objection".
    public var title: String
    /// What the learner is asked to do.
    public var instructions: String
    /// A clip the learner responds to (the customer's opening, the colleague's question), shown
    /// at every level before they record: a library item's reference (`media:<id>`) or an
    /// address. Nil: none.
    public var stimulus: String?
    /// The skill this exercise trains (lower case, digits, dashes), e.g. "objection-handling";
    /// scaffolding levels are tracked per learner and skill.
    public var skillKey: String
    /// The skill's name as people read it, e.g. "Handling objections" (empty for exercises made
    /// before skills had names: ``skill`` then shows the key).
    public var skillName: String
    /// How attempts are scored.
    public var rubric: Rubric
    /// The supports, from none to full.
    public var ladder: ScaffoldLadder
    /// The cohorts that practise it.
    public var cohorts: Set<CohortID>
    /// How attempts are made (time limit, takes) and reviewed.
    public var review: ReviewSettings
    /// When supports are withdrawn and put back.
    public var policy: ScaffoldPolicy
    /// The policy's version: 1 at first, one more with each change (recorded with each decision).
    public var policyVersion: Int
    /// When it was created.
    public var createdAt: Date

    /// Creates an exercise after checking the fields. An empty `skillKey` is made from
    /// `skillName` (see ``Slug/derive(from:fallback:)``).
    public init(
        id: ExerciseID = ExerciseID(), title: String, instructions: String, stimulus: String? = nil, skillKey: String, skillName: String = "",
        rubric: Rubric, ladder: ScaffoldLadder, cohorts: Set<CohortID> = [], review: ReviewSettings = ReviewSettings(),
        policy: ScaffoldPolicy = ScaffoldPolicy(), policyVersion: Int = 1, createdAt: Date = Date()
    ) throws(ValidationError) {
        let title = title.trimmed, skillName = skillName.trimmed
        let skillKey = skillKey.isEmpty ? Slug.derive(from: skillName) : skillKey
        let problems = Self.problems(
            title: title, instructions: instructions, stimulus: stimulus, skillKey: skillKey, skillName: skillName, review: review,
            policy: policy)
        if !problems.isEmpty { throw ValidationError(problems) }
        self.id = id
        self.title = title
        self.instructions = instructions
        self.stimulus = Self.clip(stimulus)
        self.skillKey = skillKey
        self.skillName = skillName
        self.rubric = rubric
        self.ladder = ladder
        self.cohorts = cohorts
        self.review = review
        self.policy = policy
        self.policyVersion = max(policyVersion, 1)
        self.createdAt = createdAt.wholeMilliseconds
    }

    /// What is wrong with these fields of an exercise (rubric and ladder check themselves), every
    /// problem at once; `skillKey` is the key given or the one made from `skillName`.
    public static func problems(
        title: String, instructions: String, stimulus: String? = nil, skillKey: String, skillName: String, review: ReviewSettings,
        policy: ScaffoldPolicy
    ) -> [ValidationError.Problem] {
        let title = title.trimmed, skillName = skillName.trimmed
        var validator = Validator()
        validator.check(!title.isEmpty, "title", Message("validation.empty"))
        validator.check(title.unicodeScalars.count <= 200, "title", Message("validation.maxCharacters", ["max": 200]))
        validator.check(!instructions.trimmed.isEmpty, "instructions", Message("validation.empty"))
        validator.check(instructions.unicodeScalars.count <= 50_000, "instructions", Message("validation.maxCharacters", ["max": 50_000]))
        validator.check((clip(stimulus)?.unicodeScalars.count ?? 0) <= 2000, "stimulus", Message("validation.maxCharacters", ["max": 2000]))
        if skillKey.isEmpty, !skillName.isEmpty {
            validator.check(false, "skillName", Message("validation.nameLetters"))
        } else {
            validator.check(!skillKey.isEmpty || !skillName.isEmpty, "skillName", Message("validation.empty"))
            validator.check(skillKey.isEmpty || Slug.isValid(skillKey), "skillKey", Message("validation.slug"))
        }
        validator.check(skillName.unicodeScalars.count <= 100, "skillName", Message("validation.maxCharacters", ["max": 100]))
        do { try review.check() } catch { validator.merge(error, prefix: "review") }
        do { try policy.check() } catch { validator.merge(error, prefix: "policy") }
        return validator.problems
    }

    /// A stimulus as kept: trimmed, and none when empty.
    public static func clip(_ stimulus: String?) -> String? {
        guard let stimulus = stimulus?.trimmed, !stimulus.isEmpty else { return nil }
        return stimulus
    }

    /// The skill as people read it: its name, or its key for an exercise made without one.
    public var skill: String { skillName.isEmpty ? skillKey : skillName }
}

/// How an exercise's attempts are reviewed.
public struct ReviewSettings: Sendable, Codable, Equatable {
    /// Peer reviewers per attempt, from the same cohort (0: none).
    public var peerReviewers: Int
    /// Whether learners see their peers as "Peer 1", "Peer 2" (trainers always see names).
    public var anonymousPeers: Bool
    /// Whether the learner must reflect on their own attempt (at least one timestamped comment)
    /// before trainers get it.
    public var selfReviewRequired: Bool
    /// Hours from the attempt being ready until its reviews are due (nil: no due time).
    public var dueHours: Int?
    /// Whether the learner sees comments as they are made, or only once the review is submitted.
    public var showCommentsBeforeSubmit: Bool
    /// The tags comments may carry.
    public var tags: [String]
    /// The longest a recording made in the browser may run, in seconds (nil: no limit); the
    /// learner is told before recording, and the recording stops at the limit.
    public var timeLimitSeconds: Int?
    /// How many times the learner may record again before sending one take (nil: as often as
    /// they like; 0: the first take is sent).
    public var retakes: Int?
    /// Whether a learner may keep a take to themselves as private practice, which nobody else
    /// ever watches (see ``Audience/onlyMe``).
    public var privatePractice: Bool
    /// Whether learners may share an attempt, with their consent, in the cohort's library of
    /// examples (see ``Audience/cohort``).
    public var cohortLibrary: Bool
    /// Whether an attempt shared to the library shows there only once a trainer approved it.
    public var libraryApproval: Bool
    /// Whether the exercise starts with a kick-off: a first attempt without supports whose review
    /// sets the level each learner starts at and their development points (see ``AttemptPurpose/kickOff``).
    public var kickOff: Bool
    /// Whether each withdrawn support asks the learner to try the skill at work and report (see ``TransferTask``).
    public var transferAfterWithdrawal: Bool
    /// Every how many days a learner who practises the exercise is asked to try it at work (nil: never; 7 to 90).
    public var transferEveryDays: Int?
    /// What to try at work, in the exercise's words (empty: a general ask).
    public var transferPrompt: String
    /// Whether the exercise is a closing proficiency test: each attempt is reviewed by a trainer
    /// and by the learner's managers, and its scores are the final ones on the learner's result page.
    public var closingTest: Bool

    /// The defaults: two peers, named; no self review; no due time; comments shown once submitted;
    /// praise / improve / question; no time limit, any number of takes; private practice allowed,
    /// no library; no kick-off.
    public init(
        peerReviewers: Int = 2, anonymousPeers: Bool = false, selfReviewRequired: Bool = false, dueHours: Int? = nil,
        showCommentsBeforeSubmit: Bool = false, tags: [String] = Annotation.defaultTags, timeLimitSeconds: Int? = nil, retakes: Int? = nil,
        privatePractice: Bool = true, cohortLibrary: Bool = false, libraryApproval: Bool = false, kickOff: Bool = false,
        transferAfterWithdrawal: Bool = false, transferEveryDays: Int? = nil, transferPrompt: String = "", closingTest: Bool = false
    ) {
        self.peerReviewers = peerReviewers
        self.anonymousPeers = anonymousPeers
        self.selfReviewRequired = selfReviewRequired
        self.dueHours = dueHours
        self.showCommentsBeforeSubmit = showCommentsBeforeSubmit
        self.tags = tags
        self.timeLimitSeconds = timeLimitSeconds
        self.retakes = retakes
        self.privatePractice = privatePractice
        self.cohortLibrary = cohortLibrary
        self.libraryApproval = libraryApproval
        self.kickOff = kickOff
        self.transferAfterWithdrawal = transferAfterWithdrawal
        self.transferEveryDays = transferEveryDays
        self.transferPrompt = transferPrompt.trimmed
        self.closingTest = closingTest
    }

    /// Checks the settings. - Throws: ``ValidationError`` naming each bad field.
    public func check() throws(ValidationError) {
        var validator = Validator()
        validator.check((0...10).contains(peerReviewers), "peerReviewers", Message("validation.range", ["min": 0, "max": 10]))
        validator.check(dueHours.map { (1...24 * 365).contains($0) } ?? true, "dueHours", Message("validation.range", ["min": 1, "max": 8760]))
        validator.check(!tags.isEmpty && tags.count <= 20, "tags", Message("validation.tagCount", ["min": 1, "max": 20]))
        validator.check(tags.allSatisfy(Slug.isValid), "tags", Message("validation.tagSlug"))
        validator.check(Set(tags).count == tags.count, "tags", Message("validation.noRepeats"))
        validator.check(
            timeLimitSeconds.map { (10...3600).contains($0) } ?? true, "timeLimitSeconds", Message("validation.range", ["min": 10, "max": 3600]))
        validator.check(retakes.map { (0...20).contains($0) } ?? true, "retakes", Message("validation.range", ["min": 0, "max": 20]))
        validator.check(
            transferEveryDays.map { (7...90).contains($0) } ?? true, "transferEveryDays", Message("validation.range", ["min": 7, "max": 90]))
        validator.check(
            transferPrompt.unicodeScalars.count <= 1000 && !transferPrompt.unicodeScalars.contains("\0"), "transferPrompt",
            Message("validation.maxCharacters", ["max": 1000]))
        try validator.finish()
    }

    private enum CodingKeys: String, CodingKey {
        case peerReviewers, anonymousPeers, selfReviewRequired, dueHours, showCommentsBeforeSubmit, tags, timeLimitSeconds, retakes
        case privatePractice, cohortLibrary, libraryApproval, kickOff, transferAfterWithdrawal, transferEveryDays, transferPrompt, closingTest
    }

    /// Decodes, with the defaults for fields left out, and checks the result.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ReviewSettings()
        self.init(
            peerReviewers: try container.decodeIfPresent(Int.self, forKey: .peerReviewers) ?? defaults.peerReviewers,
            anonymousPeers: try container.decodeIfPresent(Bool.self, forKey: .anonymousPeers) ?? defaults.anonymousPeers,
            selfReviewRequired: try container.decodeIfPresent(Bool.self, forKey: .selfReviewRequired) ?? defaults.selfReviewRequired,
            dueHours: try container.decodeIfPresent(Int.self, forKey: .dueHours),
            showCommentsBeforeSubmit: try container.decodeIfPresent(Bool.self, forKey: .showCommentsBeforeSubmit)
                ?? defaults.showCommentsBeforeSubmit,
            tags: try container.decodeIfPresent([String].self, forKey: .tags) ?? defaults.tags,
            timeLimitSeconds: try container.decodeIfPresent(Int.self, forKey: .timeLimitSeconds),
            retakes: try container.decodeIfPresent(Int.self, forKey: .retakes),
            privatePractice: try container.decodeIfPresent(Bool.self, forKey: .privatePractice) ?? defaults.privatePractice,
            cohortLibrary: try container.decodeIfPresent(Bool.self, forKey: .cohortLibrary) ?? defaults.cohortLibrary,
            libraryApproval: try container.decodeIfPresent(Bool.self, forKey: .libraryApproval) ?? defaults.libraryApproval,
            kickOff: try container.decodeIfPresent(Bool.self, forKey: .kickOff) ?? defaults.kickOff,
            transferAfterWithdrawal: try container.decodeIfPresent(Bool.self, forKey: .transferAfterWithdrawal) ?? defaults.transferAfterWithdrawal,
            transferEveryDays: try container.decodeIfPresent(Int.self, forKey: .transferEveryDays),
            transferPrompt: try container.decodeIfPresent(String.self, forKey: .transferPrompt) ?? defaults.transferPrompt,
            closingTest: try container.decodeIfPresent(Bool.self, forKey: .closingTest) ?? defaults.closingTest)
        do { try check() } catch { throw error.prefixed(by: decoder.codingPath) }
    }
}
