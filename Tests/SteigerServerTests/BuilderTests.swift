import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerTestSupport
import Testing

@Suite("The exercise builder and what it sends")
struct BuilderTests {
    /// An exercise as the builder sends it: a skill by name, criteria without keys.
    static func built(skill: String, ladder: JSONValue? = nil) -> JSONValue {
        let scale: JSONValue = [
            ["value": 1, "label": "Nog niet", "description": "Onderbreekt"], ["value": 2, "label": "Deels", "description": ""],
            ["value": 3, "label": "Volledig", "description": "Laat uitpraten"],
        ]
        return [
            "title": "Boze klant", "instructions": "Kalmeer de klant.", "skillName": .string(skill),
            "rubric": [
                "criteria": [
                    ["title": "Rustige toon", "description": "Stem blijft rustig", "weight": 1, "scale": scale],
                    ["title": "Rustige toon!", "description": "", "weight": 2, "scale": scale],
                ]
            ],
            "ladder": ladder
                ?? [
                    "levels": [
                        ["number": 0, "name": "Zelfstandig", "supports": []],
                        ["number": 1, "name": "Checklist", "supports": [["kind": "checklist", "items": ["Laat uitpraten"]]]],
                    ]
                ],
        ]
    }

    @Test(
        "a skill given by name gets its key, criteria get keys from their titles, and a level without support is refused",
        arguments: TestEngine.available)
    func namesAndKeys(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let admin = server.world.admin
            let made = try await server.request(.post, "/api/v1/exercises", as: admin, json: Self.built(skill: "Klachten afhandelen"))
            #expect(made.status == 201, "\(made.body)")
            #expect(made["skillKey"] as? String == "klachten-afhandelen" && made["skillName"] as? String == "Klachten afhandelen")
            let criteria = try #require((made["rubric"] as? [String: Any])?["criteria"] as? [[String: Any]])
            #expect(criteria.map { $0["key"] as? String } == ["rustige-toon", "rustige-toon-2"])
            #expect(criteria[0]["description"] as? String == "Stem blijft rustig" && criteria[1]["description"] == nil)
            let steps = try #require(criteria[0]["scale"] as? [[String: Any]])
            #expect(steps.map { $0["description"] as? String } == ["Onderbreekt", nil, "Laat uitpraten"])
            // The same name again is the same skill, so the learner's level carries over.
            let again = try await server.request(.post, "/api/v1/exercises", as: admin, json: Self.built(skill: "Klachten afhandelen"))
            #expect(again.status == 201 && again["skillKey"] as? String == "klachten-afhandelen")
            // A new name without a key renames the skill and keeps the key (and the levels).
            let id = try #require(made["id"] as? String)
            let renamed = try await server.request(.patch, "/api/v1/exercises/\(id)", as: admin, json: ["skillName": "Klachten behandelen"])
            #expect(renamed.status == 200 && renamed["skillKey"] as? String == "klachten-afhandelen")
            #expect(renamed["skillName"] as? String == "Klachten behandelen")
            // Neither a key nor a name with a letter in it.
            var nameless = Self.built(skill: "?!").objectValueForTests
            let refused = try await server.request(.post, "/api/v1/exercises", as: admin, json: .object(nameless))
            #expect(refused.status == 422 && refused.problemFields == ["skillName"], "\(refused.body)")
            nameless["skillName"] = nil
            let missing = try await server.request(.post, "/api/v1/exercises", as: admin, json: .object(nameless))
            #expect(missing.status == 422 && missing.problemFields == ["skillKey"], "\(missing.body)")
            // A level above "on your own" that gives nothing is a mistake to point at.
            let bare: JSONValue = [
                "levels": [["number": 0, "name": "Zelfstandig", "supports": []], ["number": 1, "name": "Hulp", "supports": []]]
            ]
            let empty = try await server.request(.post, "/api/v1/exercises", as: admin, json: Self.built(skill: "Nieuw", ladder: bare))
            #expect(empty.status == 422 && empty.problemFields == ["ladder.levels[1].supports"], "\(empty.body)")
            #expect((empty["detail"] as? String)?.isEmpty == false)
        }
    }

    @Test("the builder offers the templates of the page's language; a copy starts in no cohort", arguments: [TestEngine.sqlite])
    func builderPage(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let admin = server.world.admin
            let cookie = try await server.login(admin)
            #expect(try await server.request(.patch, "/api/v1/users/\(admin.id)", as: admin, json: ["language": "nl"]).status == 200)
            let dutch = try await server.request(.get, "/admin/exercises/new", cookie: cookie)
            #expect(dutch.status == 200)
            for name in ["Feedbackgesprek", "Verkoopgesprek", "Klacht afhandelen", "Leeg beginnen"] { #expect(dutch.body.contains(name), "\(name)") }
            #expect(!dutch.body.contains("Sales call"))
            #expect(try await server.request(.patch, "/api/v1/users/\(admin.id)", as: admin, json: ["language": "en"]).status == 200)
            let english = try await server.request(.get, "/admin/exercises/new", cookie: cookie)
            #expect(english.body.contains("Sales call") && english.body.contains("Handling a complaint"))
            let exercise = server.world.exerciseA
            let copy = try await server.request(.get, "/admin/exercises/new?from=\(exercise.id)", cookie: cookie)
            #expect(copy.status == 200 && copy.body.contains("Copy of \(exercise.title)".replacingOccurrences(of: "'", with: "&#39;")))
            #expect(!copy.body.contains("\(exercise.cohorts.first!.description)&quot;]"), "the copy is in no cohort")
            // A learner finds no builder.
            let learner = try await server.login(server.world.learnerA1)
            #expect([403, 404].contains(try await server.request(.get, "/admin/exercises/new", cookie: learner).status))
        }
    }

    @Test("the preview shows one level's supports with the learner page's template, and needs the page's token", arguments: [TestEngine.sqlite])
    func preview(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let cookie = try await server.login(server.world.admin)
            let token = TestServer.csrf(cookie).first!.value
            let ladder =
                #"{"levels":[{"number":0,"name":"Alone","supports":[]},{"number":1,"name":"Checklist only","supports":[{"kind":"checklist","items":["Greet <the> customer"]}]},"#
                + #"{"number":2,"name":"Everything","supports":[{"kind":"script","text":"Say hello"},{"kind":"checklist","items":["Greet <the> customer"]}]}]}"#
            let draft = #"{"title":"Angry customer","instructions":"Calm them down.","ladder":\#(ladder)}"#
            func form(_ fields: [(String, String)]) -> String {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
            }
            let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let one = try await server.request(
                .post, "/admin/exercises/preview", cookie: cookie, body: form([("_csrf", token), ("draft", draft), ("level", "1")]), headers: headers)
            #expect(one.status == 200)
            #expect(one.body.contains("Checklist only") && one.body.contains("Greet &lt;the&gt; customer") && !one.body.contains("Say hello"))
            #expect(one.body.contains("class=\"checklist\"") && one.body.contains("Calm them down."))
            let top = try await server.request(
                .post, "/admin/exercises/preview", cookie: cookie, body: form([("_csrf", token), ("draft", draft), ("level", "2")]), headers: headers)
            #expect(top.body.contains("Say hello"))
            let broken = try await server.request(
                .post, "/admin/exercises/preview", cookie: cookie,
                body: form([("_csrf", token), ("draft", #"{"ladder":{"levels":[{"number":3}]}}"#), ("level", "0")]), headers: headers)
            #expect(broken.status == 422 && broken.body.contains("class=\"error\""))
            let forged = try await server.request(
                .post, "/admin/exercises/preview", cookie: cookie, body: form([("_csrf", "x"), ("draft", draft)]), headers: headers)
            #expect(forged.status == 403)
        }
    }
}
