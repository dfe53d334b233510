import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("Notices: who hears what, in the app and through the API")
struct NotificationTests {
    /// The server runs no consumer of its own: the tests make the notices when they choose.
    static func madeHere(_ configuration: inout ServerConfiguration) { configuration.runsBackgroundWork = false }

    /// The consumer that makes notices, on the test's clock.
    func noticeMaker(_ server: TestServer) -> NoticeMaker {
        NoticeMaker(store: server.store, logger: TestDatabase.logger, now: { server.clock.now })
    }

    func notices(_ server: TestServer, _ user: User) async throws -> Reply {
        try await server.request(.get, "/api/v1/me/notifications", as: user)
    }

    /// A ready attempt by learner A1 with its planned tasks (a trainer task, learner A2 as peer).
    func readyAttempt(_ server: TestServer, peersAnonymous: Bool = false) async throws -> (Submission, [ReviewTask]) {
        let world = server.world
        let submission = try await server.store.createSubmission(
            learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready, createdAt: server.clock.now)
        let tasks = ReviewPlan.tasks(
            for: submission, cohort: world.cohortA.id, settings: ReviewSettings(peerReviewers: 1, anonymousPeers: peersAnonymous, dueHours: 48),
            learners: try await server.store.activeLearners(in: world.cohortA.id), now: server.clock.now)
        try await server.store.createReviewTasks(tasks, now: server.clock.now)
        return (submission, tasks)
    }

