import Foundation
import SteigerApp
import SteigerCore

// What the scaffolding routes answer, and their schemas.

/// Names what transitions refer to (each exercise's ladder for the supports, trainers' names),
/// and which exercises' events the caller may see in full.
struct ScaffoldNames: Sendable {
    var ladders: [ExerciseID: ScaffoldLadder]
    var people: [UserID: String]
    var visible: Set<ExerciseID>
    /// The reader's language.
    var words: Localizer

    init(_ naming: ScaffoldNaming, words: Localizer) {
        ladders = naming.ladders
        people = naming.people
        visible = naming.visible
        self.words = words
    }

    func sentence(_ transition: ScaffoldTransition) -> String {
        guard visible.contains(transition.exerciseID) else { return elsewhere(transition.at, from: transition.from, to: transition.to) }
        return ScaffoldExplanation.sentence(
            transition, ladder: ladders[transition.exerciseID], trainerName: transition.trainerID.flatMap { people[$0] }, in: words)
    }

    func note(_ step: ScaffoldStep) -> String {
        guard visible.contains(step.event.exerciseID) else {
            return step.levelBefore == step.levelAfter
                ? words.text("scaffold.elsewhereEvent")
                : elsewhere(step.event.at, from: step.levelBefore, to: step.levelAfter)
        }
        let trainer: UserID? = if case .override(let override) = step.event { override.trainerID } else { nil }
        return ScaffoldExplanation.note(step, ladder: ladders[step.event.exerciseID], trainerName: trainer.flatMap { people[$0] }, in: words)
    }

    func elsewhere(_ date: Date, from: Int, to: Int) -> String {
        words.text("scaffold.elsewhere", ["from": .integer(from), "to": .integer(to), "date": .date(date)])
    }
}

/// One level of a ladder with its supports: what a learner at that level gets.
struct ScaffoldLevelView: JSONView {
    var level: Int
    var top: Int
    var name: String
    var supports: [ScaffoldLadder.Support]

    init(_ ladder: ScaffoldLadder, level: Int) {
        self.level = level
        top = ladder.top
        name = ladder.level(level).name
        supports = ladder.level(level).supports
    }

    static let fields: [JSONField<Self>] = [
        .init("level", ["type": "integer", "minimum": 0]) { $0.level },
        .init("top", ["type": "integer", "minimum": 0]) { $0.top },
        .init("name", ["type": "string"]) { $0.name },
        .init("supports", ["type": "array", "items": ref("Support")]) { $0.supports },
    ]
}

struct EvidenceView: JSONView {
    var reviewId: String
    var submissionId: String
    var attempt: Int
    var total: Double
    var lowest: Double
    var madeAt: Date

    init(_ evidence: ScaffoldEvidence) {
        reviewId = evidence.reviewID.description
        submissionId = evidence.submissionID.description
        attempt = evidence.attempt
        total = evidence.total
        lowest = evidence.lowest
        madeAt = evidence.madeAt
    }

    static let fields: [JSONField<Self>] = [
        .init("reviewId", uuid) { $0.reviewId },
        .init("submissionId", uuid) { $0.submissionId },
        .init("attempt", ["type": "integer"]) { $0.attempt },
        .init("total", ["type": "number"]) { $0.total },
        .init("lowest", ["type": "number"]) { $0.lowest },
        .init("madeAt", dateTime) { $0.madeAt },
    ]
}

/// A change of level: the rule, its evidence, the policy used, and the sentence that says it.
struct TransitionView: JSONView {
    var rule: String
    var at: Date
    var from: Int
    var to: Int
    var exerciseId: String
    var sentence: String
    var evidence: [EvidenceView]
    var policy: ScaffoldPolicy?
    var policyVersion: Int?
    var trainerId: String?
    var reason: String?
    var recheckDays: Int?
    var developmentPoints: [String]?

    /// A transition; one made on an exercise the caller may not see in full shows only its rule
    /// and levels.
    init(_ transition: ScaffoldTransition, names: ScaffoldNames) {
        let full = names.visible.contains(transition.exerciseID)
        rule = transition.rule.rawValue
        at = transition.at
        from = transition.from
        to = transition.to
        exerciseId = transition.exerciseID.description
        sentence = names.sentence(transition)
        evidence = full ? transition.evidence.map(EvidenceView.init) : []
        policy = full ? transition.policy : nil
        policyVersion = full ? transition.policyVersion : nil
        trainerId = full ? transition.trainerID?.description : nil
        reason = full ? transition.reason : nil
        recheckDays = transition.recheckDays
        developmentPoints = full ? transition.developmentPoints : nil
    }

