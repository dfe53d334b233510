import Foundation
import SteigerCore
import SteigerStore

/// What the sentences about scaffolding need: each exercise's ladder, trainers' names, and which
/// exercises' events the reader may see in full (another cohort's events of the same skill show
/// only as level changes).
public struct ScaffoldNaming: Sendable {
    public var ladders: [ExerciseID: ScaffoldLadder]
    public var people: [UserID: String]
    public var visible: Set<ExerciseID>
}

/// The scaffolding as people see it: a learner's supports, a trainer's matrix and a learner's
/// track, and a trainer setting a level by hand.
public struct Scaffolding: Sendable {
    let store: Store
    let exercises: Exercises
    let now: @Sendable () -> Date

    /// What a learner gets for their next attempt at an exercise, and how they got there.
    public struct Supports: Sendable {
        public var exercise: Exercise
        public var history: ScaffoldHistory
        public var naming: ScaffoldNaming
        /// What the next attempt is for: practice, the kick-off, or a recheck.
        public var purpose: AttemptPurpose

        /// The level the next attempt is made at.
        public var level: Int { history.state.level(top: exercise.ladder.top) }

        /// The supports of the next attempt: its level's, and none for a kick-off (it shows what
        /// the learner can do without help).
        public var supports: [ScaffoldLadder.Support] { purpose == .kickOff ? [] : exercise.ladder.level(level).supports }
    }

    /// A learner's standing on each exercise they practise, newest exercise first.
    public struct Overview: Sendable {
        public var exercises: [Exercise]
        /// By skill.
        public var standings: [String: ScaffoldStanding]
        public var naming: ScaffoldNaming
        /// What the next attempt at each exercise is for.
        public var purposes: [ExerciseID: AttemptPurpose]
    }

    /// The learners practising an exercise × their level.
    public struct Matrix: Sendable {
        public var exercise: Exercise
        public var rows: [ScaffoldMatrixRow]
        public var naming: ScaffoldNaming
        /// Each learner's last trainer review of an attempt at the exercise.
        public var lastReviews: [UserID: Review] = [:]
    }

    /// One learner's scaffolding on an exercise's skill, with every step and their attempts.
    public struct Track: Sendable {
        public var learner: User
        public var exercise: Exercise
        public var history: ScaffoldHistory
        public var attempts: [Submission]
        public var naming: ScaffoldNaming
        /// Whether the reader may set the learner's level by hand.
        public var canSetLevel: Bool
        /// Each attempt's trainer review (the last, when changed hands), by attempt.
        public var reviews: [SubmissionID: Review] = [:]
    }

    /// What `actor`, a learner of exercise `id`, gets for their next attempt.
    /// - Throws: ``ProblemKind/supportsLearnersOnly`` for anyone who sees the exercise but does not practise it.
    public func supports(_ actor: Actor, exercise id: ExerciseID) async throws -> Supports {
        let exercise = try await exercises.exercise(actor, id)
        guard AccessPolicy.decide(actor, .create, .newSubmission(learner: actor.user.id, exercise: exercise)) == .allow else {
            throw AppError(.supportsLearnersOnly)
        }
        return try await supports(actor, on: exercise)
    }

    /// What `actor` gets for their next attempt at `exercise` (which they practise).
    public func supports(_ actor: Actor, on exercise: Exercise) async throws -> Supports {
        let history = ScaffoldEngine.replay(try await store.scaffoldLog(learner: actor.user.id, skill: exercise.skillKey))
        let naming = try await naming(for: [], transitions: history.transitions, known: [exercise], actor: actor, ownTrack: true)
        let purpose = try await store.nextAttempt(learner: actor.user.id, exercise: exercise.id, now: now()).purpose
        return Supports(exercise: exercise, history: history, naming: naming, purpose: purpose)
    }

    /// `actor`'s level and supports on each exercise they learn.
    public func overview(_ actor: Actor) async throws -> Overview {
        let exercises = try await exercises.all(actor).filter { $0.cohorts.contains(where: actor.learns(in:)) }
        let standings = try await store.scaffoldStandings(learner: actor.user.id)
        let naming = try await naming(
            for: [], transitions: standings.values.compactMap(\.lastTransition), known: exercises, actor: actor, ownTrack: true)
        // Whether a kick-off was made is asked only where the next attempt could be one.
        var purposes: [ExerciseID: AttemptPurpose] = [:]
        let now = now()
        for exercise in exercises {
            let standing = standings[exercise.skillKey]
            purposes[exercise.id] =
                AttemptPurpose.next(exercise: exercise, standing: standing, kickOffMade: false, now: now) == .kickOff
                ? try await store.nextAttempt(learner: actor.user.id, exercise: exercise.id, now: now).purpose
                : AttemptPurpose.next(exercise: exercise, standing: standing, kickOffMade: true, now: now)
        }
        return Overview(exercises: exercises, standings: standings, naming: naming, purposes: purposes)
    }