    @Test(
        "a learner hears once of each review, a peer of the review given to them, the trainers of the queue; nobody else",
        arguments: TestEngine.available)
    func reviews(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.madeHere) { server in
            let world = server.world
            let maker = noticeMaker(server)
            let (submission, tasks) = try await readyAttempt(server, peersAnonymous: true)
            try await maker.drain()

            // The peer is told of the review given to them, with its due time; the trainer of the cohort of the queue.
            let peer = try await notices(server, world.learnerA2)
            #expect(peer.items.map { $0["kind"] as? String } == ["review.assigned"] && peer["unread"] as? Int == 1, "\(peer.body)")
            #expect(peer.items[0]["text"] as? String == "A peer review of an attempt at “Price objection” is yours to do.")
            #expect((peer.items[0]["detail"] as? String)?.hasPrefix("Due ") == true)
            #expect(peer.items[0]["link"] as? String == "/review/\(tasks[1].id)")
            let trainer = try await notices(server, world.trainerA)
            #expect(trainer.items.map { $0["text"] as? String } == ["One new attempt waits for review."])
            #expect(try await notices(server, world.learnerA1).items.isEmpty)

            // The trainer's review and the anonymous peer's reach the learner, neither naming who.
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 200)
            let scores: JSONValue = ["scores": ["empathy": 3, "next-step": 2]]
            #expect(try await server.request(.post, "/api/v1/review-tasks/\(tasks[0].id)/review", as: world.trainerA, json: scores).status == 201)
            server.clock.advance(60)
            #expect(try await server.request(.post, "/api/v1/review-tasks/\(tasks[1].id)/review", as: world.learnerA2, json: scores).status == 201)
            try await maker.drain()
            try await maker.drain()
            let learner = try await notices(server, world.learnerA1)
            #expect(
                learner.items.map { $0["text"] as? String } == [
                    "A fellow learner reviewed your attempt at “Price objection”.", "A trainer reviewed your attempt at “Price objection”.",
                ])
            #expect(learner.items.allSatisfy { $0["link"] as? String == "/learn/submissions/\(submission.id)" && $0["readAt"] is NSNull })
            #expect(!learner.body.contains(world.learnerA2.displayName) && !learner.body.contains(world.trainerA.displayName))
            for user in [world.learnerB, world.trainerB, world.outsider, world.admin] {
                #expect(try await notices(server, user).items.isEmpty, "\(user.displayName) hears of cohort A")
            }

            // Read one, then try to read another person's, then all.
            let first = try #require(learner.items.first?["id"] as? String)
            let theirs = try #require(peer.items.first?["id"] as? String)
            let read = try await server.request(
                .post, "/api/v1/me/notifications/read", as: world.learnerA1, json: ["ids": [.string(first), .string(theirs)]])
            #expect(read.status == 200 && read["unread"] as? Int == 1)
            #expect(try await notices(server, world.learnerA2)["unread"] as? Int == 1)
            let unreadOnly = try await server.request(.get, "/api/v1/me/notifications?unread=true", as: world.learnerA1)
            #expect(unreadOnly.items.count == 1 && unreadOnly.items[0]["id"] as? String != first)
            let both = try await server.request(
                .post, "/api/v1/me/notifications/read", as: world.learnerA1, json: ["ids": [.string(first)], "all": true])
            #expect(both.status == 422 && both.problemFields == ["ids"])
            #expect(try await server.request(.get, "/api/v1/me/notifications?unread=maybe", as: world.learnerA1).problemFields == ["unread"])
            let tooMany = JSONValue.array(Array(repeating: .string(first), count: 201))
            #expect(
                try await server.request(.post, "/api/v1/me/notifications/read", as: world.learnerA1, json: ["ids": tooMany]).problemFields
                    == ["ids"])
            let all = try await server.request(.post, "/api/v1/me/notifications/read", as: world.learnerA1, json: ["all": true])
            #expect(all["unread"] as? Int == 0)
        }
    }

    @Test("a reply reaches everyone else in the thread who may still see the attempt", arguments: TestEngine.available)
    func replies(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.madeHere) { server in
            let world = server.world
            let maker = noticeMaker(server)
            let id = try await server.uploadAndProcess("h264_aac.mp4")
            let path = "/api/v1/submissions/\(id)/annotations"
            let first = try await server.request(.post, path, as: world.trainerA, json: ["at": 1000, "text": "Good eye contact"])
            let comment = try #require(first["id"] as? String)
            // The learner sees the trainer's comments once the review is in.
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 200)
            let submissionID = try #require(SubmissionID(id))
            let task = try #require(try await server.store.reviewTasks(of: submissionID).first { $0.kind == .trainer })
            let scores: JSONValue = ["scores": ["empathy": 3, "next-step": 2]]
            #expect(try await server.request(.post, "/api/v1/review-tasks/\(task.id)/review", as: world.trainerA, json: scores).status == 201)
            let reply = try await server.request(.post, path, as: world.learnerA1, json: ["parentId": .string(comment), "text": "Thanks!"])
            let replyID = try #require(reply["id"] as? String)
            try await maker.drain()
            let trainer = try await notices(server, world.trainerA).items.filter { $0["kind"] as? String == "comment.reply" }
            #expect(trainer.count == 1 && trainer[0]["link"] as? String == "/review/\(task.id)#comment-\(replyID)")
            // The one who replied hears nothing of their own reply.
            #expect(try await notices(server, world.learnerA1).items.allSatisfy { $0["kind"] as? String != "comment.reply" })

            // Taken out of the cohort, the trainer hears no more of it.
            let removed = try await server.request(.delete, "/api/v1/cohorts/\(world.cohortA.id)/members/\(world.trainerA.id)", as: world.admin)
            #expect(removed.status == 204)
            #expect(
                try await server.request(.post, path, as: world.learnerA1, json: ["parentId": .string(comment), "text": "One more"]).status == 201)
            try await maker.drain()
            #expect(try await notices(server, world.trainerA).items.filter { $0["kind"] as? String == "comment.reply" }.count == 1)
        }
    }

    @Test("new attempts collect in one notice per cohort until it is read", arguments: TestEngine.available)
    func batched(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.madeHere) { server in
            let world = server.world
            let maker = noticeMaker(server)
            for learner in [world.learnerA1, world.learnerA2, world.learnerA1] {
                let submission = try await server.store.createSubmission(
                    learner: learner.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready, createdAt: server.clock.now)
                try await server.store.createReviewTasks(
                    [ReviewTask(submissionID: submission.id, cohortID: world.cohortA.id, kind: .trainer, createdAt: server.clock.now)])
                try await maker.drain()
                server.clock.advance(10)
            }
            let three = try await notices(server, world.trainerA)
            #expect(
                three.items.map { $0["text"] as? String } == ["3 new attempts wait for review."] && three.items[0]["count"] as? Int == 3,
                "\(three.body)")
            #expect(three.items[0]["link"] as? String == "/train")
            #expect(try await notices(server, world.trainerB).items.isEmpty)
            // Read, the next attempt starts a new notice.
            _ = try await server.request(.post, "/api/v1/me/notifications/read", as: world.trainerA, json: ["all": true])
            let submission = try await server.store.createSubmission(
                learner: world.learnerA2.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready, createdAt: server.clock.now)
            try await server.store.createReviewTasks(
                [ReviewTask(submissionID: submission.id, cohortID: world.cohortA.id, kind: .trainer, createdAt: server.clock.now)])
            try await maker.drain()
            let after = try await notices(server, world.trainerA)
            #expect(after.items.map { $0["count"] as? Int } == [1, 3] && after["unread"] as? Int == 1)
        }
    }

    @Test("a kind switched off is not made; settings take only real time zones, hours and the person's own kinds", arguments: TestEngine.available)
    func settings(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.madeHere) { server in
            let world = server.world
            let maker = noticeMaker(server)
            let path = "/api/v1/me/notification-settings"
            let defaults = try await server.request(.get, path, as: world.learnerA2)
            let kinds = try #require(defaults["kinds"] as? [[String: Any]])
            #expect(kinds.map { $0["kind"] as? String }.contains("review.assigned") && !kinds.contains { $0["kind"] as? String == "queue.waiting" })
            #expect(defaults["timeZone"] as? String == "UTC" && defaults["digestHour"] as? Int == 8)

            let bad = try await server.request(
                .put, path, as: world.learnerA2, json: ["timeZone": "Mars/Olympus", "digestHour": 24, "deliveries": ["queue.waiting": "off"]])
            #expect(bad.status == 422 && Set(bad.problemFields).isSuperset(of: ["digestHour"]))
            let zone = try await server.request(.put, path, as: world.learnerA2, json: ["timeZone": "Mars/Olympus"])
            #expect(zone.problemFields == ["timeZone"])
            let foreign = try await server.request(.put, path, as: world.learnerA2, json: ["deliveries": ["queue.waiting": "off"]])
            #expect(foreign.problemFields == ["deliveries.queue.waiting"])
            let unknown = try await server.request(.put, path, as: world.learnerA2, json: ["deliveries": ["review.assigned": "sometimes"]])
            #expect(unknown.status == 422)

            let saved = try await server.request(
                .put, path, as: world.learnerA2, json: ["timeZone": "Europe/Amsterdam", "digestHour": 18, "deliveries": ["review.assigned": "off"]])
            #expect(saved.status == 200 && saved["timeZone"] as? String == "Europe/Amsterdam" && saved["digestHour"] as? Int == 18)
            #expect(
                (saved["kinds"] as? [[String: Any]])?.first { $0["kind"] as? String == "review.assigned" }?["delivery"] as? String == "off")
            _ = try await readyAttempt(server)
            try await maker.drain()
            #expect(try await notices(server, world.learnerA2).items.isEmpty)
            #expect(try await notices(server, world.trainerA).items.count == 1)
        }
    }

    @Test(
        "administrators alone hear that a worker gave up on an attempt and that a webhook endpoint was switched off; the learner hears it was not their doing",
        arguments: TestEngine.available)
    func administrators(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.madeHere) { server in
            let world = server.world
            let maker = noticeMaker(server)
            // A second administrator reads Dutch.
            let other = try User(email: "beheer@example.org", displayName: "Beheer", roles: [.admin, .trainer], language: .nl)
            try await server.store.createUser(other, passwordHash: nil)
            // An endpoint whose receiver never answers, with no patience: its first failure switches it off.
            let endpoint = try WebhookEndpoint(url: "http://127.0.0.1:9/hook", eventTypes: [.submissionFailed], createdAt: server.clock.now)
            try await server.store.createWebhookEndpoint(endpoint)
            let submission = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .processing, createdAt: server.clock.now)
            try await server.store.setSubmissionStatus(submission.id, to: .failed, reason: Message("reason.gaveUp").stored, now: server.clock.now)
            let dispatcher = WebhookDispatcher(
                store: server.store,
                settings: WebhookSettings(allowPrivateAddresses: true, retry: WebhookRetryPolicy(base: 1, longest: 1, window: 0), timeout: 2),
                logger: TestDatabase.logger, now: { server.clock.now })
            try await dispatcher.drain()
            #expect(try await server.store.webhookEndpoint(endpoint.id)?.isEnabled == false)
            try await maker.drain()
            try await maker.drain()

            let admin = try await notices(server, world.admin)
            #expect(
                Set(admin.items.compactMap { $0["text"] as? String }) == [
                    "Processing gave up on learner-a1's attempt at “Price objection”.",
                    "A webhook endpoint was switched off: nothing reached it for a day.",
                ], "\(admin.body)")
            #expect(Set(admin.items.compactMap { $0["link"] as? String }) == ["/admin", "/admin/webhooks/\(endpoint.id)"])
            let beheer = try await server.store.notices(of: other.id, unread: false, page: PageRequest()).items
            #expect(Set(beheer.map(\.kind)) == [.jobGaveUp, .webhookDisabled])
            // The learner hears of the failure as the server's, not as a damaged recording; no one else hears anything.
            let learner = try await notices(server, world.learnerA1)
            #expect(learner.items.map { $0["kind"] as? String } == ["attempt.failed"])
            #expect((learner.items.first?["detail"] as? String)?.contains("nothing you did caused this") == true, "\(learner.body)")
            for user in [world.trainerA, world.learnerA2, world.trainerB, world.outsider] {
                #expect(try await notices(server, user).items.isEmpty, "\(user.displayName) hears an administrator's news")
            }
        }
    }

    @Test("every kind reads in both languages, without a placeholder left or the other language's words")
    func texts() throws {
        let english = Localizer(language: .en, messages: try LocalizationTests.catalogue(.en))
        let dutch = Localizer(language: .nl, messages: try LocalizationTests.catalogue(.nl), fallback: try LocalizationTests.catalogue(.en))
        let when = try Date("2026-05-03T14:05:00Z", strategy: .iso8601)
        let explanation = Message(
            "scaffold.withdrawn",
            [
                "supports": .list([.message(Message("support.checklist"))]), "date": .date(when), "count": .word(2),
                "scores": .list([.decimal(0.82), .decimal(0.9)]),
            ])
        let arguments: [String: Message.Argument] = [
            "exercise": "Price objection", "learner": "Anna", "reviewer": .message(Message("notice.reviewer.peer")),
            "task": .message(Message("notice.task.peer")), "due": .dateTime(when), "expires": .dateTime(when), "until": .dateTime(when),
            "explanation": .message(explanation), "reason": .message(Message("reason.corrupt")), "manager": "Mira",
            "text": "Keep it up", "days": .integer(30), "from": .date(when),
            "lines": .list([.message(Message("notice.teamSummaryLine", ["name": "Lea", "attempts": 2, "withdrawn": 1, "back": 0]))]),
        ]
        for kind in NoticeKind.allCases {
            for count in [1, 4] {
                let notice = Notice(recipient: UserID(), kind: kind, eventID: nil, arguments: arguments, count: count, createdAt: when)
                let en = english.sentence(notice.message) + " " + (notice.detail.map(english.sentence) ?? "")
                let nl = dutch.sentence(notice.message) + " " + (notice.detail.map(dutch.sentence) ?? "")
                for (language, text) in [(Language.en, en), (.nl, nl)] {
                    #expect(!text.contains("{") && !text.contains("notice.") && text.first?.isLowercase == false, "\(kind) in \(language): \(text)")
                    #expect(try LocalizationTests.foreign(in: text, language: language) == [], "\(kind) in \(language): \(text)")
                }
                #expect(en != nl, "\(kind) reads the same in both languages")
            }
        }
        let withdrawn = Notice(recipient: UserID(), kind: .supportWithdrawn, eventID: nil, arguments: arguments, createdAt: when)
        #expect(withdrawn.detail.map(dutch.sentence) == "Checklist weggenomen op 3 mei 2026 na twee pogingen met scores van 0,82 en 0,90.")
    }
}