    static let fields: [JSONField<Self>] = [
        .init("rule", ["type": "string", "enum": .array(ScaffoldTransition.Rule.allCases.map { .string($0.rawValue) })]) { $0.rule },
        .init("at", dateTime) { $0.at },
        .init("from", ["type": "integer"]) { $0.from },
        .init("to", ["type": "integer"]) { $0.to },
        .init("exerciseId", uuid) { $0.exerciseId },
        .init("sentence", ["type": "string"]) { $0.sentence },
        .init("evidence", ["type": "array", "items": ref("ScaffoldEvidence")]) { $0.evidence },
        .nullable("policy", ["anyOf": [ref("ScaffoldPolicy"), ["type": "null"]]]) { $0.policy },
        .nullable("policyVersion", ["type": ["integer", "null"]]) { $0.policyVersion },
        .nullable("trainerId", ["type": ["string", "null"], "format": "uuid"]) { $0.trainerId },
        .nullable("reason", ["type": ["string", "null"]]) { $0.reason },
        .nullable("recheckDays", ["type": ["integer", "null"], "description": "For a failed recheck: the days after which it was due."]) {
            $0.recheckDays
        },
        .nullable(
            "developmentPoints",
            ["type": ["array", "null"], "items": ["type": "string"], "description": "For a kick-off: the keys of the criteria it scored lowest."]
        ) { $0.developmentPoints },
    ]
}

/// A criterion named by its key and title (a development point).
struct CriterionNameView: JSONView {
    var key: String
    var title: String

    static let fields: [JSONField<Self>] = [
        .init("key", ["type": "string"]) { $0.key },
        .init("title", ["type": "string"]) { $0.title },
    ]
}

/// Where a learner stands on an exercise: level, phase, flag, the next recheck, the kick-off's
/// development points and the last change.
struct StandingView: JSONView {
    var level: Int
    var top: Int
    var levelName: String
    /// supported (level above 0), check-pending (at 0, a recheck to come), independent.
    var phase: String
    var flagged: Bool
    var checkDueAt: Date?
    var checkDays: Int?
    var developmentPoints: [CriterionNameView]
    var lastTransition: TransitionView?

    init(_ standing: ScaffoldStanding?, exercise: Exercise, names: ScaffoldNames) {
        self.init(
            level: standing?.level, flagged: standing?.flagged ?? false, checkDueAt: standing?.checkDueAt, checkDays: standing?.checkDays,
            points: standing?.developmentPoints ?? [], lastTransition: standing?.lastTransition, exercise: exercise, names: names)
    }

    init(_ state: ScaffoldState, exercise: Exercise, names: ScaffoldNames) {
        self.init(
            level: state.placedLevel, flagged: state.flagged, checkDueAt: state.delayedCheck?.dueAt, checkDays: state.delayedCheck?.days,
            points: state.developmentPoints, lastTransition: state.lastTransition, exercise: exercise, names: names)
    }

    private init(
        level placed: Int?, flagged: Bool, checkDueAt due: Date?, checkDays days: Int?, points: [String],
        lastTransition transition: ScaffoldTransition?, exercise: Exercise, names: ScaffoldNames
    ) {
        let ladder = exercise.ladder
        level = min(placed ?? ladder.top, ladder.top)
        top = ladder.top
        levelName = ladder.level(level).name
        phase = level > 0 ? "supported" : due != nil ? "check-pending" : "independent"
        self.flagged = flagged
        checkDueAt = level == 0 ? due : nil
        checkDays = level == 0 && due != nil ? days : nil
        // Points of a criterion the rubric no longer has are left out.
        developmentPoints = points.compactMap { key in exercise.rubric.criterion(key).map { CriterionNameView(key: key, title: $0.title) } }
        lastTransition = transition.map { TransitionView($0, names: names) }
    }

    static let fields: [JSONField<Self>] = [
        .init("level", ["type": "integer", "minimum": 0]) { $0.level },
        .init("top", ["type": "integer", "minimum": 0]) { $0.top },
        .init("levelName", ["type": "string"]) { $0.levelName },
        // supported (level above 0), check-pending (at 0, a recheck to come), independent.
        .init("phase", ["type": "string", "enum": ["supported", "check-pending", "independent"]]) { $0.phase },
        .init("flagged", ["type": "boolean"]) { $0.flagged },
        .nullable("checkDueAt", dateTime) { $0.checkDueAt },
        .nullable("checkDays", ["type": ["integer", "null"], "description": "Days after the last support went that the next recheck is due."]) {
            $0.checkDays
        },
        .init(
            "developmentPoints",
            ["type": "array", "items": CriterionNameView.schema, "description": "The criteria the kick-off attempt scored lowest."]
        ) { $0.developmentPoints },
        .nullable("lastTransition", ref("ScaffoldTransition")) { $0.lastTransition },
    ]
}

