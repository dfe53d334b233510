import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerTestSupport
import Testing

/// Every route against every kind of caller, and against another cohort's resources, with the
/// status each cell must answer. Columns: admin, trainer of A, trainer of B, learner A1
/// (author of submission A1), learner A2 (peer reviewer of A1), learner of B, a learner in no
/// cohort, no credentials. Out-of-reach resources answer 404, never their data.
@Suite("Permission matrix through HTTP")
struct PermissionMatrixTests {
    struct Row: Sendable {
        var method: HTTPRequest.Method
        var path: @Sendable (World) -> String
        var body: (@Sendable (World) -> JSONValue)?
        /// admin, trainerA, trainerB, learnerA1, learnerA2, learnerB, outsider, anonymous
        var expected: [Int]
        var name: String
    }

    static let rows: [Row] = [
        Row(method: .get, path: { _ in "/api/v1/me" }, expected: [200, 200, 200, 200, 200, 200, 200, 401], name: "me"),
        Row(method: .get, path: { _ in "/api/v1/users" }, expected: [200, 200, 200, 200, 200, 200, 200, 401], name: "list users"),
        Row(
            method: .post, path: { _ in "/api/v1/users" }, body: { _ in ["email": "new@example.org", "displayName": "New", "roles": ["learner"]] },
            expected: [201, 403, 403, 403, 403, 403, 403, 401], name: "create user"),
        Row(method: .get, path: { "/api/v1/users/\($0.learnerA1.id)" }, expected: [200, 200, 404, 200, 404, 404, 404, 401], name: "get learner A1"),
        Row(
            method: .patch, path: { "/api/v1/users/\($0.learnerA1.id)" }, body: { _ in ["displayName": "Renamed"] },
            expected: [200, 403, 404, 200, 404, 404, 404, 401], name: "rename learner A1"),
        Row(
            method: .patch, path: { "/api/v1/users/\($0.learnerA1.id)" }, body: { _ in ["roles": ["admin"]] },
            expected: [200, 403, 404, 403, 404, 404, 404, 401], name: "make learner A1 an admin"),
        Row(method: .get, path: { _ in "/api/v1/cohorts" }, expected: [200, 200, 200, 200, 200, 200, 200, 401], name: "list cohorts"),
        Row(
            method: .post, path: { _ in "/api/v1/cohorts" }, body: { _ in ["name": "New cohort"] },
            expected: [201, 403, 403, 403, 403, 403, 403, 401], name: "create cohort"),
        Row(method: .get, path: { "/api/v1/cohorts/\($0.cohortA.id)" }, expected: [200, 200, 404, 200, 200, 404, 404, 401], name: "get cohort A"),
        Row(
            method: .patch, path: { "/api/v1/cohorts/\($0.cohortA.id)" }, body: { _ in ["name": "Renamed"] },
            expected: [200, 403, 404, 403, 403, 404, 404, 401], name: "rename cohort A"),
        Row(
            method: .get, path: { "/api/v1/cohorts/\($0.cohortA.id)/members" }, expected: [200, 200, 404, 200, 200, 404, 404, 401],
            name: "members of A"),
        Row(
            method: .put, path: { "/api/v1/cohorts/\($0.cohortA.id)/members/\($0.outsider.id)" }, body: { _ in ["part": "learner"] },
            expected: [200, 403, 404, 403, 403, 404, 404, 401], name: "add to cohort A"),
        Row(
            method: .post, path: { "/api/v1/cohorts/\($0.cohortA.id)/members" },
            body: { world in ["users": [.string(world.outsider.id.description)], "part": "learner"] },
            expected: [200, 403, 404, 403, 403, 404, 404, 401], name: "add several to cohort A"),
        Row(method: .get, path: { _ in "/api/v1/exercises" }, expected: [200, 200, 200, 200, 200, 200, 200, 401], name: "list exercises"),
        Row(
            method: .post, path: { _ in "/api/v1/exercises" }, body: { world in Self.exerciseBody(world) },
            expected: [201, 403, 403, 403, 403, 403, 403, 401], name: "create exercise"),
        Row(
            method: .get, path: { "/api/v1/exercises/\($0.exerciseA.id)" }, expected: [200, 200, 404, 200, 200, 404, 404, 401], name: "get exercise A"
        ),
        Row(
            method: .patch, path: { "/api/v1/exercises/\($0.exerciseA.id)" }, body: { _ in ["title": "Renamed"] },
            expected: [200, 403, 404, 403, 403, 404, 404, 401], name: "change exercise A"),
        Row(method: .get, path: { _ in "/api/v1/submissions" }, expected: [200, 200, 200, 200, 200, 200, 200, 401], name: "list submissions"),
        Row(
            method: .get, path: { "/api/v1/submissions/\($0.submissionA1.id)" }, expected: [200, 200, 404, 200, 200, 404, 404, 401],
            name: "get submission A1 (shared with A2)"),
        Row(
            method: .get, path: { "/api/v1/submissions/\($0.submissionA2.id)" }, expected: [200, 200, 404, 404, 200, 404, 404, 401],
            name: "get submission A2"),
        // Only its learner chooses who may watch; A1 sent it with a peer assigned, so it stays with them.
        Row(
            method: .put, path: { "/api/v1/submissions/\($0.submissionA1.id)/audience" }, body: { _ in ["audience": "trainers"] },
            expected: [404, 404, 404, 409, 404, 404, 404, 401], name: "narrow who may watch A1"),
        Row(
            method: .get, path: { "/api/v1/submissions/\($0.submissionA1.id)/consents" }, expected: [200, 404, 404, 200, 404, 404, 404, 401],
            name: "consents given for A1"),
        Row(
            method: .post, path: { "/api/v1/submissions/\($0.submissionA1.id)/library-approval" },
            expected: [200, 200, 404, 403, 403, 404, 404, 401], name: "approve A1 for the library"),
        Row(method: .get, path: { _ in "/api/v1/examples" }, expected: [200, 200, 200, 200, 200, 200, 200, 401], name: "the cohort library"),
        Row(method: .get, path: { _ in "/api/v1/audit" }, expected: [200, 403, 403, 403, 403, 403, 403, 401], name: "the audit log"),
        Row(
            method: .get, path: { "/api/v1/submissions/\($0.submissionB.id)" }, expected: [200, 404, 200, 404, 404, 200, 404, 401],
            name: "get submission B"),
        Row(
            method: .get, path: { _ in "/api/v1/submissions/\(UUID())" }, expected: [404, 404, 404, 404, 404, 404, 404, 401],
            name: "unknown submission"),
        Row(method: .get, path: { _ in "/api/v1/me/tokens" }, expected: [200, 200, 200, 200, 200, 200, 200, 401], name: "my tokens"),
        Row(
            method: .post, path: { _ in "/api/v1/me/tokens" }, body: { _ in ["name": "script", "password": .string(World.password)] },
            expected: [201, 201, 201, 201, 201, 201, 201, 401],
            name: "make a token"),
        // Destructive rows last: each column has its own world, so they do not disturb the rows above.
        Row(
            method: .delete, path: { "/api/v1/cohorts/\($0.cohortA.id)/members/\($0.learnerA2.id)" },
            expected: [204, 403, 404, 404, 403, 404, 404, 401], name: "remove learner A2 from A"),
        Row(
            method: .delete, path: { "/api/v1/exercises/\($0.exerciseA.id)" }, expected: [409, 403, 404, 403, 403, 404, 404, 401],
            name: "delete exercise A (has submissions)"),
        Row(
            method: .post, path: { "/api/v1/cohorts/\($0.cohortA.id)/members/\($0.learnerA1.id)/move" },
            body: { world in ["to": .string(world.cohortB.id.description)] },
            expected: [200, 403, 404, 403, 403, 404, 404, 401], name: "move learner A1 to B"),
        Row(
            method: .delete, path: { "/api/v1/cohorts/\($0.cohortB.id)" }, expected: [204, 404, 403, 404, 404, 403, 404, 401], name: "delete cohort B"
        ),
    ]

