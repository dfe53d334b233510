import Foundation

/// What an attempt is for, decided when the learner starts it from where they stand on its skill.
public enum AttemptPurpose: String, Sendable, Codable, CaseIterable {
    /// Practice with the supports of the learner's level.
    case practice
    /// The diagnostic first attempt of an exercise that starts with one, made without supports:
    /// its review sets the level the learner starts at and their development points.
    case kickOff = "kick-off"
    /// A recheck for lasting change, due some days after the last support was withdrawn.
    case recheck

    /// The purpose of the next attempt at `exercise` by a learner whose standing on its skill is
    /// `standing` (nil: nothing recorded), at `now`. `kickOffMade` says whether they already
    /// made a kick-off attempt at it that was not lost (failed or removed).
    ///
    /// - A kick-off when the exercise starts with one, nothing has placed the learner on the
    ///   skill yet, and they have not made it.
    /// - A recheck when the learner is at level 0 and a recheck has fallen due.
    /// - Practice otherwise.
    public static func next(exercise: Exercise, standing: ScaffoldStanding?, kickOffMade: Bool, now: Date) -> AttemptPurpose {
        if exercise.review.kickOff, standing?.lastTransition == nil, !kickOffMade { return .kickOff }
        if let standing, standing.level(top: exercise.ladder.top) == 0, let due = standing.checkDueAt, due <= now { return .recheck }
        return .practice
    }
}
