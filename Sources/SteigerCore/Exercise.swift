import Foundation

/// A role-play to practise: what to do, how it is scored, and the supports that can be given.
public struct Exercise: Sendable, Codable, Equatable, Identifiable {
    /// The exercise's identifier.
    public var id: ExerciseID
    /// Title, e.g. "Handling a price objection".
    public var title: String
    /// What the learner is asked to do.
    public var instructions: String
    /// The skill this exercise trains (lower case, digits, dashes), e.g. "objection-handling";
    /// scaffolding levels are tracked per learner and skill.
    public var skillKey: String
    /// How attempts are scored.
    public var rubric: Rubric
    /// The supports, from none to full.
    public var ladder: ScaffoldLadder
    /// The cohorts that practise it.
    public var cohorts: Set<CohortID>
    /// When it was created.
    public var createdAt: Date

    /// Creates an exercise after checking the fields.
    public init(id: ExerciseID = ExerciseID(), title: String, instructions: String, skillKey: String, rubric: Rubric,
                ladder: ScaffoldLadder, cohorts: Set<CohortID> = [], createdAt: Date = Date()) throws(ValidationError) {
        let title = title.trimmed
        var validator = Validator()
        validator.check(!title.isEmpty, "title", "must not be empty")
        validator.check(title.count <= 200, "title", "must be at most 200 characters")
        validator.check(!instructions.trimmed.isEmpty, "instructions", "must not be empty")
        validator.check(instructions.count <= 50_000, "instructions", "must be at most 50000 characters")
        validator.check(Slug.isValid(skillKey), "skillKey", "must be 1-64 lower-case letters, digits or dashes")
        try validator.finish()
        self.id = id
        self.title = title
        self.instructions = instructions
        self.skillKey = skillKey
        self.rubric = rubric
        self.ladder = ladder
        self.cohorts = cohorts
        self.createdAt = createdAt.wholeMilliseconds
    }
}