    static func exerciseBody(_ world: World) -> JSONValue {
        [
            "title": "New", "instructions": "Do it.", "skillKey": "new-skill",
            "rubric": [
                "criteria": [["key": "a", "title": "A", "weight": 1, "scale": [["value": 0, "label": "No"], ["value": 1, "label": "Yes"]]]]
            ],
            "ladder": ["levels": [["number": 0, "name": "Alone", "supports": []]]],
            "cohorts": [.string(world.cohortA.id.description)],
        ]
    }

    static let columns = ["admin", "trainerA", "trainerB", "learnerA1", "learnerA2", "learnerB", "outsider", "anonymous"]

    @Test("each caller against each route", arguments: TestEngine.available, columns.indices)
    func matrix(engine: TestEngine, column: Int) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let caller: User? = [world.admin, world.trainerA, world.trainerB, world.learnerA1, world.learnerA2, world.learnerB, world.outsider, nil][
                column]
            for row in Self.rows {
                let path = row.path(world)
                let reply = try await server.request(row.method, path, as: caller, json: row.body?(world))
                let expected = row.expected[column]
                #expect(reply.status == expected, "\(row.name) as \(Self.columns[column]): \(row.method) \(path) → \(reply.status) \(reply.body)")
                if reply.status >= 400 {
                    #expect(reply.headers[.contentType] == "application/problem+json")
                }
                if reply.status == 404 || reply.status == 401 {
                    // A hidden resource's data never appears in the answer.
                    for secret in [world.learnerA1.email, world.cohortA.name, world.exerciseA.title, world.cohortB.name] {
                        #expect(!reply.body.contains(secret), "\(row.name) as \(Self.columns[column]) leaked \(secret)")
                    }
                }
            }
        }
    }

    @Test("lists hold exactly what each caller may see", arguments: TestEngine.available)
    func lists(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            func ids(_ path: String, as user: User) async throws -> Set<String> {
                Set(try await server.request(.get, path, as: user).items.compactMap { $0["id"] as? String })
            }
            let a1 = world.submissionA1.id.description, a2 = world.submissionA2.id.description, b = world.submissionB.id.description
            #expect(try await ids("/api/v1/submissions", as: world.admin) == [a1, a2, b])
            #expect(try await ids("/api/v1/submissions", as: world.trainerA) == [a1, a2])
            #expect(try await ids("/api/v1/submissions", as: world.trainerB) == [b])
            #expect(try await ids("/api/v1/submissions", as: world.learnerA1) == [a1])
            #expect(try await ids("/api/v1/submissions", as: world.learnerA2) == [a1, a2])
            #expect(try await ids("/api/v1/submissions", as: world.outsider) == [])
            #expect(try await ids("/api/v1/cohorts", as: world.learnerB) == [world.cohortB.id.description])
            #expect(try await ids("/api/v1/exercises", as: world.learnerA1) == [world.exerciseA.id.description])
            #expect(try await ids("/api/v1/users", as: world.learnerA1) == [world.learnerA1.id.description])
            #expect(try await ids("/api/v1/users", as: world.trainerB) == [world.trainerB.id.description, world.learnerB.id.description])
            let members = try await server.request(.get, "/api/v1/cohorts/\(world.cohortA.id)/members", as: world.learnerA1)
            // A learner sees themselves and who trains them (by name, not their account), not the other learners.
            #expect(Set(members.items.compactMap { $0["userId"] as? String }) == [world.learnerA1.id.description, world.trainerA.id.description])
            let trainer = try #require(members.items.first { $0["userId"] as? String == world.trainerA.id.description })
            #expect(trainer["displayName"] as? String == "trainer-a" && trainer["user"] == nil && !members.body.contains(world.trainerA.email))
            let asTrainer = try await server.request(.get, "/api/v1/cohorts/\(world.cohortA.id)/members", as: world.trainerA)
            #expect(asTrainer.body.contains(world.learnerA1.email))
            // An exercise shared by both cohorts names to each learner only their own cohort.
            try await server.request(
                .patch, "/api/v1/exercises/\(world.exerciseA.id)", as: world.admin,
                json: ["cohorts": [.string(world.cohortA.id.description), .string(world.cohortB.id.description)]])
            let seenByB = try await server.request(.get, "/api/v1/exercises/\(world.exerciseA.id)", as: world.learnerB)
            #expect(seenByB["cohorts"] as? [String] == [world.cohortB.id.description])
            let seenByAdmin = try await server.request(.get, "/api/v1/exercises/\(world.exerciseA.id)", as: world.admin)
            #expect((seenByAdmin["cohorts"] as? [String])?.count == 2)
        }
    }
}
