import Foundation
import SteigerCore
import SteigerStore

/// A learner's journey through a programme, on one result page: per skill where they started,
/// each support withdrawn or put back and why, the rechecks, their reports from work, and the
/// final scores of their closing proficiency tests.
public struct Journeys: Sendable {
    let store: Store
    let exercises: Exercises
    let scaffolding: Scaffolding

    /// One exercise the learner practises, with everything that happened on its skill.
    public struct Skill: Sendable {
        public var track: Scaffolding.Track
        /// Their reviewed reports from work on it.
        public var transfers: [TransferTask]
        /// For a closing test: each attempt sent for review with its reviews, oldest first.
        public var closing: [(submission: Submission, reviews: [Review])]
    }

    /// The whole result page.
    public struct Journey: Sendable {
        public var learner: User
        public var skills: [Skill]
        /// Reviewers' names (trainers, managers).
        public var names: [UserID: String]
    }

    /// The journey of `learner`, for themselves, the trainers who train them, their managers and
    /// administrators; each reader sees the exercises whose scaffolding they may see.
    /// - Throws: not found for anyone else.
    public func journey(_ actor: Actor, learner id: UserID) async throws -> Journey {
        guard let learner = try await store.user(id), !learner.isGuest else { throw AppError.notFound(.learner) }
        let memberships = try await store.memberships(of: id)
        try AccessPolicy.require(actor, .view, .user(learner, memberships: memberships), .learner)
        let person = try await store.actor(for: learner)
        let practised = try await exercises.all(person).filter { $0.cohorts.contains(where: person.learns(in:)) }
        let reports = try await store.transferTasks(of: id).filter { $0.review != nil }
        var skills: [Skill] = []
        var names: [UserID: String] = [:]
        for exercise in practised.sorted(by: { ($0.review.closingTest ? 1 : 0, $0.title) < ($1.review.closingTest ? 1 : 0, $1.title) }) {
            guard var track = try? await scaffolding.track(actor, exercise: exercise.id, learner: id) else { continue }
            // Whoever reads the journey reads each change on the exercises the learner practises in full.
            for other in practised {
                track.naming.visible.insert(other.id)
                if track.naming.ladders[other.id] == nil { track.naming.ladders[other.id] = other.ladder }
            }
            var closing: [(submission: Submission, reviews: [Review])] = []
            if exercise.review.closingTest {
                for attempt in track.attempts.sorted(by: { $0.createdAt < $1.createdAt })
                where attempt.status == .reviewed || attempt.status == .ready {
                    let reviews = try await store.reviews(of: attempt.id).filter { $0.kind == .trainer || $0.kind == .manager }
                    for review in reviews where names[review.reviewerID] == nil {
                        names[review.reviewerID] = try await store.user(review.reviewerID).map { $0.isErased ? "" : $0.displayName } ?? ""
                    }
                    closing.append((attempt, reviews))
                }
            }
            skills.append(Skill(track: track, transfers: reports.filter { $0.exerciseID == exercise.id }, closing: closing))
        }
        return Journey(learner: learner, skills: skills, names: names)
    }
}
