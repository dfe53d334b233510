import Foundation
import SteigerCore

extension Store {
    // MARK: - Exercises

    /// Adds an exercise with its cohort assignments.
    /// - Throws: ``StoreError/reference(_:)`` when an assigned cohort does not exist.
    public func createExercise(_ exercise: Exercise) async throws {
        let rubric = try Self.jsonText(exercise.rubric), ladder = try Self.jsonText(exercise.ladder), review = try Self.jsonText(exercise.review)
        let policy = try Self.jsonText(exercise.policy)
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO exercises (id, title, instructions, stimulus, skill_key, skill_name, rubric, ladder, review_settings, scaffold_policy,
                                       policy_version, created_at, updated_at)
                VALUES (\(bind: exercise.id.description), \(bind: exercise.title), \(bind: exercise.instructions), \(bind: exercise.stimulus),
                        \(bind: exercise.skillKey),
                        \(bind: exercise.skillName), \(bind: rubric), \(bind: ladder), \(bind: review), \(bind: policy), \(bind: exercise.policyVersion),
                        \(bind: exercise.createdAt), \(bind: exercise.createdAt))
                """)
            try await Self.assign(exercise.id, to: exercise.cohorts, in: session)
        }
    }

    /// Saves a changed exercise, replacing its cohort assignments. A changed policy gets the next
    /// version (decisions already made keep the version they were made under).
    /// - Returns: the exercise as saved, with its policy version.
    @discardableResult
    public func updateExercise(_ exercise: Exercise) async throws -> Exercise {
        let rubric = try Self.jsonText(exercise.rubric), ladder = try Self.jsonText(exercise.ladder), review = try Self.jsonText(exercise.review)
        let policy = try Self.jsonText(exercise.policy)
        return try await write { session in
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE" : ""
            guard
                let current = try await session.query(
                    """
                    SELECT scaffold_policy, policy_version FROM exercises WHERE id = \(bind: exercise.id.description)\(lock)
                    """
                ).first
            else { throw StoreError.notFound("exercise \(exercise.id)") }
            var saved = exercise
            saved.policyVersion = Int(try current.int("policy_version"))
            if try current.json("scaffold_policy", as: ScaffoldPolicy.self) != exercise.policy { saved.policyVersion += 1 }
            _ = try await session.query(
                """
                UPDATE exercises SET title = \(bind: exercise.title), instructions = \(bind: exercise.instructions), stimulus = \(bind: exercise.stimulus),
                    skill_key = \(bind: exercise.skillKey), skill_name = \(bind: exercise.skillName), rubric = \(bind: rubric), ladder = \(bind: ladder),
                    review_settings = \(bind: review), scaffold_policy = \(bind: policy), policy_version = \(bind: saved.policyVersion),
                    updated_at = \(bind: Date())
                WHERE id = \(bind: exercise.id.description)
                """)
            _ = try await session.query("DELETE FROM exercise_cohorts WHERE exercise_id = \(bind: exercise.id.description)")
            try await Self.assign(exercise.id, to: exercise.cohorts, in: session)
            return saved
        }
    }

    /// Removes an exercise that has no submissions.
    /// - Returns: whether it existed.
    /// - Throws: ``StoreError/refused(_:)`` when attempts were submitted for it.
    @discardableResult
    public func deleteExercise(_ id: ExerciseID) async throws -> Bool {
        try await write { session in
            let count =
                try await session.query("SELECT COUNT(*) AS n FROM submissions WHERE exercise_id = \(bind: id.description)").first?.int("n") ?? 0
            if count > 0 { throw StoreError.refused(.exerciseHasAttempts) }
            return !(try await session.query("DELETE FROM exercises WHERE id = \(bind: id.description) RETURNING id").isEmpty)
        }
    }

    /// The ladder height (top level) of every exercise of `skill`.
    public func ladderHeights(skill: String) async throws -> [(exercise: ExerciseID, title: String, top: Int)] {
        try await read { session in
            try await session.query("SELECT id, title, ladder FROM exercises WHERE skill_key = \(bind: skill) ORDER BY created_at, id").map { row in
                (try row.id("id"), try row.string("title"), try row.json("ladder", as: ScaffoldLadder.self).top)
            }
        }
    }

    /// The exercise with `id`.
    public func exercise(_ id: ExerciseID) async throws -> Exercise? {
        try await read { session in
            guard let row = try await session.query("SELECT \(raw: Self.exerciseColumns) FROM exercises WHERE id = \(bind: id.description)").first
            else {
                return nil
            }
            let cohorts = try await session.query("SELECT cohort_id FROM exercise_cohorts WHERE exercise_id = \(bind: id.description)")
            return try Self.exercise(row, cohorts: Set(cohorts.map { try $0.id("cohort_id") }))
        }
    }

    /// Exercises within `scope`, newest first, optionally only those assigned to `cohort`.
    public func exercises(scope: ListScope, cohort: CohortID? = nil, page: PageRequest) async throws -> Page<Exercise> {
        var filters: [SQLStatement] = []
        switch scope {
        case .nothing: return Page(items: [], next: nil)
        case .everything: break
        case .reach(let reach):
            filters.append("exercises.id IN (SELECT exercise_id FROM exercise_cohorts WHERE \(SQLStatement.isIn("cohort_id", reach.belongs)))")
        }
        if let cohort {
            filters.append("exercises.id IN (SELECT exercise_id FROM exercise_cohorts WHERE cohort_id = \(bind: cohort.description))")
        }
        let rows = try await self.page("SELECT \(raw: Self.exerciseColumns) FROM exercises", table: "exercises", filters: filters, request: page) {
            $0
        }
        // Assignments for the whole page in one query.
        let ids = try rows.items.map { try $0.string("id") }
        let assignments = try await read { session in
            try await session.query("SELECT exercise_id, cohort_id FROM exercise_cohorts WHERE \(SQLStatement.isIn("exercise_id", ids))")
        }
        var cohortsByExercise: [String: Set<CohortID>] = [:]
        for row in assignments { cohortsByExercise[try row.string("exercise_id"), default: []].insert(try row.id("cohort_id")) }
        return Page(items: try rows.items.map { try Self.exercise($0, cohorts: cohortsByExercise[try $0.string("id")] ?? []) }, next: rows.next)
    }

    private static func assign(_ exercise: ExerciseID, to cohorts: Set<CohortID>, in session: any DatabaseSession) async throws {
        for cohort in cohorts.sorted(by: { $0.description < $1.description }) {
            _ = try await session.query(
                """
                INSERT INTO exercise_cohorts (exercise_id, cohort_id) VALUES (\(bind: exercise.description), \(bind: cohort.description))
                """)
        }
    }

    static let exerciseColumns = """
        exercises.id, exercises.title, exercises.instructions, exercises.stimulus, exercises.skill_key, exercises.skill_name, exercises.rubric, exercises.ladder,
        exercises.review_settings, exercises.scaffold_policy, exercises.policy_version, exercises.created_at
        """

    static func exercise(_ row: SQLRow, cohorts: Set<CohortID>) throws -> Exercise {
        do {
            return try Exercise(
                id: row.id("id"), title: row.string("title"), instructions: row.string("instructions"), stimulus: row.optionalString("stimulus"),
                skillKey: row.string("skill_key"), skillName: row.string("skill_name"), rubric: row.json("rubric", as: Rubric.self),
                ladder: row.json("ladder", as: ScaffoldLadder.self), cohorts: cohorts,
                review: row.json("review_settings", as: ReviewSettings.self),
                policy: row.json("scaffold_policy", as: ScaffoldPolicy.self), policyVersion: Int(row.int("policy_version")),
                createdAt: row.date("created_at"))
        } catch let error as ValidationError {
            throw StoreError.corrupt("exercise \(try row.string("id")): \(error)")
        }
    }

    static func jsonText(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
