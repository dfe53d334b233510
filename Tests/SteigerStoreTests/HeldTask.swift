import Foundation
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

/// A ready attempt by `learner` at exercise A (at `scaffoldLevel`, or their current level) made
/// at `time`, with one trainer task that trainer A claims at `time`.
func heldTrainerTask(
    _ store: Store, _ world: World, learner: User, scaffoldLevel: Int? = nil, lease: TimeInterval = 1800,
    at time: Date
) async throws -> (Submission, ReviewTask) {
    let submission = try await store.createSubmission(
        learner: learner.id, exercise: world.exerciseA.id, scaffoldLevel: scaffoldLevel,
        status: .ready, createdAt: time)
    try await store.createReviewTasks([ReviewTask(submissionID: submission.id, cohortID: world.cohortA.id, kind: .trainer, createdAt: time)])
    let held = try #require(try await store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: lease, now: time))
    return (submission, held)
}