    /// The learners of exercise `id` in `actor`'s reach (optionally one cohort's) × their level.
    /// - Throws: not allowed for a learner of the exercise, not found for anyone else without it.
    public func matrix(_ actor: Actor, exercise id: ExerciseID, cohort: CohortID? = nil) async throws -> Matrix {
        let exercise = try await exercises.exercise(actor, id)
        try AccessPolicy.require(actor, .view, .scaffoldingMatrix(exercise), .scaffolding)
        var cohorts = actor.user.has(.admin) ? exercise.cohorts : exercise.cohorts.filter(actor.trains)
        if let cohort { cohorts = cohorts.filter { $0 == cohort } }
        let rows = try await store.scaffoldMatrix(exercise: exercise, cohorts: cohorts)
        let naming = try await naming(
            for: [], transitions: rows.compactMap { $0.standing?.lastTransition }, known: [exercise], actor: actor, ownTrack: false)
        let last = try await store.lastTrainerReviews(exercise: exercise.id, learners: Set(rows.map(\.learnerID)))
        return Matrix(exercise: exercise, rows: rows, naming: naming, lastReviews: last)
    }

    /// Learner `learnerID`'s track on exercise `id`, if `actor` may do `action` to their
    /// scaffolding (anyone out of reach, or not a learner of the exercise, is not found).
    public func track(_ actor: Actor, exercise id: ExerciseID, learner learnerID: UserID, for action: Action = .view) async throws -> Track {
        let (exercise, learner, memberships) = try await reach(actor, exercise: id, learner: learnerID, for: action)
        return try await track(actor, of: learner, memberships, on: exercise)
    }

    /// Sets a learner's level by hand with a reason (their trainers); it holds until the next rule fires.
    /// - Returns: the track after the change.
    public func setLevel(_ actor: Actor, exercise id: ExerciseID, learner learnerID: UserID, level: Int, reason: String) async throws -> Track {
        let (exercise, learner, memberships) = try await reach(actor, exercise: id, learner: learnerID, for: .update)
        let override = try ScaffoldOverride(
            trainerID: actor.user.id, exerciseID: exercise.id, level: level, top: exercise.ladder.top, reason: reason, at: now())
        _ = try await store.recordScaffoldOverride(override, learner: learner.id, skill: exercise.skillKey)
        return try await track(actor, of: learner, memberships, on: exercise)
    }

    /// Exercise `id` and its learner `learnerID` with their memberships, if `actor` may do
    /// `action` to the learner's scaffolding and the learner practises the exercise.
    private func reach(
        _ actor: Actor, exercise id: ExerciseID, learner learnerID: UserID, for action: Action
    ) async throws -> (Exercise, User, [Membership]) {
        // The scaffolding's own rule decides (a learner's manager reaches it without the exercise's cohort).
        guard let exercise = try await store.exercise(id) else { throw AppError.notFound(.exercise) }
        guard let learner = try await store.user(learnerID) else { throw AppError.notFound(.learner) }
        let memberships = try await store.memberships(of: learner.id)
        try AccessPolicy.require(
            actor, action, .scaffolding(learner: learner.id, exercise: exercise, learnerMemberships: memberships), .learner)
        guard memberships.contains(where: { $0.part == .learner && exercise.cohorts.contains($0.cohortID) }) else {
            throw AppError.notFound(.learner)
        }
        return (exercise, learner, memberships)
    }

    /// The track of a reached learner: the replayed log, its sentences' names, their attempts.
    private func track(_ actor: Actor, of learner: User, _ memberships: [Membership], on exercise: Exercise) async throws -> Track {
        let history = ScaffoldEngine.replay(try await store.scaffoldLog(learner: learner.id, skill: exercise.skillKey))
        let naming = try await naming(
            for: history.steps.map(\.event.exerciseID), transitions: history.transitions, known: [exercise], actor: actor,
            ownTrack: learner.id == actor.user.id)
        let attempts = try await store.submissions(
            scope: .everything, filter: SubmissionFilter(exercise: exercise.id, learner: learner.id), page: PageRequest(limit: 200))
        let canSet =
            AccessPolicy.decide(actor, .update, .scaffolding(learner: learner.id, exercise: exercise, learnerMemberships: memberships)) == .allow
        var reviews: [SubmissionID: Review] = [:]
        for attempt in attempts.items {
            reviews[attempt.id] = try await store.reviews(of: attempt.id).last { $0.kind == .trainer }
        }
        return Track(
            learner: learner, exercise: exercise, history: history, attempts: attempts.items, naming: naming, canSetLevel: canSet,
            reviews: reviews)
    }

    /// What the sentences need, and which exercises' events `actor` may see in full: all of
    /// them on their own track and for administrators; for a trainer, those assigned to a
    /// cohort they train.
    private func naming(
        for exercises: [ExerciseID], transitions: [ScaffoldTransition], known: [Exercise], actor: Actor, ownTrack: Bool
    ) async throws -> ScaffoldNaming {
        var found = Dictionary(known.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for id in Set(exercises + transitions.map(\.exerciseID)) where found[id] == nil {
            if let exercise = try await store.exercise(id) { found[id] = exercise }
        }
        var people: [UserID: String] = [:]
        for id in Set(transitions.compactMap(\.trainerID)) {
            if let user = try await store.user(id) { people[id] = user.displayName }
        }
        let everything = ownTrack || actor.user.has(.admin)
        let visible = Set(found.values.filter { everything || $0.cohorts.contains(where: actor.trains) }.map(\.id))
        return ScaffoldNaming(ladders: found.mapValues(\.ladder), people: people, visible: visible)
    }
}
