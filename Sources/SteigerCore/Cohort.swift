import Foundation

/// A group of learners trained together, with the trainers who review their work.
public struct Cohort: Sendable, Codable, Equatable, Identifiable {
    /// The cohort's identifier.
    public var id: CohortID
    /// Name, e.g. "Sales onboarding, spring".
    public var name: String
    /// Optional longer description.
    public var description: String?
    /// When the cohort was created.
    public var createdAt: Date

    /// Creates a cohort after checking the fields.
    public init(id: CohortID = CohortID(), name: String, description: String? = nil, createdAt: Date = Date()) throws(ValidationError) {
        let name = name.trimmed
        var validator = Validator()
        validator.check(!name.isEmpty, "name", Message("validation.empty"))
        validator.check(name.unicodeScalars.count <= 200, "name", Message("validation.maxCharacters", ["max": 200]))
        validator.check((description?.unicodeScalars.count ?? 0) <= 10_000, "description", Message("validation.maxCharacters", ["max": 10_000]))
        try validator.finish()
        self.id = id
        self.name = name
        self.description = description.map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        self.createdAt = createdAt.wholeMilliseconds
    }
}

/// A person's place in a cohort.
public struct Membership: Sendable, Codable, Equatable, Hashable {
    /// The part a member plays in a cohort.
    public enum Part: String, Sendable, Codable, CaseIterable {
        /// Reviews the cohort's attempts.
        case trainer
        /// Practises in the cohort.
        case learner
    }

    /// The cohort.
    public var cohortID: CohortID
    /// The member.
    public var userID: UserID
    /// Trainer or learner in this cohort.
    public var part: Part

    /// Creates a membership.
    public init(cohortID: CohortID, userID: UserID, part: Part) {
        self.cohortID = cohortID
        self.userID = userID
        self.part = part
    }
}

extension Membership {
    /// Checks that `user` may take `part` in a cohort: a trainer's place needs the trainer role.
    /// - Throws: a problem of `field` naming the person.
    public static func check(_ part: Part, for user: User, field: String) throws(ValidationError) {
        if part == .trainer, !user.has(.trainer) {
            throw ValidationError(field: field, Message("validation.notTrainer", ["name": .text(user.displayName)]))
        }
    }
}
