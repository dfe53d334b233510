import Foundation
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("The sample programme")
struct DemoTests {
    @Test(
        "loaded once, its attempts processed and two reviewed, then removed in one step leaving everything else as it was",
        arguments: TestEngine.available)
    func loadReviewRemove(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let demo = server.services.demo
            let rubric = world.exerciseA.rubric
            let programme = Demo.Programme(
                cohort: "Sample group", trainer: "Tessa (sample)", learners: ["Sam (sample)", "Noor (sample)", "Daan (sample)"],
                videoTitle: "Sample model", title: "Sample complaint", instructions: "Handle the complaint.", skillName: "Handling complaints",
                rubric: rubric, ladder: world.exerciseA.ladder, comment: "Good start.", reviewComment: "Agree a next step.")
            let before = (
                users: try await server.store.users(scope: .everything, page: PageRequest(limit: 200)).items.count,
                cohorts: try await server.store.cohorts(scope: .everything, page: PageRequest(limit: 200)).items.count
            )
            let video = MediaPipelineTests.fixtures + "/h264_aac.mp4"
            let made = try #require(try await demo.load(programme, language: .en, video: video))
            #expect(made.learners.count == 3 && made.trainer.hasSuffix("@demo.steiger.invalid"))
            #expect(try await demo.load(programme, language: .en, video: video) == nil)
            #expect(try await demo.loaded() == .en)
            #expect(try await demo.reviewReadyAttempts(programme) == 0)
            try await server.runJobs()
            #expect(try await demo.reviewReadyAttempts(programme) == 2)
            #expect(try await demo.reviewReadyAttempts(programme) == 2)
            let records = try await server.store.demoRecords()
            let reviews = try await server.store.reviews(of: records.submissions[0])
            #expect(reviews.count == 1 && reviews[0].result.total == 1)
            #expect(try await server.store.mediaItem(records.mediaItems[0])?.status == .ready)
            let exercise = try #require(try await server.store.exercise(records.exercises[0]))
            #expect(exercise.ladder.level(exercise.ladder.top).supports.contains { $0.mediaItem == records.mediaItems[0] })

            // Only an administrator removes it; then nothing of it is left, and the rest is untouched.
            let learnerActor = Actor(user: world.learnerA1, memberships: [])
            await #expect(throws: AppError.self) { try await demo.remove(learnerActor) }
            try await demo.remove(Actor(user: world.admin, memberships: []))
            #expect(try await demo.loaded() == nil)
            #expect(try await server.store.demoRecords().isEmpty)
            #expect(try await server.store.users(scope: .everything, page: PageRequest(limit: 200)).items.count == before.users)
            #expect(try await server.store.cohorts(scope: .everything, page: PageRequest(limit: 200)).items.count == before.cohorts)
            for id in records.submissions { #expect(try await server.store.submission(id) == nil) }
            #expect(try await server.store.exercise(records.exercises[0]) == nil)
            #expect(try await server.store.mediaItem(records.mediaItems[0]) == nil)
            #expect(try await server.store.submission(world.submissionA1.id) != nil)
            #expect(try await server.store.exercise(world.exerciseA.id) != nil)
        }
    }
}
