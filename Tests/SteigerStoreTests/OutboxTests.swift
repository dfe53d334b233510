import Foundation
import SteigerCore
import SteigerTestSupport
import Testing

@testable import SteigerStore

@Suite("The outbox of domain events, on every engine")
struct OutboxTests {
    struct ForcedFailure: Error {}

    @Test("a change and its event commit together, or roll back together", arguments: TestEngine.available)
    func changeAndEventAreOneTransaction(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let before = try await store.outboxEvents(limit: 1000).count
            // The store's own path: disabling an account records `user.disabled` with it.
            try await store.updateUser(world.learnerB.id, changes: UserChanges(isDisabled: true), by: world.admin.id)
            let disabled = try await store.outboxEvents(after: Int64(before)).map(\.event)
            #expect(disabled.map(\.kind) == [.userDisabled] && disabled[0].actorID == world.admin.id)
            #expect(disabled[0].subjects == ["user": world.learnerB.id.description])
            // Disabling it again is no change: no second event.
            try await store.updateUser(world.learnerB.id, changes: UserChanges(isDisabled: true), by: world.admin.id)
            #expect(try await store.outboxEvents(after: Int64(before)).count == 1)

            // The same steps with a failure after the change and its event: neither is left.
            let learner = world.learnerA2.id
            await #expect(throws: ForcedFailure.self) {
                try await store.write { session in
                    _ = try await session.query("UPDATE users SET disabled = 1 WHERE id = \(bind: learner.description)")
                    try await Store.record(
                        DomainEvent(.userDisabled, at: Date(), by: world.admin.id, subjects: ["user": learner.description]),
                        in: session)
                    throw ForcedFailure()
                }
            }
            #expect(try await store.user(learner)?.isDisabled == false)
            #expect(try await store.outboxEvents(after: Int64(before)).count == 1)
            // A change the database refuses (an email already taken) leaves no event either.
            let taken = try User(email: world.learnerA1.email, displayName: "Copy", roles: [.learner])
            await #expect(throws: StoreError.self) { try await store.createUser(taken, passwordHash: nil) }
            #expect(try await store.outboxEvents(after: Int64(before)).count == 1)
        }
    }

    @Test("two consumers with their own cursors each see every event once, in order", arguments: TestEngine.available)
    func separateCursors(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            _ = try await World.seed(store)
            for index in 0..<25 {
                try await store.createUser(
                    try User(email: "extra\(index)@example.org", displayName: "Extra \(index)", roles: [.learner]),
                    passwordHash: nil)
            }
            let all = try await store.outboxEvents(limit: 1000)
            #expect(all.map(\.position) == Array(1...Int64(all.count)))
            var seen: [String: [UUID]] = [:]
            for consumer in ["webhooks", "mail"] {
                while let lease = try await store.leaseOutbox(consumer: consumer, owner: "\(consumer)-1", lease: 60, limit: 7), !lease.entries.isEmpty
                {
                    seen[consumer, default: []] += lease.entries.map(\.event.id)
                    #expect(
                        try await store.acknowledgeOutbox(
                            consumer: consumer, owner: "\(consumer)-1", through: lease.entries.last!.position, lease: 60))
                }
            }
            #expect(seen["webhooks"] == all.map(\.event.id) && seen["mail"] == all.map(\.event.id))
            #expect(try await store.outboxCursor(consumer: "mail") == Int64(all.count))
            // A new event reaches both.
            try await store.createUser(try User(email: "late@example.org", displayName: "Late", roles: [.learner]), passwordHash: nil)
            for consumer in ["webhooks", "mail"] {
                let lease = try #require(try await store.leaseOutbox(consumer: consumer, owner: "\(consumer)-1", lease: 60))
                #expect(lease.entries.map(\.event.kind) == [.userCreated] && lease.entries[0].event.subjects["user"] != nil)
            }
        }
    }

    @Test(
        "a consumer killed mid-batch resumes after its lease without losing or repeating what it marked done",
        arguments: TestEngine.available)
    func killedConsumerResumes(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            _ = try await World.seed(store)
            for index in 0..<4 {
                try await store.createUser(try User(email: "more\(index)@example.org", displayName: "More", roles: [.learner]), passwordHash: nil)
            }
            let start = Date()
            let all = try await store.outboxEvents(limit: 1000)
            #expect(all.count == 12)
            let first = try #require(try await store.leaseOutbox(consumer: "hooks", owner: "process-1", lease: 30, limit: 10, now: start))
            // It handles five, marking each done, and dies.
            var done: [UUID] = []
            for entry in first.entries.prefix(5) {
                done.append(entry.event.id)
                #expect(try await store.acknowledgeOutbox(consumer: "hooks", owner: "process-1", through: entry.position, lease: 30, now: start))
            }
            // While its lease lasts, nobody else takes the consumer's events.
            #expect(try await store.leaseOutbox(consumer: "hooks", owner: "process-2", lease: 30, now: start.addingTimeInterval(10)) == nil)
            // Then another process takes over from the sixth.
            let second = try #require(
                try await store.leaseOutbox(
                    consumer: "hooks", owner: "process-2", lease: 30, limit: 1000,
                    now: start.addingTimeInterval(31)))
            #expect(second.cursor == 5 && second.entries.first?.position == 6)
            #expect(Set(second.entries.map(\.event.id)).isDisjoint(with: done))
            #expect(done + second.entries.map(\.event.id) == all.map(\.event.id))
            // The first process, back from the dead, can no longer move the cursor.
            #expect(
                try await store.acknowledgeOutbox(
                    consumer: "hooks", owner: "process-1", through: 9, lease: 30,
                    now: start.addingTimeInterval(32)) == false)
            #expect(try await store.outboxCursor(consumer: "hooks") == 5)
            // And the cursor never moves back.
            #expect(
                try await store.acknowledgeOutbox(consumer: "hooks", owner: "process-2", through: 8, lease: 30, now: start.addingTimeInterval(33)))
            #expect(
                try await store.acknowledgeOutbox(consumer: "hooks", owner: "process-2", through: 7, lease: 30, now: start.addingTimeInterval(34)))
            #expect(try await store.outboxCursor(consumer: "hooks") == 8)
        }
    }

    @Test("events recorded by concurrent transactions get every position once, without gaps", arguments: TestEngine.available)
    func concurrentPositions(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            _ = try await World.seed(store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<24 {
                    group.addTask {
                        try await store.createUser(
                            try User(email: "racer\(index)@example.org", displayName: "Racer", roles: [.learner]),
                            passwordHash: nil)
                    }
                }
                try await group.waitForAll()
            }
            let all = try await store.outboxEvents(limit: 1000)
            #expect(all.map(\.position) == Array(1...Int64(all.count)))
            #expect(Set(all.map(\.event.id)).count == all.count)
            #expect(all.filter { $0.event.kind == .userCreated }.count == 8 + 24)
        }
    }

    @Test("a trainer's hold that runs out within five minutes is warned of once, and again once renewed", arguments: TestEngine.available)
    func holdWarnings(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let now = Date()
            let task = ReviewTask(submissionID: world.submissionA1.id, cohortID: world.cohortA.id, kind: .trainer, createdAt: now)
            try await store.createReviewTasks([task], now: now)
            _ = try await store.claimReviewTask(task.id, reviewer: world.trainerA.id, lease: 20 * 60, now: now)
            let before = Int64(try await store.outboxEvents(limit: 1000).count)
            // Twenty minutes' hold: nothing yet; sixteen minutes on, it runs out within five.
            #expect(try await store.noteReviewDeadlines(now: now) == 0)
            #expect(try await store.noteReviewDeadlines(now: now.addingTimeInterval(16 * 60)) == 1)
            #expect(try await store.noteReviewDeadlines(now: now.addingTimeInterval(17 * 60)) == 0)
            let events = try await store.outboxEvents(after: before).map(\.event)
            #expect(events.map(\.kind) == [.reviewTaskHoldExpiring] && events.first?.subjects["task"] == task.id.description)
            // Renewed for another twenty minutes, it is warned of again near its new end.
            _ = try await store.renewReviewTask(task.id, reviewer: world.trainerA.id, lease: 20 * 60, now: now.addingTimeInterval(17 * 60))
            #expect(try await store.noteReviewDeadlines(now: now.addingTimeInterval(33 * 60)) == 1)
        }
    }

    @Test("deadlines raise due-soon and overdue once per task", arguments: TestEngine.available)
    func deadlines(engine: TestEngine) async throws {
        try await TestDatabase.withStore(engine) { store in
            let world = try await World.seed(store)
            let now = Date()
            let submission = try await store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready)
            let soon = ReviewTask(
                submissionID: submission.id, cohortID: world.cohortA.id, kind: .trainer, dueAt: now.addingTimeInterval(3600), createdAt: now)
            let later = ReviewTask(
                submissionID: submission.id, cohortID: world.cohortA.id, kind: .peer, assignee: world.learnerA2.id,
                dueAt: now.addingTimeInterval(3 * 86400), createdAt: now)
            let late = ReviewTask(
                submissionID: submission.id, cohortID: world.cohortA.id, kind: .selfReview, assignee: world.learnerA1.id,
                dueAt: now.addingTimeInterval(-60), createdAt: now)
            try await store.createReviewTasks([soon, later, late], now: now)
            let before = Int64(try await store.outboxEvents(limit: 1000).count)
            #expect(try await store.noteReviewDeadlines(now: now) == 2)
            #expect(try await store.noteReviewDeadlines(now: now.addingTimeInterval(60)) == 0)
            var events = try await store.outboxEvents(after: before).map(\.event)
            #expect(events.map(\.kind) == [.reviewTaskOverdue, .reviewTaskDueSoon])
            #expect(events.map { $0.subjects["task"] } == [late.id.description, soon.id.description] && events.allSatisfy { $0.actorID == nil })
            // A day and a half on: the trainer task is overdue, the peer's due soon; a done task raises nothing.
            try await store.completeReviewTask(late.id, reviewer: world.learnerA1.id)
            #expect(try await store.noteReviewDeadlines(now: now.addingTimeInterval(2.5 * 86400)) == 2)
            events = try await store.outboxEvents(after: before + 2).map(\.event)
            #expect(events.map(\.kind) == [.reviewTaskOverdue, .reviewTaskDueSoon])
            #expect(events.map { $0.subjects["task"] } == [soon.id.description, later.id.description])
        }
    }
}
