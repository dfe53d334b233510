import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerTestSupport
import Testing

@Suite("Invalid input through HTTP")
struct ValidationTests {
    @Test("bad bodies get 400, 415 or 422 with a message naming the field", arguments: TestEngine.available)
    func badBodies(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let admin = server.world.admin
            let missing = try await server.request(.post, "/api/v1/users", as: admin, json: ["displayName": "X", "roles": ["learner"]])
            #expect(
                missing.status == 422 && missing.problemFields == ["email"] && (missing["detail"] as? String)?.contains("email is required") == true)
            let mistyped = try await server.request(
                .post, "/api/v1/users", as: admin, json: ["email": "x@example.org", "displayName": "X", "roles": "learner"])
            #expect(mistyped.status == 422 && mistyped.problemFields == ["roles"])
            let badRole = try await server.request(
                .post, "/api/v1/users", as: admin, json: ["email": "x@example.org", "displayName": "X", "roles": ["boss"]])
            #expect(badRole.status == 422 && badRole.problemFields == ["roles[0]"])
            let badEmail = try await server.request(
                .post, "/api/v1/users", as: admin, json: ["email": "not-an-email", "displayName": " ", "roles": ["learner"]])
            #expect(badEmail.status == 422 && Set(badEmail.problemFields) == ["email", "displayName"])
            let unknown = try await server.request(.post, "/api/v1/cohorts", as: admin, json: ["name": "C", "colour": "red"])
            #expect(unknown.status == 422 && unknown.problemFields == ["colour"])
            let shortPassword = try await server.request(
                .post, "/api/v1/users", as: admin,
                json: ["email": "y@example.org", "displayName": "Y", "roles": ["learner"], "password": "short"])
            #expect(shortPassword.status == 422 && shortPassword.problemFields == ["password"])
            let notJSON = try await server.request(.post, "/api/v1/cohorts", as: admin, body: "{name:", headers: [.contentType: "application/json"])
            #expect(notJSON.status == 400 && notJSON.headers[.contentType] == "application/problem+json")
            let form = try await server.request(
                .post, "/api/v1/cohorts", as: admin, body: "name=C", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == 415)
            let nul = try await server.request(.post, "/api/v1/cohorts", as: admin, json: ["name": "A\u{0}B"])
            #expect(nul.status == 422 && nul.problemFields == ["name"])
            let nulLogin = try await server.request(.post, "/api/v1/auth/login", json: ["email": "a\u{0}@example.org", "password": "x"])
            #expect(nulLogin.status == 422)
            let null = try await server.request(.patch, "/api/v1/users/\(admin.id)", as: admin, json: ["displayName": .null])
            #expect(null.status == 422 && null.problemFields == ["displayName"])
            let array = try await server.request(.post, "/api/v1/cohorts", as: admin, json: ["C"])
            #expect(array.status == 422)
            let duplicate = try await server.request(
                .post, "/api/v1/users", as: admin, json: ["email": "ADMIN@example.org", "displayName": "A", "roles": ["admin"]])
            #expect(duplicate.status == 409 && (duplicate["detail"] as? String)?.contains("admin@example.org") == true)
            // Nothing was created by any of these.
            let users = try await server.request(.get, "/api/v1/users?limit=200", as: admin)
            #expect(users.items.count == 8)
        }
    }

    @Test("an exercise's rubric and ladder problems name their full path", arguments: TestEngine.available)
    func exerciseFields(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let body: JSONValue = [
                "title": "Cold call", "instructions": "Call.", "skillKey": "Cold Calls",
                "rubric": [
                    "criteria": [
                        ["key": "tone", "title": "Tone", "weight": -1, "scale": [["value": 1, "label": "Low"], ["value": 1, "label": "High"]]]
                    ]
                ],
                "ladder": [
                    "levels": [
                        ["number": 0, "name": "Alone", "supports": []],
                        ["number": 1, "name": "Help", "supports": [["kind": "checklist", "items": []]]],
                    ]
                ],
            ]
            let reply = try await server.request(.post, "/api/v1/exercises", as: server.world.admin, json: body)
            #expect(reply.status == 422)
            // Every problem comes back at once, each with its full path.
            #expect(
                Set(reply.problemFields) == [
                    "rubric.criteria[0].weight", "rubric.criteria[0].scale[1].value", "ladder.levels[1].supports[0]", "skillKey",
                ], "\(reply.body)")
            var fixed = body.objectValueForTests
            fixed["rubric"] = [
                "criteria": [
                    ["key": "tone", "title": "Tone", "weight": 1, "scale": [["value": 1, "label": "Low"], ["value": 2, "label": "High"]]]
                ]
            ]
            let ladder = try await server.request(.post, "/api/v1/exercises", as: server.world.admin, json: .object(fixed))
            #expect(ladder.status == 422 && Set(ladder.problemFields) == ["ladder.levels[1].supports[0]", "skillKey"], "\(ladder.body)")
            fixed["ladder"] = ["levels": [["number": 0, "name": "Alone", "supports": []]]]
            let slug = try await server.request(.post, "/api/v1/exercises", as: server.world.admin, json: .object(fixed))
            #expect(slug.status == 422 && slug.problemFields == ["skillKey"])
            fixed["skillKey"] = "cold-calls"
            fixed["cohorts"] = [.string(UUID().uuidString)]
            let ghost = try await server.request(.post, "/api/v1/exercises", as: server.world.admin, json: .object(fixed))
            #expect(ghost.status == 422 && ghost.problemFields == ["cohorts"])
            fixed["cohorts"] = [.string(server.world.cohortA.id.description)]
            fixed["review"] = ["peerReviewers": 11, "tags": ["Praise"]]
            let review = try await server.request(.post, "/api/v1/exercises", as: server.world.admin, json: .object(fixed))
            #expect(review.status == 422 && Set(review.problemFields) == ["review.peerReviewers", "review.tags"], "\(review.body)")
            fixed["review"] = ["peerReviewers": 3, "dueHours": 48]
            let made = try await server.request(.post, "/api/v1/exercises", as: server.world.admin, json: .object(fixed))
            #expect(made.status == 201 && made["skillKey"] as? String == "cold-calls")
            let settings = try #require(made["review"] as? [String: Any])
            #expect(
                settings["peerReviewers"] as? Int == 3 && settings["dueHours"] as? Int == 48
                    && settings["tags"] as? [String] == Annotation.defaultTags)
        }
    }

    @Test("bad query parameters and unknown ids", arguments: [TestEngine.sqlite])
    func queries(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let admin = server.world.admin
            for (query, field) in [
                ("users?limit=0", "limit"), ("users?limit=abc", "limit"), ("users?cursor=xyz", "cursor"),
                ("submissions?status=lost", "status"), ("submissions?exercise=12", "exercise"),
            ] {
                let reply = try await server.request(.get, "/api/v1/" + query, as: admin)
                #expect(reply.status == 422 && reply.problemFields == [field], "\(query): \(reply.body)")
            }
            #expect(try await server.request(.get, "/api/v1/users/\(UUID())", as: admin).status == 404)
            #expect(try await server.request(.get, "/api/v1/users/not-an-id", as: admin).status == 404)
            #expect(try await server.request(.delete, "/api/v1/me/tokens/nope", as: admin).status == 404)
        }
    }

    @Test("lists page with limit and cursor", arguments: TestEngine.available)
    func pagination(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            var seen: [String] = []
            var path = "/api/v1/users?limit=3"
            while true {
                let page = try await server.request(.get, path, as: server.world.admin)
                #expect(page.status == 200 && page.items.count <= 3)
                seen += page.items.compactMap { $0["id"] as? String }
                guard let next = page["next"] as? String else { break }
                path = "/api/v1/users?limit=3&cursor=\(next)"
            }
            #expect(seen.count == 8 && Set(seen).count == 8)
            let trainers = try await server.request(.get, "/api/v1/users?role=trainer", as: server.world.admin)
            #expect(Set(trainers.items.compactMap { $0["email"] as? String }) == ["trainer-a@example.org", "trainer-b@example.org"])
        }
    }
}

extension JSONValue {
    var objectValueForTests: [String: JSONValue] {
        if case .object(let members) = self { return members }
        return [:]
    }
}
