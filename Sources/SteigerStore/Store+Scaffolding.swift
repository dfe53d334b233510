import Foundation
import SteigerCore

extension Store {
    // MARK: - Scaffolding

    /// Records a trainer's placement of `learner` on `skill` and returns the replayed log.
    public func recordScaffoldOverride(_ override: ScaffoldOverride, learner: UserID, skill: String) async throws -> ScaffoldHistory {
        try await write { session in
            try await Self.append(.override(override), learner: learner, skill: skill, in: session)
        }
    }

    /// Appends recorded events to the log of `learner` for `skill` in one transaction (importing
    /// a history kept elsewhere) and saves the replayed standing.
    public func appendScaffoldEvents(_ events: [ScaffoldEvent], learner: UserID, skill: String) async throws {
        guard let last = events.last else { return }
        try await write { session in
            let seq = try await Self.lockLog(learner: learner, skill: skill, in: session)
            let earlier = seq == 0 ? [] : try await Self.log(learner: learner, skill: skill, in: session)
            for (offset, event) in events.enumerated() {
                try await Self.insert(event, learner: learner, skill: skill, seq: seq + 1 + offset, in: session)
            }
            // The stored log is now the earlier one and these events after it.
            let old = ScaffoldEngine.replay(earlier).steps
            let history = ScaffoldEngine.replay(earlier + events)
            let cohort = try await Self.retally(
                learner: learner, skill: skill, exercise: last.exerciseID, old: old, new: history.steps, in: session)
            try await Self.save(
                Self.standing(history.state, learner: learner, skill: skill, events: history.steps.count), now: last.at, tallyCohort: cohort,
                in: session)
        }
    }

    /// The level `learner` would make their next attempt at `exercise` at, at `now`, and what it would be for.
    public func nextAttempt(learner: UserID, exercise: ExerciseID, now: Date) async throws -> (level: Int, purpose: AttemptPurpose) {
        try await read { session in try await Self.nextAttempt(learner: learner, exercise: exercise, now: now, in: session) }
    }

    /// Records `recheck.due` once for every recheck that has fallen due by `now`, naming the
    /// first exercise of the skill the learner practises; returns how many it recorded.
    @discardableResult
    public func noteDueRechecks(now: Date = Date()) async throws -> Int {
        try await write { session in
            let due = try await session.query(
                """
                UPDATE scaffold_states SET check_reminded_for = check_due_at
                WHERE check_due_at IS NOT NULL AND check_due_at <= \(bind: now) AND level = 0
                  AND (check_reminded_for IS NULL OR check_reminded_for <> check_due_at)
                RETURNING learner_id, skill_key, check_days
                """)
            var recorded = 0
            for row in due {
                let learner: UserID = try row.id("learner_id")
                let skill = try row.string("skill_key")
                guard
                    let exercise = try await session.query(
                        """
                        SELECT e.id FROM exercises e WHERE e.skill_key = \(bind: skill) AND e.id IN (
                            SELECT ec.exercise_id FROM exercise_cohorts ec JOIN memberships m ON m.cohort_id = ec.cohort_id
                            WHERE m.user_id = \(bind: learner.description) AND m.part = 'learner')
                        ORDER BY e.created_at, e.id LIMIT 1
                        """
                    ).first
                else { continue }
                var data: [String: String] = [:]
                data["days"] = try row.optionalInt("check_days").map { String($0) }
                try await Self.record(
                    DomainEvent(
                        .recheckDue, at: now, subjects: ["learner": learner.description, "skill": skill, "exercise": try exercise.string("id")],
                        data: data), in: session)
                recorded += 1
            }
            return recorded
        }
    }

    /// The log of `learner` for `skill`, oldest first.
    public func scaffoldLog(learner: UserID, skill: String) async throws -> [ScaffoldEvent] {
        try await read { session in try await Self.log(learner: learner, skill: skill, in: session) }
    }

