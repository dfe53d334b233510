import Foundation
import SteigerCore
import SteigerStore

/// Managers and their people: who manages whom (set by administrators), a manager's team with
/// each person's skills, levels, development points and last activity, and a word of
/// encouragement that reaches the person as a notice.
public struct Team: Sendable {
    let store: Store
    let exercises: Exercises
    let now: @Sendable () -> Date

    /// One person of a manager's team.
    public struct Member: Sendable {
        public var user: User
        /// The exercises they practise, each with their standing on its skill (nil: none yet).
        public var practice: [(exercise: Exercise, standing: ScaffoldStanding?)]
        /// When they last made an attempt they sent for review.
        public var lastAttempt: Date?
        /// The encouragements the reading manager sent them, newest first.
        public var encouragements: [Encouragement]
        /// What the sentences about their levels need.
        public var naming: ScaffoldNaming
        /// The attempts they shared with their managers, newest first, with their exercises' titles.
        public var shared: [(submission: Submission, exercise: String)]
    }

    /// `actor`'s team, by name.
    /// - Throws: not allowed for anyone without the manager role.
    public func members(_ actor: Actor) async throws -> [Member] {
        try AccessPolicy.require(actor, .view, .team, .member)
        let last = try await store.lastAttempts(of: actor.team)
        var members: [Member] = []
        for id in actor.team {
            guard let user = try await store.user(id), !user.isErased else { continue }
            members.append(try await member(user, lastAttempt: last[id], manager: actor.user.id))
        }
        return members.sorted {
            ($0.user.displayName.lowercased(), $0.user.id.description) < ($1.user.displayName.lowercased(), $1.user.id.description)
        }
    }

    /// One person of `actor`'s team.
    /// - Throws: not found for anyone the actor does not manage.
    public func member(_ actor: Actor, _ id: UserID) async throws -> Member {
        guard let user = try await store.user(id) else { throw AppError.notFound(.member) }
        try AccessPolicy.require(actor, .view, .user(user, memberships: []), .member)
        guard actor.manages(id) else { throw AppError.notFound(.member) }
        return try await member(user, lastAttempt: try await store.lastAttempts(of: [id])[id], manager: actor.user.id)
    }

