import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("The review queue and reviews through HTTP")
struct ReviewAPITests {
    /// A ready attempt by learner A1 with its planned tasks (a trainer task, learner A2 as peer).
    func readyAttempt(_ server: TestServer) async throws -> (Submission, [ReviewTask]) {
        let world = server.world
        let submission = try await server.store.createSubmission(
            learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 3,
            status: .ready, createdAt: server.clock.now)
        let tasks = ReviewPlan.tasks(
            for: submission, cohort: world.cohortA.id, settings: ReviewSettings(peerReviewers: 1, dueHours: 48),
            learners: try await server.store.activeLearners(in: world.cohortA.id), now: server.clock.now)
        try await server.store.createReviewTasks(tasks)
        return (submission, tasks)
    }

    @Test("claim, hold, lose the hold, and submit a scored review", arguments: TestEngine.available)
    func trainerFlow(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let (submission, tasks) = try await readyAttempt(server)
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.learnerA1).status == 403)
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerB).status == 204)
            let claimed = try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA)
            #expect(claimed.status == 200 && claimed["id"] as? String == tasks[0].id.description && claimed["status"] as? String == "claimed")
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 204)
            let queue = try await server.request(.get, "/api/v1/review-queue", as: world.trainerA)
            #expect(
                queue.items.count == 1 && queue.items[0]["assignee"] as? String == world.trainerA.id.description
                    && queue.items[0]["overdue"] as? Bool == false)
            let taskPath = "/api/v1/review-tasks/\(tasks[0].id)"
            #expect(try await server.request(.post, taskPath + "/renew", as: world.trainerB).status == 404)
            #expect(try await server.request(.post, taskPath + "/renew", as: world.trainerA).status == 200)

            let bad = try await server.request(.post, taskPath + "/review", as: world.trainerA, json: ["scores": ["empathy": 7]])
            #expect(bad.status == 422 && Set(bad.problemFields) == ["scores.empathy", "scores.next-step"])

            // The hold runs out: the queue shows the task open again and the late submit is refused.
            server.clock.advance(31 * 60)
            let later = try await server.request(.get, "/api/v1/review-queue", as: world.trainerA)
            #expect(later.items[0]["status"] as? String == "open" && later.items[0]["assignee"] is NSNull)
            let late = try await server.request(.post, taskPath + "/review", as: world.trainerA, json: ["scores": ["empathy": 3, "next-step": 3]])
            #expect(late.status == 409 && (late["detail"] as? String)?.contains("ran out") == true)

            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 200)
            let made = try await server.request(
                .post, taskPath + "/review", as: world.trainerA,
                json: ["scores": ["empathy": 3, "next-step": 1], "comment": "Warm; agree a next step."])
            #expect(made.status == 201 && abs((made["total"] as? Double ?? 0) - 2.0 / 3.0) < 1e-9)
            // The same in words and points: "Fully — 3 of 3" earns both of empathy's points, "Not yet" none.
            let breakdown = try #require(made["breakdown"] as? [String: Any])
            let lines = try #require(breakdown["lines"] as? [[String: Any]])
            #expect(lines.map { $0["label"] as? String } == ["Fully", "Not yet"] && lines.map { $0["step"] as? Int } == [3, 1])
            #expect(breakdown["points"] as? Double == 2 && breakdown["possible"] as? Double == 3)
            #expect(try await server.store.submission(submission.id)?.status == .reviewed)
            #expect(try await server.request(.get, "/api/v1/review-queue", as: world.trainerA).items.isEmpty)
            // Two days later an unfinished review would be overdue; this one is done.
            server.clock.advance(49 * 3600)
            #expect(try await server.request(.post, taskPath + "/release", as: world.trainerA).status == 409)
        }
    }

    @Test("a peer sees the attempt assigned to them and reviews it; other learners see nothing", arguments: TestEngine.available)
    func peerFlow(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let (submission, tasks) = try await readyAttempt(server)
            let mine = try await server.request(.get, "/api/v1/me/review-tasks", as: world.learnerA2)
            #expect(mine.items.map { $0["id"] as? String } == [tasks[1].id.description] && mine.items[0]["kind"] as? String == "peer")
            #expect(try await server.request(.get, "/api/v1/submissions/\(submission.id)", as: world.learnerA2).status == 200)
            #expect(try await server.request(.get, "/api/v1/submissions/\(submission.id)", as: world.learnerB).status == 404)
            #expect(try await server.request(.get, "/api/v1/me/review-tasks", as: world.learnerB).items.isEmpty)
            let path = "/api/v1/review-tasks/\(tasks[1].id)/review"
            #expect(try await server.request(.post, path, as: world.learnerB, json: ["scores": ["empathy": 2, "next-step": 2]]).status == 404)
            let review = try await server.request(.post, path, as: world.learnerA2, json: ["scores": ["empathy": 2, "next-step": 2]])
            #expect(review.status == 201 && review["kind"] as? String == "peer" && review["total"] as? Double == 0.5)
            // A peer review does not mark the attempt reviewed; the trainer's does.
            #expect(try await server.store.submission(submission.id)?.status == .ready)
            // The trainer review, due in 48 hours, shows as overdue once they pass.
            #expect(try await server.request(.get, "/api/v1/review-queue", as: world.trainerA).items.first?["overdue"] as? Bool == false)
            server.clock.advance(48 * 3600 + 1)
            #expect(try await server.request(.get, "/api/v1/review-queue", as: world.trainerA).items.first?["overdue"] as? Bool == true)
            #expect(try await server.request(.get, "/api/v1/me/review-tasks", as: world.learnerA2).items.isEmpty)
        }
    }

    @Test("peer tasks cannot be released; a trainer who left the cohort cannot act on a held task", arguments: [TestEngine.sqlite])
    func holds(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let (_, tasks) = try await readyAttempt(server)
            let release = try await server.request(.post, "/api/v1/review-tasks/\(tasks[1].id)/release", as: world.learnerA2)
            #expect(release.status == 409)
            #expect(try await server.store.assignedReviewTasks(of: world.learnerA2.id).map(\.id) == [tasks[1].id])
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 200)
            try await server.store.deleteMembership(cohort: world.cohortA.id, user: world.trainerA.id)
            #expect(try await server.request(.post, "/api/v1/review-tasks/\(tasks[0].id)/renew", as: world.trainerA).status == 404)
        }
    }

    @Test(
        "self review first, then the trainer; anonymous peers read as Peer N to the learner, in her language, by name to the trainer",
        arguments: TestEngine.available)
    func selfReviewAndAnonymity(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            try await server.request(
                .patch, "/api/v1/exercises/\(world.exerciseA.id)", as: world.admin,
                json: ["review": ["peerReviewers": 1, "anonymousPeers": true, "selfReviewRequired": true]])
            let id = try await server.uploadAndProcess("h264_aac.mp4")
            let submission = try #require(SubmissionID(id))
            let tasks = try await server.store.reviewTasks(of: submission)
            #expect(tasks.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.peer, .selfReview, .trainer])
            // The trainer's queue holds the attempt back until the learner has reflected.
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 204)
            let selfTask = try #require(tasks.first { $0.kind == .selfReview })
            let path = "/api/v1/review-tasks/\(selfTask.id)/review"
            let early = try await server.request(.post, path, as: world.learnerA1, json: ["scores": ["empathy": 2, "next-step": 2]])
            #expect(early.status == 422 && early.problemFields == ["reflections"])
            #expect(
                try await server.request(
                    .post, "/api/v1/submissions/\(id)/annotations", as: world.learnerA1,
                    json: ["at": 3000, "text": "I lost the thread here"]
                ).status == 201)
            #expect(try await server.request(.post, path, as: world.learnerA1, json: ["scores": ["empathy": 2, "next-step": 2]]).status == 201)
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 200)

            let peerTask = try #require(tasks.first { $0.kind == .peer })
            #expect(peerTask.assignee == world.learnerA2.id)
            #expect(
                try await server.request(
                    .post, "/api/v1/submissions/\(id)/annotations", as: world.learnerA2,
                    json: ["at": 1000, "text": "Nice start", "tag": "praise"]
                ).status == 201)
            #expect(
                try await server.request(
                    .post, "/api/v1/review-tasks/\(peerTask.id)/review", as: world.learnerA2,
                    json: ["scores": ["empathy": 3, "next-step": 2]]
                ).status == 201)
            let asLearner = try await server.request(.get, "/api/v1/submissions/\(id)/reviews", as: world.learnerA1)
            #expect(
                Set(asLearner.items.compactMap { $0["reviewer"] as? String }) == ["learner-a1", "Peer 1"] && !asLearner.body.contains("learner-a2"))
            let comments = try await server.request(.get, "/api/v1/submissions/\(id)/annotations", as: world.learnerA1)
            #expect(comments.items.contains { $0["author"] as? String == "Peer 1" } && !comments.body.contains("learner-a2"))
            // Read in Dutch, the peer is numbered in Dutch.
            let inDutch = try await server.request(
                .get, "/api/v1/submissions/\(id)/reviews", as: world.learnerA1, headers: [.acceptLanguage: "nl"])
            #expect(Set(inDutch.items.compactMap { $0["reviewer"] as? String }) == ["learner-a1", "Medecursist 1"])
            let asTrainer = try await server.request(.get, "/api/v1/submissions/\(id)/reviews", as: world.trainerA)
            #expect(asTrainer.items.contains { $0["reviewer"] as? String == "learner-a2" })
        }
    }

    @Test(
        "a trainer opens a particular attempt, changes the sent score within the day with the history kept, and the level follows",
        arguments: TestEngine.available)
    func openAndRevise(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let (first, firstTasks) = try await readyAttempt(server)
            server.clock.advance(60)
            let (second, secondTasks) = try await readyAttempt(server)
            // Not the oldest first: the trainer opens the second attempt; another trainer finds it held.
            let opened = try await server.request(.post, "/api/v1/submissions/\(second.id)/review-task", as: world.trainerA)
            #expect(opened.status == 200 && opened["id"] as? String == secondTasks[0].id.description && opened["status"] as? String == "claimed")
            try await server.store.putMembership(Membership(cohortID: world.cohortA.id, userID: world.trainerB.id, part: .trainer))
            let taken = try await server.request(.post, "/api/v1/submissions/\(second.id)/review-task", as: world.trainerB)
            #expect(taken.status == 409 && (taken["detail"] as? String)?.contains("trainer-a") == true)
            #expect(try await server.request(.post, "/api/v1/submissions/\(second.id)/review-task", as: world.learnerA2).status == 403)
            #expect(try await server.request(.post, "/api/v1/submissions/\(world.submissionB.id)/review-task", as: world.trainerA).status == 404)
            // Two passing reviews withdraw a support (the policy's two in a row).
            let pass: JSONValue = ["scores": ["empathy": 3, "next-step": 3]]
            #expect(try await server.request(.post, "/api/v1/review-tasks/\(secondTasks[0].id)/review", as: world.trainerA, json: pass).status == 201)
            #expect(try await server.request(.post, "/api/v1/submissions/\(first.id)/review-task", as: world.trainerA).status == 200)
            #expect(try await server.request(.post, "/api/v1/review-tasks/\(firstTasks[0].id)/review", as: world.trainerA, json: pass).status == 201)
            #expect(try await server.store.scaffoldStanding(learner: world.learnerA1.id, skill: "objection-handling")?.level(top: 3) == 2)

            let mine = try await server.request(.get, "/api/v1/review-queue/attempts?mine=true&progress=reviewed", as: world.trainerA)
            #expect(
                mine.status == 200 && Set(mine.items.compactMap { $0["submissionId"] as? String }) == [first.id.description, second.id.description])
            #expect(try await server.request(.get, "/api/v1/review-queue/attempts?mine=true", as: world.trainerB).items.isEmpty)
            let waiting = try await server.request(.get, "/api/v1/review-queue/attempts?progress=waiting", as: world.trainerA)
            #expect(waiting.status == 200 && !waiting.items.contains { ($0["submissionId"] as? String) == first.id.description })
            #expect(try await server.request(.get, "/api/v1/review-queue/attempts?from=yesterday", as: world.trainerA).status == 422)

            // Opening a reviewed attempt again returns its task as it is, and the change is the reviewer's alone.
            let again = try await server.request(.post, "/api/v1/submissions/\(first.id)/review-task", as: world.trainerA)
            #expect(again.status == 200 && again["status"] as? String == "done")
            let path = "/api/v1/review-tasks/\(firstTasks[0].id)/review"
            #expect(try await server.request(.put, path, as: world.trainerB, json: pass).status == 409)
            #expect(try await server.request(.put, "/api/v1/review-tasks/\(firstTasks[1].id)/review", as: world.learnerA2, json: pass).status == 409)
            let bad = try await server.request(.put, path, as: world.trainerA, json: ["scores": ["empathy": 9, "next-step": 1]])
            #expect(bad.status == 422 && bad.problemFields == ["scores.empathy"])
            server.clock.advance(3600)
            let changed = try await server.request(
                .put, path, as: world.trainerA, json: ["scores": ["empathy": 1, "next-step": 1], "comment": "On second viewing: no next step."])
            #expect(changed.status == 200 && changed["total"] as? Double == 0 && changed["revisedAt"] is String)
            // The withdrawal rested on this score: the support is back, and the first version is kept.
            #expect(try await server.store.scaffoldStanding(learner: world.learnerA1.id, skill: "objection-handling")?.level(top: 3) == 3)
            let reviews = try await server.store.reviews(of: first.id)
            #expect(reviews.count == 1 && reviews[0].result.total == 0 && reviews[0].comment == "On second viewing: no next step.")
            let versions = try await server.store.reviewVersions(reviews[0].id)
            #expect(versions.count == 1 && versions[0].scores == ["empathy": 3, "next-step": 3] && versions[0].result.total == 1)
            // A day after sending, it stands.
            server.clock.advance(24 * 3600)
            let late = try await server.request(.put, path, as: world.trainerA, json: pass)
            #expect(late.status == 409 && (late["type"] as? String)?.hasSuffix("reviewLocked") == true)
        }
    }
}