/// What a learner gets for their next attempt, and how they got there.
struct SupportsView: JSONView {
    var exerciseId: String
    var purpose: AttemptPurpose
    var current: ScaffoldLevelView
    var standing: StandingView
    var history: [String]

    static let fields: [JSONField<Self>] = [
        .init("exerciseId", uuid) { $0.exerciseId },
        .init(
            "purpose",
            [
                "type": "string", "enum": .array(AttemptPurpose.allCases.map { .string($0.rawValue) }),
                "description": "What the next attempt is for; a kick-off gets no supports.",
            ]
        ) { $0.purpose.rawValue },
        .init("current", ScaffoldLevelView.schema) { $0.current },
        .init("standing", ref("ScaffoldStanding")) { $0.standing },
        .init("history", ["type": "array", "items": ["type": "string"]]) { $0.history },
    ]
}

struct PersonView: JSONView {
    var id: String
    var displayName: String
    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.id },
        .init("displayName", ["type": "string"]) { $0.displayName },
    ]
}

/// An exercise's learners × levels, stalled learners first.
struct ScaffoldMatrixView: JSONView {
    struct Row: JSONView {
        var learner: PersonView
        var attempts: Int
        var standing: StandingView

        static let fields: [JSONField<Self>] = [
            .init("learner", PersonView.schema) { $0.learner },
            .init("attempts", ["type": "integer", "minimum": 0]) { $0.attempts },
            .init("standing", ref("ScaffoldStanding")) { $0.standing },
        ]
    }

    var exerciseId: String
    var levels: [ScaffoldLevelView]
    var rows: [Row]

    static let fields: [JSONField<Self>] = [
        .init("exerciseId", uuid) { $0.exerciseId },
        .init("levels", ["type": "array", "items": ScaffoldLevelView.schema]) { $0.levels },
        .init("rows", ["type": "array", "items": Row.schema]) { $0.rows },
    ]
}

/// One event of a learner's log as the engine judged it.
struct StepView: JSONView {
    struct ReviewPart: JSONView {
        var reviewId: String
        var reviewerKind: String
        var submissionId: String
        var attempt: Int
        var attemptLevel: Int
        var total: Double
        var lowest: Double
        var policyVersion: Int

        static let fields: [JSONField<Self>] = [
            .init("reviewId", uuid) { $0.reviewId },
            .init("reviewerKind", reviewKindSchema) { $0.reviewerKind },
            .init("submissionId", uuid) { $0.submissionId },
            .init("attempt", ["type": "integer"]) { $0.attempt },
            .init("attemptLevel", ["type": "integer"]) { $0.attemptLevel },
            .init("total", ["type": "number"]) { $0.total },
            .init("lowest", ["type": "number"]) { $0.lowest },
            .init("policyVersion", ["type": "integer"]) { $0.policyVersion },
        ]
    }

    var at: Date
    var kind: String
    var exerciseId: String
    var outcome: String
    var levelBefore: Int
    var levelAfter: Int
    var note: String
    var review: ReviewPart?
    var transition: TransitionView?

    init(_ step: ScaffoldStep, names: ScaffoldNames) {
        at = step.event.at
        exerciseId = step.event.exerciseID.description
        outcome = step.outcome.name
        levelBefore = step.levelBefore
        levelAfter = step.levelAfter
        note = names.note(step)
        transition = step.transition.map { TransitionView($0, names: names) }
        switch step.event {
        case .assessed where !names.visible.contains(step.event.exerciseID):
            kind = "review"
            review = nil
        case .assessed(let assessment):
            kind = "review"
            review = ReviewPart(
                reviewId: assessment.reviewID.description, reviewerKind: assessment.reviewerKind.rawValue,
                submissionId: assessment.submissionID.description, attempt: assessment.attempt, attemptLevel: assessment.attemptLevel,
                total: assessment.total, lowest: assessment.lowest, policyVersion: assessment.policyVersion)
        case .override:
            kind = "override"
            review = nil
        }
    }

    static let fields: [JSONField<Self>] = [
        .init("at", dateTime) { $0.at },
        .init("kind", ["type": "string", "enum": ["review", "override"]]) { $0.kind },
        .init("exerciseId", uuid) { $0.exerciseId },
        .init("outcome", ["type": "string", "enum": ["counted", "transition", "check-passed", "informs", "already-assessed", "other-level"]]) {
            $0.outcome
        },
        .init("levelBefore", ["type": "integer"]) { $0.levelBefore },
        .init("levelAfter", ["type": "integer"]) { $0.levelAfter },
        .init("note", ["type": "string"]) { $0.note },
        .nullable("review", ReviewPart.schema) { $0.review },
        .nullable("transition", ref("ScaffoldTransition")) { $0.transition },
    ]
}

