import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerStore
import SteigerTestSupport
import Testing

@Suite("Scaffolding through HTTP")
struct ScaffoldingAPITests {
    /// Learner A1 makes an attempt at exercise A (at their current level); trainer A claims it
    /// and submits `scores`; a day (or `wait` seconds) passes.
    @discardableResult
    func reviewedAttempt(
        _ server: TestServer, scores: [String: Int], wait: TimeInterval = 86_400, learner: User? = nil, exercise: Exercise? = nil,
        cohort: Cohort? = nil, trainer: User? = nil, readyFor: TimeInterval = 0
    ) async throws -> Submission {
        let world = server.world
        let (learner, exercise, cohort, trainer) = (
            learner ?? world.learnerA1, exercise ?? world.exerciseA, cohort ?? world.cohortA, trainer ?? world.trainerA
        )
        let submission = try await server.store.createSubmission(
            learner: learner.id, exercise: exercise.id, status: .ready, createdAt: server.clock.now)
        let tasks = ReviewPlan.tasks(
            for: submission, cohort: cohort.id, settings: ReviewSettings(peerReviewers: 0), learners: [], now: server.clock.now)
        try await server.store.createReviewTasks(tasks)
        // Ready for review this long before the trainer takes it.
        server.clock.advance(readyFor)
        let claimed = try await server.request(.post, "/api/v1/review-queue/claim", as: trainer)
        let task = try #require(claimed["id"] as? String)
        let json: JSONValue = .object(["scores": .object(scores.mapValues { .number(Double($0)) })])
        let review = try await server.request(.post, "/api/v1/review-tasks/\(task)/review", as: trainer, json: json)
        #expect(review.status == 201)
        server.clock.advance(wait)
        return submission
    }

