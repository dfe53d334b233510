import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

/// The catalogues against the code that uses them, and every page and problem in both languages.
@Suite("Dutch and English")
struct LocalizationTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")
    static let web = sources.appendingPathComponent("SteigerServer/Web")

    /// Each catalogue, read once for the whole suite.
    static let loaded: [Language: [String: String]] = Dictionary(
        uniqueKeysWithValues: Language.allCases.compactMap { language in
            (try? Localizer.catalogue(Data(contentsOf: web.appendingPathComponent("messages/\(language.rawValue).json")))).map { (language, $0) }
        })

    static func catalogue(_ language: Language) throws -> [String: String] {
        try #require(loaded[language], "messages/\(language.rawValue).json cannot be read")
    }

    static func files(under folder: URL, ending suffix: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: folder.path))
        return try enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) }
            .map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
    }

    static func matches(_ pattern: String, in texts: [String]) throws -> Set<String> {
        let regex = try NSRegularExpression(pattern: pattern)
        var found = Set<String>()
        for text in texts {
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) where match.range(at: 1).location != NSNotFound {
                found.insert((text as NSString).substring(with: match.range(at: 1)))
            }
        }
        return found
    }

    /// Keys the code names: `{{t.key}}` in templates, `text.key` in scripts, quoted keys in Swift,
    /// and every problem kind and every kind of thing a problem can name.
    static func referencedKeys() throws -> Set<String> {
        let templates = try files(under: web.appendingPathComponent("templates"), ending: ".mustache")
        let scripts = try files(under: web.appendingPathComponent("static"), ending: ".js")
        let swift = try files(under: sources, ending: ".swift")
        var keys = try matches(#"\{\{[#^/]?t\.([A-Za-z0-9.]+)\}\}"#, in: templates)
        // `failedGeneric` is the page's name for `failed` (which names a status there); `passMark`
        // is a sentence the page writes for its exercise.
        keys.formUnion(try matches(#"\btext\.([A-Za-z]+)"#, in: scripts).subtracting(["failedGeneric", "passMark"]))
        keys.formUnion(try matches(#"\bt\('([A-Za-z0-9]+)'"#, in: scripts))
        // (Event type names such as "support.withdrawn" look like keys but are not texts.)
        keys.formUnion(
            try matches(#""((?:validation|reason|warning|scaffold|type|support|webhook|event|notice)\.[A-Za-z.]+)""#, in: swift)
                .subtracting(DomainEvent.Kind.allCases.map(\.rawValue)))
        // Problems are typed: every kind has a text, and so has every kind of thing one names.
        keys.formUnion(ProblemKind.allCases.map(\.key))
        keys.formUnion(Thing.allCases.map(\.message.key))
        keys.formUnion(try matches(#"(?:words|resources)\.text\(\s*"([A-Za-z]+)""#, in: swift))
        // Page texts handed to scripts by name.
        keys.formUnion(try matches(#""([a-z][A-Za-z]+)""#, in: swift).filter { try catalogue(.en)[$0] != nil })
        return keys
    }

    @Test("both catalogues have the same keys and placeholders; every key is used and every key used exists")
    func catalogues() throws {
        let english = try Self.catalogue(.en), dutch = try Self.catalogue(.nl)
        #expect(Set(english.keys).subtracting(dutch.keys).sorted() == [], "missing in nl.json")
        #expect(Set(dutch.keys).subtracting(english.keys).sorted() == [], "in nl.json but not in en.json")
        for (key, text) in english {
            #expect(Localizer.placeholders(text) == Localizer.placeholders(dutch[key] ?? ""), "placeholders of \(key)")
            #expect(!(dutch[key] ?? "").isEmpty, "empty Dutch text for \(key)")
        }
        let referenced = try Self.referencedKeys()
        // A key with `.one`/`.other` forms is named by its stem.
        let stems = Set(english.keys.map { key in key.hasSuffix(".one") || key.hasSuffix(".other") ? String(key[..<key.lastIndex(of: ".")!]) : key })
        #expect(referenced.subtracting(stems).sorted() == [], "used but in no catalogue")
        // Read by the formatting itself, or named from data: support kinds, statuses, languages.
        let formatting = [
            "format.", "month.", "number.", "status.", "language.", "event.", "delivery.", "noticeKind.", "role.", "invitation.", "tag.", "audit.",
            "auditDetail.", "auditField.", "auditValue.",
            "audience.", "audienceHint.", "audienceTag.", "consent.", "retention.", "retentionStart.", "exportStatus.", "purposeNote.", "purposeTag.",
            "reviewPurpose.", "managerLinkOutcome.", "guestState.", "dashboard.", "reviewKind.",
        ]
        let noticeTexts = Set(
            NoticeKind.allCases.map { "notice." + $0.rawValue }
                + ReviewTask.Kind.allCases.flatMap { ["notice.reviewer." + $0.rawValue, "notice.task." + $0.rawValue] })
        let kinds = Set(["modelVideo", "script", "text", "prompts", "checklist"].map { "support." + $0 })
        let unused = stems.filter { key in
            !referenced.contains(key) && !formatting.contains(where: key.hasPrefix) && !kinds.contains(key) && !noticeTexts.contains(key)
        }
        #expect(unused.sorted() == [], "in the catalogue but used nowhere")
        #expect(Set(Language.allCases.map { "language.\($0.rawValue)" }).isSubset(of: english.keys))
        // Names made from data: every event type and delivery state has its words.
        #expect(DomainEvent.Kind.allCases.map { "event." + String(describing: $0) }.filter { english[$0] == nil } == [])
        #expect(WebhookDeliveryStatus.allCases.map { "delivery." + $0.rawValue }.filter { english[$0] == nil } == [])
        #expect(NoticeDelivery.allCases.map { "delivery." + $0.rawValue }.filter { english[$0] == nil } == [])
        // Every kind of notice has its sentence and its name in the settings.
        #expect(NoticeKind.allCases.map { "notice." + $0.rawValue }.filter { !stems.contains($0) } == [])
        #expect(NoticeKind.allCases.map { "noticeKind." + $0.rawValue }.filter { english[$0] == nil } == [])
        // Roles and what came of an invitation are named from data too.
        #expect(Role.allCases.map { "role." + $0.rawValue }.filter { english[$0] == nil } == [])
        #expect(ReviewTask.Kind.allCases.map { "reviewKind." + $0.rawValue }.filter { english[$0] == nil } == [])
        let outcomes: [InvitationResult.Outcome] = [.invited, .invitedAgain, .added, .unchanged, .refused]
        #expect(outcomes.map { "invitation." + $0.rawValue }.filter { english[$0] == nil } == [])
    }

    @Test("numbers, dates and lists are written per language")
    func formats() throws {
        let english = Localizer(language: .en, messages: try Self.catalogue(.en))
        let dutch = Localizer(language: .nl, messages: try Self.catalogue(.nl), fallback: try Self.catalogue(.en))
        let day = try Date("2026-05-03T14:05:00Z", strategy: .iso8601)
        #expect(dutch.date(day) == "3 mei 2026" && english.date(day) == "3 May 2026")
        #expect(dutch.dateTime(day) == "3 mei 2026 om 14:05 UTC" && english.dateTime(day) == "3 May 2026, 14:05 UTC")
        // In the reader's own time zone, summer time and winter time with their offsets.
        var amsterdam = dutch
        amsterdam.timeZone = try #require(TimeZone(identifier: "Europe/Amsterdam"))
        #expect(amsterdam.dateTime(day) == "3 mei 2026 om 16:05 UTC+2")
        #expect(amsterdam.dateTime(try Date("2026-12-31T23:30:00Z", strategy: .iso8601)) == "1 januari 2027 om 00:30 UTC+1")
        #expect(dutch.decimal(0.82) == "0,82" && english.decimal(0.82) == "0.82")
        #expect(dutch.integer(2_147_483_648) == "2.147.483.648" && english.integer(2_147_483_648) == "2,147,483,648")
        #expect(dutch.list(["a", "b", "c"]) == "a, b en c" && english.list(["a", "b"]) == "a and b")
        // A key a catalogue lacks falls back to English; one no catalogue has shows as itself.
        let partial = Localizer(language: .nl, messages: ["welcome": "Welkom"], fallback: try Self.catalogue(.en))
        #expect(partial.text("signIn") == "Sign in" && partial.text("welcome") == "Welkom" && partial.text("no.such.key") == "no.such.key")
        #expect(Language.preferred(acceptLanguage: "fr-FR, en;q=0.5, nl-BE;q=0.9") == .nl)
        #expect(Language.preferred(acceptLanguage: "de, fr;q=0.8") == nil && Language.preferred(acceptLanguage: "nl;q=0, en") == .en)
    }

    /// Each catalogue text of `other` that `language`'s catalogue words differently and that could
    /// not be part of a text of `language` (longer than a word or two): none may appear on a page.
    static func foreign(in page: String, language: Language, content: Set<String> = []) throws -> [String] {
        let own = try catalogue(language), other = try catalogue(language == .nl ? .en : .nl)
        let html = page.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(
            of: "&amp;", with: "&")
        return other.filter { key, text in
            text.count >= 12 && own[key] != text && !own.values.contains { $0.contains(text) } && Localizer.placeholders(text).isEmpty
                && !content.contains(text) && html.contains(text)
        }.map(\.value)
    }

    @Test("every page and the error page render in Dutch and in English, with no text of the other language left", arguments: [TestEngine.sqlite])
    func pages(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world, now = server.clock.now
            let submission = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: nil,
                status: .ready, createdAt: now)
            try await server.store.createReviewTasks([
                ReviewTask(submissionID: submission.id, cohortID: world.cohortA.id, kind: .trainer, createdAt: now)
            ])
            let task = try #require(
                try await server.store.claimReviewTask(reviewer: world.trainerA.id, cohorts: [world.cohortA.id], lease: 1800, now: now))
            let learner = try await server.login(world.learnerA1), trainer = try await server.login(world.trainerA),
                admin = try await server.login(world.admin)
            let pages: [(String, String?, Int)] = [
                ("/login", nil, 200), ("/", admin, 200), ("/learn", learner, 200), ("/learn/exercises/\(world.exerciseA.id)", learner, 200),
                ("/learn/submissions/\(submission.id)", learner, 200), ("/train", trainer, 200), ("/review/\(task.id)", trainer, 200),
                ("/train/exercises/\(world.exerciseA.id)", trainer, 200),
                ("/train/exercises/\(world.exerciseA.id)/learners/\(world.learnerA1.id)", trainer, 200),
                ("/admin", admin, 200), ("/admin/exercises/new", admin, 200), ("/admin/exercises/\(world.exerciseA.id)", admin, 200),
                ("/notifications", learner, 200), ("/notifications", trainer, 200), ("/settings/notifications", learner, 200),
                ("/settings/notifications", admin, 200), ("/dashboard", admin, 200), ("/dashboard", trainer, 200),
                ("/learn/exercises/\(ExerciseID())", learner, 404), ("/admin", learner, 403), ("/dashboard", learner, 403),
            ]
            for (path, cookie, status) in pages {
                for language in Language.allCases {
                    let reply = try await server.request(.get, path, cookie: cookie, headers: [.acceptLanguage: language.rawValue])
                    #expect(reply.status == status, "\(path) in \(language)")
                    #expect(
                        reply.body.contains("<html lang=\"\(language.rawValue)\">") && reply.headers[.contentLanguage] == language.rawValue, "\(path)"
                    )
                    // The exercise's level names are what its author wrote, in English here.
                    let foreign = try Self.foreign(in: reply.body, language: language, content: Set(world.exerciseA.ladder.levels.map(\.name)))
                    #expect(foreign == [], "\(path) in \(language): \(foreign)")
                    #expect(!reply.body.contains("{{"), "\(path): an unrendered tag")
                    #expect(reply.body.contains("action=\"/language\""), "\(path): the language switch")
                }
            }
            // Words the code names by a value read in the page's language too: comment tags and roles.
            let review = try await server.request(.get, "/review/\(task.id)", cookie: trainer, headers: [.acceptLanguage: "nl"])
            #expect(review.body.contains("<option value=\"praise\">compliment</option>") && !review.body.contains(">praise<"))
            let people = try await server.request(.get, "/admin", cookie: admin, headers: [.acceptLanguage: "nl"])
            #expect(people.body.contains("<td>Beheerder</td>") && people.body.contains("<td>Deelnemer</td>"), "roles in Dutch")
            #expect(!people.body.contains("<td>learner</td>") && !people.body.contains("<td>trainer</td>"))
            let dutch = try await server.request(.get, "/learn", cookie: learner, headers: [.acceptLanguage: "nl-NL,nl;q=0.9"])
            #expect(dutch.body.contains("Mijn oefeningen") && !dutch.body.contains("My exercises"))
            // With no Accept-Language the server's default decides (English in these tests).
            #expect(try await server.request(.get, "/login").body.contains("<html lang=\"en\">"))
        }
    }

    @Test("problems keep their type and speak the caller's language; the person's setting beats the browser's", arguments: [TestEngine.sqlite])
    func problems(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let world = server.world
            let cases: [(HTTPRequest.Method, String, User?, String?, String)] = [
                (.get, "/api/v1/exercises/\(ExerciseID())", world.learnerA1, nil, "urn:steiger:problem:notFound"),
                (.get, "/api/v1/me", nil, nil, "urn:steiger:problem:unauthenticated"),
                (.post, "/api/v1/cohorts", world.admin, "{}", "urn:steiger:problem:invalid"),
                (.post, "/api/v1/cohorts", world.admin, "{", "urn:steiger:problem:notJSON"),
                (.post, "/api/v1/cohorts", world.learnerA1, "{\"name\":\"x\"}", "urn:steiger:problem:notAllowed"),
                (.delete, "/api/v1/me", world.admin, nil, "urn:steiger:problem:methodNotAllowed"),
                (.get, "/api/v1/nothing-here", nil, nil, "urn:steiger:problem:noRoute"),
                (
                    .post, "/api/v1/users", world.admin, "{\"email\":\"\(world.learnerA1.email)\",\"displayName\":\"X\",\"roles\":[\"learner\"]}",
                    "urn:steiger:problem:emailTaken"
                ),
            ]
            for (method, path, user, body, type) in cases {
                var details: [Language: String] = [:]
                for language in Language.allCases {
                    let reply = try await server.request(
                        method, path, as: user, body: body,
                        headers: [.acceptLanguage: language.rawValue, .contentType: "application/json"])
                    let json = try #require(reply.json as? [String: Any], "\(path)")
                    #expect(json["type"] as? String == type, "\(method) \(path)")
                    #expect(reply.headers[.contentLanguage] == language.rawValue)
                    let detail = try #require(json["detail"] as? String)
                    #expect(!detail.contains("{") && !detail.hasPrefix("problem."), "\(path): \(detail)")
                    #expect(try Self.foreign(in: detail + " " + (json["title"] as? String ?? ""), language: language) == [], "\(path) in \(language)")
                    details[language] = detail
                }
                #expect(details[.nl] != details[.en], "\(path) reads the same in both languages")
            }
            let invalid = try await server.request(
                .post, "/api/v1/cohorts", as: world.admin, body: "{}",
                headers: [.acceptLanguage: "nl", .contentType: "application/json"])
            let errors = try #require((invalid.json as? [String: Any])?["errors"] as? [[String: Any]])
            #expect(
                errors.first?["field"] as? String == "name" && errors.first?["code"] as? String == "required"
                    && errors.first?["message"] as? String == "is verplicht")

            // The person's own setting beats the browser's; `auto` gives the choice back.
            let path = "/api/v1/exercises/\(ExerciseID())"
            let set = try await server.request(.patch, "/api/v1/users/\(world.learnerA1.id)", as: world.learnerA1, json: ["language": "nl"])
            #expect(set.status == 200 && (set.json as? [String: Any])?["language"] as? String == "nl")
            var reply = try await server.request(.get, path, as: world.learnerA1, headers: [.acceptLanguage: "en"])
            #expect((reply.json as? [String: Any])?["detail"] as? String == "Er bestaat geen oefening met dat id, of je mag die niet zien.")
            _ = try await server.request(.patch, "/api/v1/users/\(world.learnerA1.id)", as: world.learnerA1, json: ["language": "auto"])
            reply = try await server.request(.get, path, as: world.learnerA1, headers: [.acceptLanguage: "en"])
            #expect((reply.json as? [String: Any])?["detail"] as? String == "No exercise with that id exists, or it is not yours to see.")
            let wrong = try await server.request(.patch, "/api/v1/users/\(world.learnerA1.id)", as: world.learnerA1, json: ["language": "fr"])
            #expect(wrong.status == 422)
        }
    }

    @Test("the language switch keeps the choice: in a cookie before signing in, with the account after", arguments: [TestEngine.sqlite])
    func languageSwitch(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .acceptLanguage: "en"]
            let anonymous = try await server.request(.post, "/language", body: "language=nl&back=/login", headers: form)
            #expect(anonymous.status == 303 && anonymous.headers[.location] == "/login")
            let cookie = try #require(anonymous.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            #expect(cookie == "steiger_lang=nl")
            #expect(try await server.request(.get, "/login", cookie: cookie, headers: [.acceptLanguage: "en"]).body.contains("Inloggen"))
            // Off-site addresses are not followed.
            for back in [
                "//evil.example/", "/%09/evil.example", "/%0A/evil.example", "/%5C/evil.example", "/%20/evil.example", "https://evil.example/",
            ] {
                let away = try await server.request(.post, "/language", body: "language=en&back=\(back)", headers: form)
                #expect(away.headers[.location] == "/", "back=\(back)")
            }
            #expect(
                try await server.request(.post, "/language", body: "language=en&back=/learn%3Fx%3D1", headers: form).headers[.location]
                    == "/learn?x=1")

            let session = try await server.login(server.world.trainerA)
            let token = try #require(TestServer.csrf(session).first?.value)
            let forged = try await server.request(.post, "/language", cookie: session, body: "language=nl&back=/train", headers: form)
            #expect(forged.status == 403)
            #expect(try await server.store.user(server.world.trainerA.id)?.language == nil)
            // The right token posted from another site's page is refused too.
            for (name, value) in [("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")] {
                var foreign = form
                foreign[HTTPField.Name(name)!] = value
                let posted = try await server.request(
                    .post, "/language", cookie: session, body: "_csrf=\(token)&language=nl&back=/train", headers: foreign)
                #expect(posted.status == 403, "\(name)")
            }
            #expect(try await server.store.user(server.world.trainerA.id)?.language == nil)
            let chosen = try await server.request(.post, "/language", cookie: session, body: "_csrf=\(token)&language=nl&back=/train", headers: form)
            #expect(chosen.status == 303 && chosen.headers[.location] == "/train")
            #expect(try await server.store.user(server.world.trainerA.id)?.language == .nl)
            // From another browser asking for English, the account's choice still holds.
            let queue = try await server.request(.get, "/train", cookie: session, headers: [.acceptLanguage: "en"])
            #expect(queue.body.contains("<html lang=\"nl\">") && queue.body.contains("Beoordelingswachtrij"))
        }
    }
}