/// One learner's scaffolding on an exercise's skill: now, the changes, and every event.
struct ScaffoldTrackView: JSONView {
    var learner: PersonView
    var exerciseId: String
    var skillKey: String
    var current: ScaffoldLevelView
    var standing: StandingView
    var transitions: [TransitionView]
    var timeline: [StepView]
    var attempts: [SubmissionView]

    static let fields: [JSONField<Self>] = [
        .init("learner", PersonView.schema) { $0.learner },
        .init("exerciseId", uuid) { $0.exerciseId },
        .init("skillKey", ["type": "string"]) { $0.skillKey },
        .init("current", ScaffoldLevelView.schema) { $0.current },
        .init("standing", ref("ScaffoldStanding")) { $0.standing },
        .init("transitions", ["type": "array", "items": ref("ScaffoldTransition")]) { $0.transitions },
        .init("timeline", ["type": "array", "items": StepView.schema]) { $0.timeline },
        .init("attempts", ["type": "array", "items": ref("Submission")]) { $0.attempts },
    ]
}

/// A learner's own standing on one of their exercises.
struct MyScaffoldingView: JSONView {
    var exerciseId: String
    var title: String
    var purpose: AttemptPurpose
    var current: ScaffoldLevelView
    var standing: StandingView

    static let fields: [JSONField<Self>] = [
        .init("exerciseId", uuid) { $0.exerciseId },
        .init("title", ["type": "string"]) { $0.title },
        .init(
            "purpose",
            [
                "type": "string", "enum": .array(AttemptPurpose.allCases.map { .string($0.rawValue) }),
                "description": "What the next attempt is for; a kick-off gets no supports.",
            ]
        ) { $0.purpose.rawValue },
        .init("current", ScaffoldLevelView.schema) { $0.current },
        .init("standing", ref("ScaffoldStanding")) { $0.standing },
    ]
}

// MARK: - From the use case's read models

extension SupportsView {
    init(_ supports: Scaffolding.Supports, words: Localizer) {
        let names = ScaffoldNames(supports.naming, words: words)
        let exercise = supports.exercise
        let view = StandingView(supports.history.state, exercise: exercise, names: names)
        var current = ScaffoldLevelView(exercise.ladder, level: view.level)
        current.supports = supports.supports
        self.init(
            exerciseId: exercise.id.description, purpose: supports.purpose, current: current, standing: view,
            history: supports.history.transitions.map(names.sentence))
    }
}

extension MyScaffoldingView {
    static func list(_ overview: Scaffolding.Overview, words: Localizer) -> [MyScaffoldingView] {
        let names = ScaffoldNames(overview.naming, words: words)
        return overview.exercises.map { exercise in
            let standing = StandingView(overview.standings[exercise.skillKey], exercise: exercise, names: names)
            let purpose = overview.purposes[exercise.id] ?? .practice
            var current = ScaffoldLevelView(exercise.ladder, level: standing.level)
            if purpose == .kickOff { current.supports = [] }
            return MyScaffoldingView(
                exerciseId: exercise.id.description, title: exercise.title, purpose: purpose, current: current, standing: standing)
        }
    }
}

extension ScaffoldMatrixView {
    init(_ matrix: Scaffolding.Matrix, words: Localizer) {
        let names = ScaffoldNames(matrix.naming, words: words)
        let exercise = matrix.exercise
        self.init(
            exerciseId: exercise.id.description,
            levels: exercise.ladder.levels.map { ScaffoldLevelView(exercise.ladder, level: $0.number) },
            rows: matrix.rows.map { row in
                .init(
                    learner: PersonView(id: row.learnerID.description, displayName: row.displayName), attempts: row.attempts,
                    standing: StandingView(row.standing, exercise: exercise, names: names))
            })
    }
}

extension ScaffoldTrackView {
    init(_ track: Scaffolding.Track, words: Localizer) {
        let names = ScaffoldNames(track.naming, words: words)
        let exercise = track.exercise, history = track.history
        let view = StandingView(history.state, exercise: exercise, names: names)
        self.init(
            learner: PersonView(id: track.learner.id.description, displayName: track.learner.displayName), exerciseId: exercise.id.description,
            skillKey: exercise.skillKey, current: ScaffoldLevelView(exercise.ladder, level: view.level), standing: view,
            transitions: history.transitions.map { TransitionView($0, names: names) },
            timeline: history.steps.map { StepView($0, names: names) }, attempts: track.attempts.map { SubmissionView($0, words: words) })
    }
}