    func kinds(_ reply: Reply) -> [String] {
        ((reply["current"] as? [String: Any])?["supports"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
    }

    @Test("a trainer's reviews move the level, the next attempt shows fewer supports and records its level", arguments: TestEngine.available)
    func reviewsMoveTheLevel(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let supportsPath = "/api/v1/exercises/\(world.exerciseA.id)/supports"
            let before = try await server.request(.get, supportsPath, as: world.learnerA1)
            #expect(before.status == 200 && kinds(before) == ["modelVideo", "script", "prompts", "checklist"])
            #expect((before["standing"] as? [String: Any])?["phase"] as? String == "supported")
            // Learners get their level's supports, never the whole ladder.
            #expect(try await server.request(.get, "/api/v1/exercises/\(world.exerciseA.id)", as: world.learnerA1)["ladder"] is NSNull)
            #expect(try await server.request(.get, "/api/v1/exercises/\(world.exerciseA.id)", as: world.trainerA)["ladder"] is [String: Any])
            #expect(try await server.request(.get, "/api/v1/exercises", as: world.learnerA1).items.allSatisfy { $0["ladder"] is NSNull })
            #expect(try await server.request(.get, supportsPath, as: world.trainerA).status == 403)
            #expect(try await server.request(.get, supportsPath, as: world.learnerB).status == 404)

            let first = try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 2])
            #expect(first.scaffoldLevel == 3)
            #expect(kinds(try await server.request(.get, supportsPath, as: world.learnerA1)).count == 4)
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])

            let after = try await server.request(.get, supportsPath, as: world.learnerA1)
            #expect(kinds(after) == ["prompts", "checklist"])
            let history = after["history"] as? [String] ?? []
            #expect(
                history.count == 1 && history[0].hasPrefix("Model video and script withdrawn on ")
                    && history[0].hasSuffix(" after two attempts scoring 83 % and 100 %."))

            // The next attempt, uploaded through the API, is made at level 2.
            let upload = try await server.request(
                .post, "/api/v1/exercises/\(world.exerciseA.id)/submissions?filename=next.mp4", as: world.learnerA1,
                bytes: Array(repeating: 7, count: 1000), headers: [.contentType: "video/mp4"])
            #expect(upload.status == 201 && upload["scaffoldLevel"] as? Int == 2)

            let mine = try await server.request(.get, "/api/v1/me/scaffolding", as: world.learnerA1)
            #expect(mine.items.count == 1 && (mine.items[0]["current"] as? [String: Any])?["level"] as? Int == 2)
            #expect(try await server.request(.get, "/api/v1/me/scaffolding", as: world.trainerA).items.isEmpty)
        }
    }

    @Test("trainers see the matrix and a learner's timeline, and set levels with a reason; others cannot", arguments: TestEngine.available)
    func matrixTimelineAndOverride(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 1])  // 0.67: no pass
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])

            let matrixPath = "/api/v1/exercises/\(world.exerciseA.id)/scaffolding"
            let matrix = try await server.request(.get, matrixPath, as: world.trainerA)
            #expect(matrix.status == 200)
            let rows = matrix["rows"] as? [[String: Any]] ?? []
            let byName = Dictionary(uniqueKeysWithValues: rows.map { (($0["learner"] as? [String: Any])?["displayName"] as? String ?? "", $0) })
            #expect(Set(byName.keys) == [world.learnerA1.displayName, world.learnerA2.displayName])
            let a1 = try #require(byName[world.learnerA1.displayName]?["standing"] as? [String: Any])
            #expect(a1["level"] as? Int == 2 && a1["flagged"] as? Bool == false)
            #expect((a1["lastTransition"] as? [String: Any])?["rule"] as? String == "withdrawal")
            #expect((byName[world.learnerA2.displayName]?["standing"] as? [String: Any])?["level"] as? Int == 3)
            #expect((matrix["levels"] as? [[String: Any]])?.count == 4)
            #expect(try await server.request(.get, matrixPath, as: world.admin).status == 200)
            #expect(try await server.request(.get, matrixPath, as: world.learnerA1).status == 403)
            #expect(try await server.request(.get, matrixPath, as: world.trainerB).status == 404)
            #expect((try await server.request(.get, matrixPath + "?cohort=\(world.cohortB.id)", as: world.admin)["rows"] as? [Any])?.isEmpty == true)

            let trackPath = "\(matrixPath)/\(world.learnerA1.id)"
            let track = try await server.request(.get, trackPath, as: world.trainerA)
            let timeline = track["timeline"] as? [[String: Any]] ?? []
            #expect(timeline.map { $0["outcome"] as? String } == ["counted", "counted", "counted", "transition"])
            #expect((timeline[1]["note"] as? String)?.contains("not a pass (below 75 %)") == true)
            let transition = try #require((track["transitions"] as? [[String: Any]])?.first)
            #expect((transition["evidence"] as? [[String: Any]])?.map { $0["attempt"] as? Int } == [4, 5])
            #expect((transition["policy"] as? [String: Any])?["withdrawAfter"] as? Int == 2 && transition["policyVersion"] as? Int == 1)
            #expect((track["attempts"] as? [Any])?.count == 5)  // the seeded attempt, not yet reviewed, and four reviewed
            #expect(try await server.request(.get, trackPath, as: world.learnerA1).status == 200)
            for outsider in [world.learnerA2, world.trainerB, world.outsider, world.learnerB] {
                let reply = try await server.request(.get, trackPath, as: outsider)
                #expect(reply.status == 404 && !reply.body.contains(world.learnerA1.displayName))
            }

            // Overrides: trainers of the learner only, with a reason, on the ladder.
            let place: JSONValue = ["level": 0, "reason": "Showed mastery in the live session."]
            #expect(try await server.request(.put, trackPath, as: world.learnerA1, json: place).status == 403)
            #expect(try await server.request(.put, trackPath, as: world.trainerB, json: place).status == 404)
            // Only learners of the exercise have a track, even for an admin.
            let notALearner = "\(matrixPath)/\(world.trainerA.id)"
            #expect(try await server.request(.put, notALearner, as: world.admin, json: place).status == 404)
            #expect(try await server.request(.get, notALearner, as: world.admin).status == 404)
            #expect(try await server.request(.put, trackPath, as: world.trainerA, json: ["level": 0]).status == 422)
            let bad = try await server.request(.put, trackPath, as: world.trainerA, json: ["level": 7, "reason": " "])
            #expect(bad.status == 422 && Set(bad.problemFields) == ["level", "reason"])
            let placed = try await server.request(.put, trackPath, as: world.trainerA, json: place)
            #expect(placed.status == 200 && (placed["current"] as? [String: Any])?["level"] as? Int == 0)
            let last = try #require((placed["transitions"] as? [[String: Any]])?.last)
            #expect(last["rule"] as? String == "override" && last["trainerId"] as? String == world.trainerA.id.description)
            #expect((last["sentence"] as? String)?.contains("by \(world.trainerA.displayName)") == true)
            #expect(
                try await server.request(.get, "/api/v1/exercises/\(world.exerciseA.id)/supports", as: world.learnerA1)["current"]
                    .flatMap { ($0 as? [String: Any])?["supports"] as? [Any] }?.isEmpty == true)
            // A placement by hand schedules no delayed check.
            #expect((placed["standing"] as? [String: Any])?["phase"] as? String == "independent")
        }
    }

    @Test("a changed policy gets the next version, applies from then on, and is validated", arguments: TestEngine.available)
    func policyVersions(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let path = "/api/v1/exercises/\(world.exerciseA.id)"
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            let changed = try await server.request(.patch, path, as: world.admin, json: ["policy": ["withdrawAfter": 3, "stallAfter": 6]])
            #expect(
                changed.status == 200 && changed["policyVersion"] as? Int == 2 && (changed["policy"] as? [String: Any])?["withdrawAfter"] as? Int == 3
            )
            let same = try await server.request(
                .patch, path, as: world.admin, json: ["policy": ["withdrawAfter": 3, "stallAfter": 6], "title": "Renamed"])
            #expect(same["policyVersion"] as? Int == 2)
            let invalid = try await server.request(.patch, path, as: world.admin, json: ["policy": ["withdrawAfter": 3, "stallAfter": 2]])
            #expect(invalid.status == 422 && invalid.problemFields == ["policy.stallAfter"])
            #expect(try await server.request(.patch, path, as: world.trainerA, json: ["policy": ["withdrawAfter": 1]]).status == 403)
            // Under version 2 the streak starts afresh and needs three passes.
            let level = {
                try await server.request(.get, "\(path)/supports", as: world.learnerA1)["current"].flatMap {
                    ($0 as? [String: Any])?["level"] as? Int
                }
            }
            for _ in 0..<2 {
                try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
                #expect(try await level() == 3)
            }
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3])
            #expect(try await level() == 2)
            let track = try await server.request(.get, "\(path)/scaffolding/\(world.learnerA1.id)", as: world.trainerA)
            let versions = (track["timeline"] as? [[String: Any]])?.compactMap { ($0["review"] as? [String: Any])?["policyVersion"] as? Int }
            #expect(versions == [1, 2, 2, 2])
        }
    }

    @Test("an attempt keeps the level it was started at, however long its upload takes", arguments: TestEngine.available)
    func levelAtUploadStart(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            var headers = UploadTests.tus
            headers[UploadTests.header("Upload-Length")] = "10"
            headers[UploadTests.header("Upload-Metadata")] = UploadTests.metadata(world.exerciseA.id)
            let created = try await server.request(.post, "/api/v1/uploads", as: world.learnerA1, headers: headers)
            let location = try #require(created.headers[.location])
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3], wait: 3600)
            try await reviewedAttempt(server, scores: ["empathy": 3, "next-step": 3], wait: 3600)
            var patch = UploadTests.tus
            patch[UploadTests.header("Upload-Offset")] = "0"
            patch[.contentType] = "application/offset+octet-stream"
            let done = try await server.request(.patch, location, as: world.learnerA1, bytes: Array(repeating: 1, count: 10), headers: patch)
            #expect(done.status == 204)
            let id = try #require(done.headers[UploadTests.header("Steiger-Submission")].flatMap(SubmissionID.init))
            #expect(try await server.store.submission(id)?.scaffoldLevel == 3)
            // An attempt started now is made at level 2.
            let now = try await server.request(
                .post, "/api/v1/exercises/\(world.exerciseA.id)/submissions?filename=b.mp4", as: world.learnerA1,
                bytes: Array(repeating: 7, count: 10), headers: [.contentType: "video/mp4"])
            #expect(now["scaffoldLevel"] as? Int == 2)
        }
    }

    @Test(
        "exercises of one skill share a ladder height; another cohort's events of the skill show only as level changes",
        arguments: TestEngine.available)
    func sharedSkill(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            // A ladder of another height for the same skill is refused.
            let short: JSONValue = [
                "levels": [
                    ["number": 0, "name": "Alone", "supports": []],
                    [
                        "number": 1, "name": "Checklist",
                        "supports": [["kind": "checklist", "items": ["Ask"]]],
                    ],
                ]
            ]
            let refused = try await server.request(.patch, "/api/v1/exercises/\(world.exerciseB.id)", as: world.admin, json: ["ladder": short])
            #expect(
                refused.status == 422 && refused.problemFields == ["ladder"]
                    && (refused["detail"] as? String ?? "").isEmpty == false)
            #expect(
                try await server.request(
                    .patch, "/api/v1/exercises/\(world.exerciseB.id)", as: world.admin,
                    json: ["ladder": short, "skillKey": "other-skill"]
                ).status == 200)
            #expect(
                try await server.request(
                    .patch, "/api/v1/exercises/\(world.exerciseB.id)", as: world.admin,
                    json: ["ladder": try JSONValue(encoding: world.exerciseA.ladder), "skillKey": "objection-handling"]
                ).status == 200)
            let unknown = try await server.request(
                .patch, "/api/v1/exercises/\(world.exerciseB.id)", as: world.admin, json: ["policy": ["withdrawAftr": 3]])
            #expect(unknown.status == 422 && unknown.problemFields == ["policy.withdrawAftr"])

            // Learner A1 also practises exercise B in cohort B, where trainer B places them.
            #expect(
                try await server.request(
                    .put, "/api/v1/cohorts/\(world.cohortB.id)/members/\(world.learnerA1.id)", as: world.admin,
                    json: ["part": "learner"]
                ).status == 200)
            let place: JSONValue = ["level": 1, "reason": "Private note from cohort B."]
            #expect(
                try await server.request(
                    .put, "/api/v1/exercises/\(world.exerciseB.id)/scaffolding/\(world.learnerA1.id)", as: world.trainerB,
                    json: place
                ).status == 200)
            // Trainer A sees the level change, not cohort B's reasons or names.
            let track = try await server.request(
                .get, "/api/v1/exercises/\(world.exerciseA.id)/scaffolding/\(world.learnerA1.id)", as: world.trainerA)
            #expect(track.status == 200 && (track["current"] as? [String: Any])?["level"] as? Int == 1)
            #expect(
                !track.body.contains("Private note") && !track.body.contains(world.trainerB.displayName)
                    && !track.body.contains(world.trainerB.id.description))
            // The learner sees all of it.
            let own = try await server.request(.get, "/api/v1/exercises/\(world.exerciseA.id)/scaffolding/\(world.learnerA1.id)", as: world.learnerA1)
            #expect(own.body.contains("Private note"))
        }
    }
}

extension JSONValue {
    /// A value without booleans as JSON, e.g. a ladder, to send in a request body.
    init(encoding value: some Encodable) throws {
        self = Self.from(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value)))
    }

    private static func from(_ any: Any) -> JSONValue {
        switch any {
        case let object as [String: Any]: .object(object.mapValues(from))
        case let array as [Any]: .array(array.map(from))
        case let number as NSNumber: .number(number.doubleValue)
        case let text as String: .string(text)
        default: .null
        }
    }
}
