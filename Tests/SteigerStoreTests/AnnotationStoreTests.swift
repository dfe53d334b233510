import Foundation
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Annotations in the store, on every engine")
struct AnnotationStoreTests {
    @Test("threads, edits kept in history, deletes that keep the thread, no reply to a deleted comment", arguments: TestEngine.available)
    func threads(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let submission = world.submissionA1.id
            let comment = try Annotation(
                submissionID: submission, authorID: world.trainerA.id, span: .range(from: 12_500, to: 18_000),
                text: "Slow down here", tag: "improve", criterion: "empathy", durationMilliseconds: 60_000,
                rubric: world.exerciseA.rubric)
            try await store.addAnnotation(comment)
            let reply = try Annotation(
                submissionID: submission, authorID: world.learnerA1.id, parentID: comment.id, span: nil, text: "Will do",
                tag: nil, createdAt: comment.createdAt.addingTimeInterval(5), durationMilliseconds: 60_000)
            try await store.addAnnotation(reply)
            let stored = try await store.annotations(of: submission)
            #expect(
                stored.map(\.id) == [comment.id, reply.id] && stored[0].span == .range(from: 12_500, to: 18_000) && stored[0].criterion == "empathy")

            // Only the author edits; the earlier text is kept.
            await #expect(throws: StoreError.self) { try await store.editAnnotation(comment.id, author: world.learnerA1.id, text: "Hacked") }
            let edited = try await store.editAnnotation(comment.id, author: world.trainerA.id, text: "Slow down a little here")
            #expect(edited.text == "Slow down a little here" && edited.editedAt != nil)
            #expect(try await store.annotationHistory(comment.id).map(\.text) == ["Slow down here"])

            try await store.deleteAnnotation(comment.id, author: world.trainerA.id)
            let afterDelete = try await store.annotations(of: submission)
            #expect(afterDelete.count == 2 && afterDelete[0].isDeleted && afterDelete[1].parentID == comment.id)
            let late = try Annotation(
                submissionID: submission, authorID: world.learnerA2.id, parentID: comment.id, span: nil, text: "Me too",
                tag: nil, durationMilliseconds: 60_000)
            do {
                try await store.addAnnotation(late)
                Issue.record("a reply to a deleted comment was stored")
            } catch StoreError.refused(let refusal) {
                #expect(refusal == .parentDeleted)
            }
            let elsewhere = try Annotation(
                submissionID: world.submissionB.id, authorID: world.learnerB.id, parentID: reply.id, span: nil,
                text: "Cross-thread", tag: nil, durationMilliseconds: 60_000)
            await #expect(throws: StoreError.self) { try await store.addAnnotation(elsewhere) }
            #expect(try await store.annotations(of: world.submissionB.id).isEmpty)
        }
    }
}
