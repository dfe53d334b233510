import Foundation
import SteigerCore
import SteigerStore

/// Cohorts and who is in them.
public struct Cohorts: Sendable {
    let store: Store
    let now: @Sendable () -> Date

    /// The cohorts `actor` belongs to (administrators: all), newest first.
    public func list(_ actor: Actor, page: PageRequest) async throws -> Page<Cohort> {
        try await store.cohorts(scope: AccessPolicy.listScope(for: actor), page: page)
    }

    /// Adds a cohort (administrators). - Throws: field problems; `name` is required.
    public func create(_ actor: Actor, name: String?, description: String?) async throws -> Cohort {
        try AccessPolicy.require(actor, .create, .newRecord, .cohort)
        guard let name else { throw AppError.invalid("name", Message("validation.required")) }
        let cohort = try Cohort(name: name, description: description, createdAt: now())
        try await store.createCohort(cohort)
        return cohort
    }

    /// The cohort `id`, if `actor` may do `action` to it.
    public func cohort(_ actor: Actor, _ id: CohortID, for action: Action = .view) async throws -> Cohort {
        guard let cohort = try await store.cohort(id) else { throw AppError.notFound(.cohort) }
        try AccessPolicy.require(actor, action, .cohort(cohort), .cohort)
        return cohort
    }

    /// Renames or describes a cohort (administrators); `description` `.some(nil)` clears it, nil keeps it.
    public func update(_ actor: Actor, _ id: CohortID, name: String?, description: String??) async throws -> Cohort {
        let cohort = try await cohort(actor, id, for: .update)
        let changed = try Cohort(
            id: cohort.id, name: name ?? cohort.name, description: description ?? cohort.description, createdAt: cohort.createdAt)
        try await store.updateCohort(changed)
        return changed
    }

    /// Removes a cohort and its memberships (administrators); users, exercises and attempts stay.
    /// - Throws: ``ProblemKind/cohortHasReviews``.
    public func delete(_ actor: Actor, _ id: CohortID) async throws {
        let cohort = try await cohort(actor, id, for: .delete)
        do {
            try await store.deleteCohort(cohort.id)
        } catch StoreError.reference {
            throw AppError(.cohortHasReviews)
        }
    }

    /// One member as `actor` may see them: the membership and name always, the account only
    /// when the policy lets them see it.
    public struct Member: Sendable {
        public var membership: Membership
        public var displayName: String
        public var user: User?
    }

    /// The cohort's members `actor` may see (trainers: all; learners: themselves and their trainers), trainers first.
    public func members(_ actor: Actor, of id: CohortID) async throws -> [Member] {
        let cohort = try await cohort(actor, id)
        return try await store.members(of: cohort.id, scope: AccessPolicy.listScope(for: actor)).map { member in
            let visible = AccessPolicy.decide(actor, .view, .user(member.user, memberships: [member.membership])) == .allow
            return Member(membership: member.membership, displayName: member.user.displayName, user: visible ? member.user : nil)
        }
    }

    /// Puts a user in a cohort as trainer or learner (administrators); a trainer's place needs the trainer role.
    public func putMember(_ actor: Actor, cohort id: CohortID, user userID: UserID, part: Membership.Part) async throws -> (Membership, User) {
        // Changing who is in a cohort is changing the cohort.
        let cohort = try await cohort(actor, id, for: .update)
        guard let user = try await store.user(userID) else { throw AppError.notFound(.user) }
        try Membership.check(part, for: user, field: "part")
        let membership = Membership(cohortID: cohort.id, userID: user.id, part: part)
        try await store.putMembership(membership)
        try await audit(actor, user.id, "in:\(cohort.id):\(part.rawValue)")
        return (membership, user)
    }

    /// Puts several people in a cohort in one part (administrators): all of them, or, when any
    /// cannot be (unknown, or without the trainer role for a trainer's place), none, with a
    /// problem for each (`users.N`).
    public func addMembers(_ actor: Actor, cohort id: CohortID, users: [UserID], part: Membership.Part) async throws -> [(Membership, User)] {
        let cohort = try await cohort(actor, id, for: .update)
        var problems: [ValidationError.Problem] = []
        if users.isEmpty { problems.append(.init(field: "users", message: Message("validation.chooseSomeone"))) }
        var found: [User] = []
        for (index, userID) in users.enumerated() {
            guard let user = try await store.user(userID) else {
                problems.append(.init(field: "users[\(index)]", message: Message("validation.unknownPerson")))
                continue
            }
            do {
                try Membership.check(part, for: user, field: "users[\(index)]")
                found.append(user)
            } catch {
                problems += error.problems
            }
        }
        if !problems.isEmpty { throw AppError.invalid(ValidationError(problems)) }
        var added: [(Membership, User)] = []
        for user in found {
            let membership = Membership(cohortID: cohort.id, userID: user.id, part: part)
            try await store.putMembership(membership)
            try await audit(actor, user.id, "in:\(cohort.id):\(part.rawValue)")
            added.append((membership, user))
        }
        return added
    }

    /// Moves a learner of cohort `from` to cohort `to` (administrators): out of one and into the
    /// other at once. Their attempts, reviews and levels stay theirs.
    /// - Throws: not found when they are no learner of `from`; invalid `to` when it is `from`.
    public func moveLearner(_ actor: Actor, from id: CohortID, to target: CohortID, user userID: UserID) async throws -> Membership {
        let from = try await cohort(actor, id, for: .update)
        guard target != from.id else { throw AppError.invalid("to", Message("validation.sameCohort")) }
        let to: Cohort
        do {
            to = try await cohort(actor, target, for: .update)
        } catch let error as AppError where error.kind == .notFound {
            throw AppError.invalid("to", Message("validation.unknownCohort"))
        }
        guard try await store.moveLearner(userID, from: from.id, to: to.id) else { throw AppError.notFound(.member) }
        try await audit(actor, userID, "moved:\(from.id):\(to.id)")
        return Membership(cohortID: to.id, userID: userID, part: .learner)
    }

    /// Takes a user out of a cohort (administrators).
    public func removeMember(_ actor: Actor, cohort id: CohortID, user userID: UserID) async throws {
        let cohort = try await cohort(actor, id)
        let membership = try await store.members(of: cohort.id, scope: AccessPolicy.listScope(for: actor))
            .first { $0.membership.userID == userID }?.membership
        guard let membership else { throw AppError.notFound(.member) }
        try AccessPolicy.require(actor, .delete, .membership(membership), .membership)
        try await store.deleteMembership(cohort: cohort.id, user: userID)
        try await audit(actor, userID, "out:\(cohort.id)")
    }

    /// Records in the audit log that `actor` changed `person`'s place in cohorts.
    private func audit(_ actor: Actor, _ person: UserID, _ detail: String) async throws {
        try await store.audit(actor.user.id, .membershipChanged, "user", person.description, owner: person, detail: detail, at: now())
    }
}