    /// Where `learner` stands on `skill` (nil: nothing recorded yet).
    public func scaffoldStanding(learner: UserID, skill: String) async throws -> ScaffoldStanding? {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.standingColumns) FROM scaffold_states s
                WHERE learner_id = \(bind: learner.description) AND skill_key = \(bind: skill)
                """
            ).first.map(Self.standing)
        }
    }

    /// Where `learner` stands on every skill with a log, by skill key.
    public func scaffoldStandings(learner: UserID) async throws -> [String: ScaffoldStanding] {
        try await read { session in
            let rows = try await session.query(
                "SELECT \(raw: Self.standingColumns) FROM scaffold_states s WHERE learner_id = \(bind: learner.description)")
            return Dictionary(try rows.map { (try $0.string("skill_key"), try Self.standing($0)) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The enabled learners of `cohorts` (those among the exercise's), with their standing on the
    /// exercise's skill: flagged learners first, then by name.
    public func scaffoldMatrix(exercise: Exercise, cohorts: Set<CohortID>) async throws -> [ScaffoldMatrixRow] {
        let cohorts = cohorts.intersection(exercise.cohorts)
        if cohorts.isEmpty { return [] }
        return try await read { session in
            try await session.query(
                """
                SELECT u.id AS learner, u.display_name, \(raw: Self.standingColumns), s.learner_id AS recorded,
                    (SELECT COUNT(*) FROM submissions x WHERE x.learner_id = u.id AND x.exercise_id = \(bind: exercise.id.description)
                     AND x.audience <> 'private') AS attempts
                FROM users u
                LEFT JOIN scaffold_states s ON s.learner_id = u.id AND s.skill_key = \(bind: exercise.skillKey)
                WHERE u.disabled = 0 AND u.id IN (
                    SELECT user_id FROM memberships WHERE part = 'learner' AND \(SQLStatement.isIn("cohort_id", cohorts)))
                """
            ).map { row in
                ScaffoldMatrixRow(
                    learnerID: try row.id("learner"), displayName: try row.string("display_name"),
                    standing: try row.optionalString("recorded") == nil ? nil : try Self.standing(row),
                    attempts: Int(try row.int("attempts")))
            }
            // Sorted here, the same on both engines (their collations differ).
            .sorted {
                ($0.standing?.flagged == true ? 0 : 1, $0.displayName.lowercased(), $0.learnerID.description)
                    < ($1.standing?.flagged == true ? 0 : 1, $1.displayName.lowercased(), $1.learnerID.description)
            }
        }
    }

    /// Replays every log and rewrites every standing (after a repair, or to measure the engine
    /// on real data); a standing that a newer event saved meanwhile is left as it is.
    /// - Returns: the number of logs replayed and events read.
    @discardableResult
    public func replayAllScaffoldLogs(now: Date = Date()) async throws -> (logs: Int, events: Int) {
        let rows = try await read { session in
            try await session.query("SELECT learner_id, skill_key, kind, payload FROM scaffold_events ORDER BY learner_id, skill_key, seq")
        }
        let standings = try Self.logs(rows).compactMap { log in
            UserID(log.learner).map {
                Self.standing(ScaffoldEngine.state(after: log.events), learner: $0, skill: log.skill, events: log.events.count)
            }
        }
        let all = standings
        try await write { session in
            for standing in all { try await Self.save(standing, now: now, in: session) }
        }
        return (standings.count, rows.count)
    }

    // MARK: - Inside transactions

    /// Appends `event` to the log of `learner` for `skill`, replays it, saves the standing, and
    /// records the change of level it caused, if any, in the outbox.
    static func append(_ event: ScaffoldEvent, learner: UserID, skill: String, in session: any DatabaseSession) async throws -> ScaffoldHistory {
        let seq = try await lockLog(learner: learner, skill: skill, in: session)
        // A correction is read in place of an earlier event, so the change it makes shows in the
        // last move of the whole log rather than in its last step.
        let correction = if case .assessed(let assessment) = event, assessment.isCorrection == true { true } else { false }
        let earlier = correction ? ScaffoldEngine.replay(try await log(learner: learner, skill: skill, in: session)) : nil
        let before = earlier?.state.lastTransition
        try await insert(event, learner: learner, skill: skill, seq: seq + 1, in: session)
        let history = ScaffoldEngine.replay(try await log(learner: learner, skill: skill, in: session))
        // Without a correction the log only grew: the replay before it is this one's steps but the last.
        let cohort = try await retally(
            learner: learner, skill: skill, exercise: event.exerciseID, old: earlier?.steps ?? Array(history.steps.dropLast()),
            new: history.steps, in: session)
        try await save(
            standing(history.state, learner: learner, skill: skill, events: history.steps.count), now: event.at, tallyCohort: cohort, in: session)
        let moved = correction ? history.state.lastTransition.flatMap { $0 == before ? nil : $0 } : history.steps.last?.transition
        if let moved {
            try await record(.scaffolding(moved, learner: learner, skill: skill), in: session)
            if !correction { try await assignTransfer(after: moved, learner: learner, in: session) }
        }
        return history
    }

    /// Serialises appends to one log (an advisory lock on PostgreSQL; SQLite has one writer) and
    /// returns its last sequence number.
    private static func lockLog(learner: UserID, skill: String, in session: any DatabaseSession) async throws -> Int {
        if session.dialect == .postgresql {
            _ = try await session.query("SELECT pg_advisory_xact_lock(hashtext(\(bind: "scaffold:\(learner):\(skill)")))")
        }
        return Int(
            try await session.query(
                """
                SELECT COALESCE(MAX(seq), 0) AS n FROM scaffold_events WHERE learner_id = \(bind: learner.description) AND skill_key = \(bind: skill)
                """
            ).first?.int("n") ?? 0)
    }

    private static func insert(_ event: ScaffoldEvent, learner: UserID, skill: String, seq: Int, in session: any DatabaseSession) async throws {
        let (kind, payload, submission): (String, String, SubmissionID?) =
            switch event {
            case .assessed(let assessment): ("assessed", try ScaffoldCoding.text(assessment), assessment.submissionID)
            case .override(let override): ("override", try ScaffoldCoding.text(override), nil)
            }
        _ = try await session.query(
            """
            INSERT INTO scaffold_events (id, learner_id, skill_key, seq, kind, exercise_id, submission_id, payload, occurred_at)
            VALUES (\(bind: UUIDText.lowercase(UUID())), \(bind: learner.description), \(bind: skill), \(bind: seq), \(bind: kind),
                    \(bind: event.exerciseID.description), \(bind: submission?.description), \(bind: payload), \(bind: event.at))
            """)
    }

    /// Records a submitted review in its learner's log (every review: those that do not move
    /// levels still inform the timeline); returns the learner and the exercise.
    @discardableResult
    /// With `correction`, the time the reviewer changed the review's scores: the assessment then
    /// stands in for the review's earlier one.
    static func recordAssessment(
        _ review: Review, correction: Date? = nil, in session: any DatabaseSession
    ) async throws -> (learner: UserID, exercise: ExerciseID) {
        guard
            let row = try await session.query(
                """
                SELECT s.learner_id, s.exercise_id, s.attempt, s.scaffold_level, s.purpose, s.created_at, e.skill_key, e.ladder, e.rubric,
                    e.scaffold_policy, e.policy_version
                FROM submissions s JOIN exercises e ON e.id = s.exercise_id WHERE s.id = \(bind: review.submissionID.description)
                """
            ).first
        else { throw StoreError.notFound("submission \(review.submissionID)") }
        var assessment = ScaffoldAssessment(
            reviewID: review.id, reviewerKind: review.kind, submissionID: review.submissionID, exerciseID: try row.id("exercise_id"),
            attempt: Int(try row.int("attempt")), attemptLevel: Int(try row.int("scaffold_level")), attemptMadeAt: try row.date("created_at"),
            top: try row.json("ladder", as: ScaffoldLadder.self).top, total: review.result.total, lowest: review.result.lowest,
            policy: try row.json("scaffold_policy", as: ScaffoldPolicy.self), policyVersion: Int(try row.int("policy_version")),
            at: correction ?? review.submittedAt)
        assessment.isCorrection = correction.map { _ in true }
        let purpose = AttemptPurpose(rawValue: try row.string("purpose")) ?? .practice
        if purpose != .practice { assessment.purpose = purpose }
        if purpose == .kickOff {
            assessment.criteria = try row.json("rubric", as: Rubric.self).criteria.compactMap { criterion in
                review.result.normalised[criterion.key].map { ScaffoldCriterionScore(key: criterion.key, score: $0) }
            }
        }
        let learner: UserID = try row.id("learner_id")
        _ = try await append(.assessed(assessment), learner: learner, skill: try row.string("skill_key"), in: session)
        return (learner, assessment.exerciseID)
    }

    /// The level `learner` practises `exercise` at now (their standing on its skill, on its
    /// ladder) and what their next attempt at it is for.
    static func nextAttempt(
        learner: UserID, exercise id: ExerciseID, now: Date, in session: any DatabaseSession
    ) async throws -> (level: Int, purpose: AttemptPurpose) {
        guard let row = try await session.query("SELECT \(raw: exerciseColumns) FROM exercises WHERE id = \(bind: id.description)").first
        else { throw StoreError.reference("exercise \(id) does not exist") }
        let exercise = try Self.exercise(row, cohorts: [])
        let standing = try await session.query(
            """
            SELECT \(raw: standingColumns) FROM scaffold_states s
            WHERE learner_id = \(bind: learner.description) AND skill_key = \(bind: exercise.skillKey)
            """
        ).first.map { try Self.standing($0) }
        var kickOffMade = false
        if exercise.review.kickOff, standing?.lastTransition == nil {
            // A kick-off counts once it was sent for review and did not fail.
            kickOffMade =
                try await session.query(
                    """
                    SELECT 1 AS made FROM submissions WHERE learner_id = \(bind: learner.description) AND exercise_id = \(bind: id.description)
                    AND purpose = 'kick-off' AND status <> 'failed' AND audience <> 'private'
                    """
                ).first != nil
        }
        let top = exercise.ladder.top
        return (standing?.level(top: top) ?? top, AttemptPurpose.next(exercise: exercise, standing: standing, kickOffMade: kickOffMade, now: now))
    }

    static func log(learner: UserID, skill: String, in session: any DatabaseSession) async throws -> [ScaffoldEvent] {
        try await session.query(
            """
            SELECT kind, payload FROM scaffold_events WHERE learner_id = \(bind: learner.description) AND skill_key = \(bind: skill) ORDER BY seq
            """
        ).map { try event($0, decoder: ScaffoldCoding.decoder()) }
    }

    /// Rows of `scaffold_events` (with `learner_id` and `skill_key`, ordered by learner, skill and
    /// sequence) as one log per learner and skill.
    static func logs(_ rows: [SQLRow]) throws -> [(learner: String, skill: String, events: [ScaffoldEvent])] {
        let decoder = ScaffoldCoding.decoder()
        var logs: [(learner: String, skill: String, events: [ScaffoldEvent])] = []
        for row in rows {
            let (learner, skill) = (try row.string("learner_id"), try row.string("skill_key"))
            if logs.last?.learner != learner || logs.last?.skill != skill { logs.append((learner, skill, [])) }
            logs[logs.count - 1].events.append(try event(row, decoder: decoder))
        }
        return logs
    }

    static func event(_ row: SQLRow, decoder: JSONDecoder) throws -> ScaffoldEvent {
        let payload = try row.string("payload")
        switch try row.string("kind") {
        case "assessed": return .assessed(try ScaffoldCoding.decode(ScaffoldAssessment.self, from: payload, with: decoder))
        case "override": return .override(try ScaffoldCoding.decode(ScaffoldOverride.self, from: payload, with: decoder))
        case let kind: throw StoreError.corrupt("scaffold event of unknown kind \(kind)")
        }
    }

    private static func standing(_ state: ScaffoldState, learner: UserID, skill: String, events: Int) -> ScaffoldStanding {
        ScaffoldStanding(
            learnerID: learner, skillKey: skill, level: state.placedLevel, flagged: state.flagged, checkDueAt: state.delayedCheck?.dueAt,
            checkPassedAt: state.checkPassedAt, lastTransition: state.lastTransition, events: events, checkDays: state.delayedCheck?.days,
            developmentPoints: state.developmentPoints)
    }

    /// Saves a replayed standing; `tallyCohort` is the cohort its log is counted in on the dashboard (nil: as it was).
    private static func save(_ standing: ScaffoldStanding, now: Date, tallyCohort: String? = nil, in session: any DatabaseSession) async throws {
        let transition = try standing.lastTransition.map(ScaffoldCoding.text)
        let points = standing.developmentPoints.isEmpty ? nil : try ScaffoldCoding.text(standing.developmentPoints)
        _ = try await session.query(
            """
            INSERT INTO scaffold_states (learner_id, skill_key, level, flagged, check_due_at, check_passed_at, last_transition, events, updated_at,
                                         check_days, development_points, tally_cohort)
            VALUES (\(bind: standing.learnerID.description), \(bind: standing.skillKey), \(bind: standing.level), \(bind: standing.flagged),
                    \(bind: standing.checkDueAt), \(bind: standing.checkPassedAt), \(bind: transition), \(bind: standing.events), \(bind: now),
                    \(bind: standing.checkDays), \(bind: points), \(bind: tallyCohort))
            ON CONFLICT (learner_id, skill_key) DO UPDATE SET level = excluded.level, flagged = excluded.flagged,
                check_due_at = excluded.check_due_at, check_passed_at = excluded.check_passed_at, last_transition = excluded.last_transition,
                events = excluded.events, updated_at = excluded.updated_at, check_days = excluded.check_days,
                development_points = excluded.development_points, tally_cohort = COALESCE(excluded.tally_cohort, scaffold_states.tally_cohort)
            WHERE scaffold_states.events <= excluded.events
            """)
    }

    private static let standingColumns = """
        s.learner_id, s.skill_key, s.level, s.flagged, s.check_due_at, s.check_passed_at, s.last_transition, s.events, s.check_days,
        s.development_points
        """

    private static func standing(_ row: SQLRow) throws -> ScaffoldStanding {
        ScaffoldStanding(
            learnerID: try row.id("learner_id"), skillKey: try row.string("skill_key"), level: try row.optionalInt("level").map(Int.init),
            flagged: try row.bool("flagged"), checkDueAt: try row.optionalDate("check_due_at"),
            checkPassedAt: try row.optionalDate("check_passed_at"),
            lastTransition: try row.optionalString("last_transition").map { try ScaffoldCoding.decode(ScaffoldTransition.self, from: $0) },
            events: Int(try row.int("events")), checkDays: try row.optionalInt("check_days").map(Int.init),
            developmentPoints: try row.optionalString("development_points").map { try ScaffoldCoding.decode([String].self, from: $0) } ?? [])
    }
}

/// JSON for the scaffolding log: sorted keys, times in milliseconds since 1970.
enum ScaffoldCoding {
    static func text(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A decoder for recorded values: times in milliseconds, policies not checked again.
    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        decoder.userInfo[ScaffoldPolicy.recordedKey] = true
        return decoder
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String, with decoder: JSONDecoder = decoder()) throws -> T {
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt("scaffolding record: \(error)")
        }
    }
}
