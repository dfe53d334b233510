import Foundation
import SteigerCore

extension Store {
    // MARK: - Cohorts

    /// Adds a cohort.
    public func createCohort(_ cohort: Cohort) async throws {
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO cohorts (id, name, description, created_at, updated_at)
                VALUES (\(bind: cohort.id.description), \(bind: cohort.name), \(bind: cohort.description), \(bind: cohort.createdAt), \(bind: cohort.createdAt))
                """)
        }
    }

    /// The cohort with `id`.
    public func cohort(_ id: CohortID) async throws -> Cohort? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.cohortColumns) FROM cohorts WHERE id = \(bind: id.description)").first.map(Self.cohort)
        }
    }

    /// Saves a changed cohort.
    public func updateCohort(_ cohort: Cohort) async throws {
        try await write { session in
            let rows = try await session.query(
                """
                UPDATE cohorts SET name = \(bind: cohort.name), description = \(bind: cohort.description), updated_at = \(bind: Date())
                WHERE id = \(bind: cohort.id.description) RETURNING id
                """)
            if rows.isEmpty { throw StoreError.notFound("cohort \(cohort.id)") }
        }
    }

    /// Removes a cohort with its memberships and exercise assignments (exercises and submissions stay).
    /// - Returns: whether it existed.
    @discardableResult
    public func deleteCohort(_ id: CohortID) async throws -> Bool {
        try await write { session in
            !(try await session.query("DELETE FROM cohorts WHERE id = \(bind: id.description) RETURNING id").isEmpty)
        }
    }

    /// Cohorts within `scope`, newest first.
    /// Every cohort in `scope` (all pages), by name.
    public func allCohorts(scope: ListScope) async throws -> [Cohort] {
        var cohorts: [Cohort] = []
        var page = PageRequest(limit: PageRequest.maximumLimit)
        while true {
            let found = try await self.cohorts(scope: scope, page: page)
            cohorts += found.items
            guard let next = found.next else { break }
            page = PageRequest(limit: PageRequest.maximumLimit, after: next)
        }
        return cohorts.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
    }

    public func cohorts(scope: ListScope, page: PageRequest) async throws -> Page<Cohort> {
        var filters: [SQLStatement] = []
        switch scope {
        case .nothing: return Page(items: [], next: nil)
        case .everything: break
        case .reach(let reach): filters.append(.isIn("cohorts.id", reach.belongs))
        }
        return try await self.page(
            "SELECT \(raw: Self.cohortColumns) FROM cohorts", table: "cohorts", filters: filters, request: page, decode: Self.cohort)
    }

    // MARK: - Memberships

    /// Puts `membership.userID` into the cohort in the given part (replacing an earlier part).
    /// - Throws: ``StoreError/reference(_:)`` when the cohort or the user does not exist.
    public func putMembership(_ membership: Membership) async throws {
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO memberships (cohort_id, user_id, part, created_at)
                VALUES (\(bind: membership.cohortID.description), \(bind: membership.userID.description), \(bind: membership.part.rawValue), \(bind: Date()))
                ON CONFLICT (cohort_id, user_id) DO UPDATE SET part = excluded.part
                """)
        }
    }

    /// Moves a learner from one cohort to another in one transaction (their part in `to` becomes
    /// learner). - Returns: false, changing nothing, when they were no learner of `from`.
    public func moveLearner(_ user: UserID, from: CohortID, to: CohortID, now: Date = Date()) async throws -> Bool {
        try await write { session in
            let removed = try await session.query(
                """
                DELETE FROM memberships WHERE cohort_id = \(bind: from.description) AND user_id = \(bind: user.description) AND part = 'learner'
                RETURNING user_id
                """)
            guard !removed.isEmpty else { return false }
            _ = try await session.query(
                """
                INSERT INTO memberships (cohort_id, user_id, part, created_at)
                VALUES (\(bind: to.description), \(bind: user.description), 'learner', \(bind: now))
                ON CONFLICT (cohort_id, user_id) DO UPDATE SET part = excluded.part
                """)
            return true
        }
    }

    /// Takes a user out of a cohort. - Returns: whether they were in it.
    @discardableResult
    public func deleteMembership(cohort: CohortID, user: UserID) async throws -> Bool {
        try await write { session in
            !(try await session.query(
                """
                DELETE FROM memberships WHERE cohort_id = \(bind: cohort.description) AND user_id = \(bind: user.description) RETURNING user_id
                """
            ).isEmpty)
        }
    }

    /// A user's memberships.
    public func memberships(of user: UserID) async throws -> [Membership] {
        try await read { session in
            try await session.query("SELECT cohort_id, user_id, part FROM memberships WHERE user_id = \(bind: user.description)").map(Self.membership)
        }
    }

    /// The memberships of a cohort that `scope` may see, trainers first, then by name.
    /// How many trainers and learners each cohort has, by cohort.
    public func memberCounts() async throws -> [CohortID: [Membership.Part: Int]] {
        try await read { session in
            var counts: [CohortID: [Membership.Part: Int]] = [:]
            for row in try await session.query("SELECT cohort_id, part, COUNT(*) AS n FROM memberships GROUP BY cohort_id, part") {
                guard let part = Membership.Part(rawValue: try row.string("part")) else { continue }
                counts[try row.id("cohort_id"), default: [:]][part] = Int(try row.int("n"))
            }
            return counts
        }
    }

    public func members(of cohort: CohortID, scope: ListScope) async throws -> [(membership: Membership, user: User)] {
        var filter: SQLStatement = "memberships.cohort_id = \(bind: cohort.description)"
        switch scope {
        case .nothing: return []
        case .everything: break
        case .reach(let reach):
            if !reach.trains.contains(cohort) {
                let trainersVisible: SQLStatement = reach.learnsIn.contains(cohort) ? " OR memberships.part = 'trainer'" : ""
                filter = "\(filter) AND (memberships.user_id = \(bind: reach.user.description)\(trainersVisible))"
            }
        }
        let statement: SQLStatement = """
            SELECT memberships.cohort_id, memberships.user_id, memberships.part, \(raw: Self.userColumns)
            FROM memberships JOIN users ON users.id = memberships.user_id
            WHERE \(filter) ORDER BY memberships.part DESC, users.display_name, users.id
            """
        return try await read { session in
            try await session.query(statement).map { row in (try Self.membership(row), try Self.user(row)) }
        }
    }

    static let cohortColumns = "cohorts.id, cohorts.name, cohorts.description, cohorts.created_at"

    @Sendable static func cohort(_ row: SQLRow) throws -> Cohort {
        do {
            return try Cohort(
                id: row.id("id"), name: row.string("name"), description: row.optionalString("description"), createdAt: row.date("created_at"))
        } catch let error as ValidationError {
            throw StoreError.corrupt("cohort \(try row.string("id")): \(error)")
        }
    }

    @Sendable static func membership(_ row: SQLRow) throws -> Membership {
        guard let part = Membership.Part(rawValue: try row.string("part")) else { throw StoreError.corrupt("membership part \(row["part"])") }
        return Membership(cohortID: try row.id("cohort_id"), userID: try row.id("user_id"), part: part)
    }
}