    private func member(_ user: User, lastAttempt: Date?, manager: UserID) async throws -> Member {
        let person = try await store.actor(for: user)
        let practised = try await exercises.all(person).filter { $0.cohorts.contains(where: person.learns(in:)) }
        let standings = try await store.scaffoldStandings(learner: user.id)
        var people: [UserID: String] = [:]
        for id in Set(standings.values.compactMap { $0.lastTransition?.trainerID }) {
            if let trainer = try await store.user(id) { people[id] = trainer.displayName }
        }
        // Their managers read each change on the exercises they practise in full.
        let naming = ScaffoldNaming(
            ladders: Dictionary(practised.map { ($0.id, $0.ladder) }, uniquingKeysWith: { first, _ in first }), people: people,
            visible: Set(practised.map(\.id)))
        let titles = Dictionary(practised.map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
        var shared: [(submission: Submission, exercise: String)] = []
        for submission in try await store.sharedWithManagers(by: user.id) {
            var title = titles[submission.exerciseID]
            if title == nil { title = try await store.exercise(submission.exerciseID)?.title }
            shared.append((submission, title ?? ""))
        }
        return Member(
            user: user, practice: practised.map { ($0, standings[$0.skillKey]) }, lastAttempt: lastAttempt,
            encouragements: try await store.encouragements(of: user.id, from: manager, limit: 5), naming: naming, shared: shared)
    }

    /// Sends `person`, one of `actor`'s team, a word of encouragement (1 to 500 characters).
    /// - Throws: not found for anyone the actor does not manage; invalid for an empty or too long text.
    public func encourage(_ actor: Actor, _ person: UserID, text: String) async throws -> Encouragement {
        try AccessPolicy.require(actor, .create, .encouragement(person: person), .member)
        // Their own manager only: an administrator's role opens the policy, not someone else's team.
        guard actor.manages(person) else { throw AppError.notFound(.member) }
        let encouragement: Encouragement
        do {
            encouragement = try Encouragement(managerID: actor.user.id, personID: person, text: text, at: now())
        } catch {
            throw AppError.invalid(error)
        }
        try await store.recordEncouragement(encouragement)
        return encouragement
    }

    /// The managers of `person`: for the person themselves, their managers and administrators.
    public func managers(_ actor: Actor, of person: UserID) async throws -> [User] {
        // A person asking for their own managers exists; anyone else is looked up first.
        if person != actor.user.id, try await store.user(person) == nil { throw AppError.notFound(.user) }
        try AccessPolicy.require(actor, .view, .managers(person: person), .user)
        return try await store.managers(of: person)
    }

    /// What came of one line of a list of managers.
    public struct LinkResult: Sendable {
        public enum Outcome: String, Sendable { case linked, unchanged, refused }
        /// The line of the list (1 is the first).
        public var line: Int
        public var person: String
        public var manager: String
        public var outcome: Outcome
        /// Why the line was refused.
        public var problem: AppError?
    }

    /// The longest list of managers taken at once, in lines.
    public static let linkListLimit = 5000
    /// The longest list of managers taken at once, in characters.
    public static let linkListLength = 1_000_000

    /// Links managers to people from a list with the columns person's e-mail address, manager's
    /// e-mail address (commas or semicolons; a first line of column names is skipped), each line
    /// on its own (administrators): a line naming nobody known, or a manager without the role, is
    /// refused with the reason and the others go ahead.
    public func linkManagers(_ actor: Actor, csv: String) async throws -> [LinkResult] {
        try AccessPolicy.require(actor, .update, .accountSettings, .user)
        if csv.unicodeScalars.count > Self.linkListLength {
            throw AppError.invalid("csv", Message("validation.maxCharacters", ["max": .integer(Self.linkListLength)]))
        }
        var rows = CSV.records(csv).map { (line: $0.line, fields: $0.fields.map { $0.trimmingCharacters(in: .whitespaces) }) }
        let names: Set<String> = ["person", "persoon", "email", "e-mail", "manager", "leidinggevende", "medewerker", "learner", "deelnemer"]
        if let first = rows.first, first.fields.contains(where: { names.contains($0.lowercased()) }) { rows.removeFirst() }
        if rows.isEmpty { throw AppError.invalid("csv", Message("validation.linksEmpty")) }
        if rows.count > Self.linkListLimit { throw AppError.invalid("csv", Message("validation.csvRows", ["max": .integer(Self.linkListLimit)])) }
        var results: [LinkResult] = []
        for row in rows {
            let person = row.fields.first ?? "", manager = row.fields.count > 1 ? row.fields[1] : ""
            var result = LinkResult(line: row.line, person: person, manager: manager, outcome: .linked)
            do {
                guard let personUser = try await store.userForLogin(email: person.lowercased())?.user, !personUser.isErased else {
                    throw AppError.invalid("person", Message("validation.unknownEmail"))
                }
                guard let managerUser = try await store.userForLogin(email: manager.lowercased())?.user, !managerUser.isErased else {
                    throw AppError.invalid("manager", Message("validation.unknownEmail"))
                }
                let before = try await store.managers(of: personUser.id).count
                let after = try await setManager(actor, of: personUser.id, manager: managerUser.id, linked: true).count
                if after == before { result.outcome = .unchanged }
            } catch {
                result.outcome = .refused
                result.problem = AppError(from: error)
            }
            results.append(result)
        }
        return results
    }

    /// Makes `manager` one of the managers of `person`, or (`linked` false) no longer
    /// (administrators). The manager must hold the manager role and be someone else.
    /// - Returns: the person's managers after the change.
    public func setManager(_ actor: Actor, of person: UserID, manager: UserID, linked: Bool) async throws -> [User] {
        try AccessPolicy.require(actor, .update, .managers(person: person), .user)
        guard let personUser = try await store.user(person), !personUser.isErased else { throw AppError.notFound(.user) }
        if linked {
            guard let managerUser = try await store.user(manager), !managerUser.isErased else { throw AppError.notFound(.user) }
            if !managerUser.has(.manager) { throw AppError.invalid(ValidationError(field: "manager", Message("validation.notAManager"))) }
            if manager == person { throw AppError.invalid(ValidationError(field: "manager", Message("validation.ownManager"))) }
        }
        try await store.setManager(manager, of: person, linked: linked, by: actor.user.id, now: now())
        return try await store.managers(of: person)
    }
}
