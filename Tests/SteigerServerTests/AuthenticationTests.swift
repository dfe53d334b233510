import Foundation
import HTTPTypes
import SteigerCore
import SteigerServer
import SteigerTestSupport
import Testing

@Suite("Authentication through HTTP, on every engine")
struct AuthenticationTests {
    @Test("login sets an HttpOnly, SameSite, expiring session cookie that works until logout", arguments: TestEngine.available)
    func login(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let reply = try await server.request(
                .post, "/api/v1/auth/login",
                json: ["email": "  Trainer-A@Example.org ", "password": .string(World.password)])
            #expect(reply.status == 200)
            let setCookie = try #require(reply.headers[.setCookie])
            #expect(setCookie.hasPrefix("steiger_session=") && setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            #expect(setCookie.contains("Max-Age=604800") && setCookie.contains("Path=/"))
            #expect((reply["user"] as? [String: Any])?["email"] as? String == "trainer-a@example.org")
            let csrfCookie = try #require(reply.headers[values: .setCookie].first { $0.hasPrefix("steiger_csrf=") })
            #expect(!csrfCookie.contains("HttpOnly") && csrfCookie.contains("SameSite=Strict"))
            let cookie = String(setCookie.split(separator: ";")[0]) + "; " + String(csrfCookie.split(separator: ";")[0])
            let me = try await server.request(.get, "/api/v1/me", cookie: cookie)
            #expect(me.status == 200 && (me["memberships"] as? [Any])?.count == 1)
            // A change with the session cookie needs the CSRF token.
            #expect(try await server.request(.post, "/api/v1/auth/logout", cookie: cookie).status == 403)
            #expect(
                try await server.request(.post, "/api/v1/auth/logout", cookie: cookie, headers: [HTTPField.Name("X-CSRF-Token")!: "0123"]).status
                    == 403)
            #expect(try await server.request(.post, "/api/v1/auth/logout", cookie: cookie, headers: TestServer.csrf(cookie)).status == 204)
            let after = try await server.request(.get, "/api/v1/me", cookie: cookie)
            #expect(after.status == 401 && after["detail"] as? String == "Your session has ended; sign in again.")
        }
    }

    @Test("a wrong password and an unknown account get the same 401; a disabled account gets 403", arguments: TestEngine.available)
    func wrongPassword(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let wrong = try await server.request(
                .post, "/api/v1/auth/login", json: ["email": "learner-a1@example.org", "password": "not the password"])
            let unknown = try await server.request(
                .post, "/api/v1/auth/login", json: ["email": "nobody@example.org", "password": "not the password"])
            #expect(wrong.status == 401 && unknown.status == 401)
            #expect(wrong.headers[.contentType] == "application/problem+json")
            #expect(
                wrong["detail"] as? String == "The email address or the password is wrong."
                    && wrong["detail"] as? String == unknown["detail"] as? String)
            #expect(wrong.headers[.setCookie] == nil)
            let disabled = try await server.request(
                .post, "/api/v1/auth/login", json: ["email": "disabled@example.org", "password": .string(World.password)])
            #expect(disabled.status == 403 && (disabled["detail"] as? String)?.contains("disabled") == true)
            // A disabled account's token stops working too.
            #expect(try await server.request(.get, "/api/v1/me", as: server.world.disabled).status == 401)
        }
    }

    @Test("a session expires after its lifetime", arguments: TestEngine.available)
    func expiredSession(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: { $0.sessionLifetime = 3600 }) { server in
            let cookie = try await server.login(server.world.learnerA1)
            server.clock.advance(3599)
            #expect(try await server.request(.get, "/api/v1/me", cookie: cookie).status == 200)
            server.clock.advance(2)
            let expired = try await server.request(.get, "/api/v1/me", cookie: cookie)
            #expect(expired.status == 401 && expired.headers[.wwwAuthenticate] == "Bearer realm=\"steiger\"")
        }
    }

    @Test("API tokens: shown once, listed without the secret, refused once revoked", arguments: TestEngine.available)
    func tokens(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let cookie = try await server.login(server.world.trainerA)
            let made = try await server.request(
                .post, "/api/v1/me/tokens", cookie: cookie,
                json: ["name": "grading script", "expiresInDays": 30, "password": .string(World.password)],
                headers: TestServer.csrf(cookie))
            #expect(made.status == 201)
            let secret = try #require(made["secret"] as? String)
            let id = try #require((made["token"] as? [String: Any])?["id"] as? String)
            let bearer: HTTPFields = [.authorization: "Bearer \(secret)"]
            let me = try await server.request(.get, "/api/v1/me", headers: bearer)
            #expect(me.status == 200 && (me["user"] as? [String: Any])?["email"] as? String == "trainer-a@example.org")
            let listed = try await server.request(.get, "/api/v1/me/tokens", headers: bearer)
            #expect(listed.items.contains { $0["id"] as? String == id } && !listed.body.contains(secret))
            // Another user cannot revoke it.
            #expect(try await server.request(.delete, "/api/v1/me/tokens/\(id)", as: server.world.trainerB).status == 404)
            #expect(try await server.request(.delete, "/api/v1/me/tokens/\(id)", headers: bearer).status == 204)
            let revoked = try await server.request(.get, "/api/v1/me", headers: bearer)
            #expect(revoked.status == 401 && (revoked["detail"] as? String)?.contains("revoked") == true)
            #expect(try await server.request(.get, "/api/v1/me", headers: [.authorization: "Basic abc"]).status == 401)
            server.clock.advance(31 * 86400)
            let other = try await server.request(
                .post, "/api/v1/me/tokens", as: server.world.trainerA,
                json: ["name": "short", "expiresInDays": 1, "password": .string(World.password)])
            let shortSecret = try #require(other["secret"] as? String)
            server.clock.advance(86401)
            #expect(try await server.request(.get, "/api/v1/me", headers: [.authorization: "Bearer \(shortSecret)"]).status == 401)
        }
    }

    @Test("failed logins are limited per account, then allowed again after the window", arguments: TestEngine.available)
    func rateLimit(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            for _ in 0..<5 {
                #expect(
                    try await server.request(.post, "/api/v1/auth/login", json: ["email": "learner-b@example.org", "password": "guess guess"]).status
                        == 401)
            }
            // Now even the right password waits.
            let limited = try await server.request(
                .post, "/api/v1/auth/login", json: ["email": "learner-b@example.org", "password": .string(World.password)])
            #expect(limited.status == 429)
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter > 0 && retryAfter <= 900)
            // Other accounts are not affected.
            _ = try await server.login(server.world.learnerA1)
            server.clock.advance(Double(retryAfter))
            _ = try await server.login(server.world.learnerB)
        }
    }

    @Test("parallel guesses cannot slip past the limit", arguments: TestEngine.available)
    func parallelGuesses(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<12 {
                    group.addTask {
                        try await server.request(
                            .post, "/api/v1/auth/login", json: ["email": "learner-a2@example.org", "password": .string("guess \(i) guess")]
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 401 }.count == 5 && statuses.filter { $0 == 429 }.count == 7, "\(statuses.sorted())")
        }
    }

    @Test("changing one's own password needs the current one; an admin resetting another's does not", arguments: TestEngine.available)
    func ownPassword(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let me = server.world.learnerA1
            let path = "/api/v1/users/\(me.id)"
            let without = try await server.request(.patch, path, as: me, json: ["password": "a brand new password"])
            #expect(without.status == 422 && without.problemFields == ["currentPassword"])
            let wrong = try await server.request(
                .patch, path, as: me, json: ["password": "a brand new password", "currentPassword": "nope nope nope"])
            #expect(wrong.status == 403)
            let right = try await server.request(
                .patch, path, as: me, json: ["password": "a brand new password", "currentPassword": .string(World.password)])
            #expect(right.status == 200)
            _ = try await server.login(me, password: "a brand new password")
            let byAdmin = try await server.request(.patch, path, as: server.world.admin, json: ["password": "set by the admin"])
            #expect(byAdmin.status == 200)
            _ = try await server.login(me, password: "set by the admin")
        }
    }

    @Test(
        "guessing one's current password counts in the sign-in throttle: after five wrong tries, 429 with Retry-After, even for the right one",
        arguments: [TestEngine.sqlite])
    func currentPasswordThrottled(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let me = server.world.learnerA1
            let path = "/api/v1/users/\(me.id)"
            var statuses: [Int] = []
            for _ in 0..<7 {
                statuses.append(
                    try await server.request(.patch, path, as: me, json: ["password": "a brand new password", "currentPassword": "a wrong guess"])
                        .status)
            }
            #expect(statuses == [403, 403, 403, 403, 403, 429, 429])
            let right = try await server.request(
                .patch, path, as: me, json: ["password": "a brand new password", "currentPassword": .string(World.password)])
            #expect(right.status == 429 && right.headers[.retryAfter] != nil)
            // API answers tell browsers not to guess another type.
            #expect(right.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(right.json.flatMap { $0 as? [String: Any] }?["type"] as? String == "urn:steiger:problem:throttled")
            // The window passes: the right password works again, and the account can sign in.
            server.clock.advance(16 * 60)
            let later = try await server.request(
                .patch, path, as: me, json: ["password": "a brand new password", "currentPassword": .string(World.password)])
            #expect(later.status == 200)
            _ = try await server.login(me, password: "a brand new password")
        }
    }

    @Test(
        "a stolen session cannot mint a lasting key: a token needs the password again, counted with sign-in guesses, and lives at most a year",
        arguments: TestEngine.available)
    func tokenNeedsPassword(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let me = server.world.learnerA1
            let cookie = try await server.login(me)
            let csrf = TestServer.csrf(cookie)
            // The thief holds the cookie only.
            let bare = try await server.request(.post, "/api/v1/me/tokens", cookie: cookie, json: ["name": "mine now"], headers: csrf)
            #expect(bare.status == 422 && bare.body.contains("password"))
            let forever = try await server.request(
                .post, "/api/v1/me/tokens", cookie: cookie, json: ["name": "mine", "password": .string(World.password), "expiresInDays": 3650],
                headers: csrf)
            #expect(forever.status == 422 && forever.body.contains("expiresInDays"))
            // Guesses at the password share the sign-in limit: two wrong sign-ins, three wrong guesses here, then 429.
            for _ in 0..<2 {
                #expect(
                    try await server.request(.post, "/api/v1/auth/login", json: ["email": .string(me.email), "password": "nope nope"]).status == 401)
            }
            var statuses: [Int] = []
            for guess in 0..<4 {
                statuses.append(
                    try await server.request(
                        .post, "/api/v1/me/tokens", cookie: cookie, json: ["name": "mine", "password": .string("guess \(guess) guess")], headers: csrf
                    ).status)
            }
            #expect(statuses == [403, 403, 403, 429])
            #expect(!(try await server.request(.get, "/api/v1/me/tokens", cookie: cookie).items.contains { $0["name"] as? String == "mine" }))
            // The owner, later, with the password: the token lives the standard 90 days.
            server.clock.advance(16 * 60)
            let made = try await server.request(
                .post, "/api/v1/me/tokens", cookie: cookie, json: ["name": "grading", "password": .string(World.password)], headers: csrf)
            #expect(made.status == 201)
            let expiresAt = try #require((made["token"] as? [String: Any])?["expiresAt"] as? String)
            let expires = try #require(try? Date(expiresAt, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)))
            #expect(abs(expires.timeIntervalSince(server.clock.now) - 90 * 86400) < 5)
        }
    }

    @Test(
        "tokens die with a password change (unless the owner keeps them), with a reset, and with disabling, and stay dead after enabling",
        arguments: TestEngine.available)
    func tokensRevoked(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let me = server.world.learnerA1
            let path = "/api/v1/users/\(me.id)"
            func token() async throws -> HTTPFields {
                let cookie = try await server.login(me, password: password)
                let made = try await server.request(
                    .post, "/api/v1/me/tokens", cookie: cookie, json: ["name": "script", "password": .string(password)],
                    headers: TestServer.csrf(cookie))
                return [.authorization: "Bearer \(try #require(made["secret"] as? String))"]
            }
            func alive(_ bearer: HTTPFields) async throws -> Bool {
                let status = try await server.request(.get, "/api/v1/me", headers: bearer).status
                #expect(status == 200 || status == 401)
                return status == 200
            }
            var password = World.password
            // Their own change, keeping the tokens.
            let kept = try await token()
            #expect(
                try await server.request(
                    .patch, path, json: ["password": "second password!", "currentPassword": .string(password), "keepTokens": true], headers: kept
                ).status == 200)
            password = "second password!"
            #expect(try await alive(kept))
            // Their own change: by default the tokens go.
            #expect(
                try await server.request(.patch, path, json: ["password": "third password!", "currentPassword": .string(password)], headers: kept)
                    .status == 200)
            password = "third password!"
            #expect(try await !alive(kept))
            // A reset by an administrator: tokens and sessions go, whatever the person wanted.
            let beforeReset = try await token()
            #expect(try await server.request(.patch, path, as: server.world.admin, json: ["password": "fourth password!"]).status == 200)
            password = "fourth password!"
            #expect(try await !alive(beforeReset))
            // Disabling ends everything, and enabling again brings none of it back.
            let beforeDisable = try await token()
            let session = try await server.login(me, password: password)
            #expect(try await server.request(.patch, path, as: server.world.admin, json: ["disabled": true]).status == 200)
            #expect(try await !alive(beforeDisable))
            #expect(try await server.request(.patch, path, as: server.world.admin, json: ["disabled": false]).status == 200)
            #expect(try await !alive(beforeDisable))
            #expect(try await server.request(.get, "/api/v1/me", cookie: session).status == 401)
            #expect(try await alive(try await token()))
        }
    }

    @Test("the sign-in form takes only a token this service issued to this browser, from its own page", arguments: [TestEngine.sqlite])
    func signInFormToken(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let body = { (token: String) in
                "_csrf=\(token)&email=learner-a1%40example.org&password=\(World.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            }
            // A pair the attacker made up, planted as cookie and field alike.
            let planted = try await server.request(.post, "/login", cookie: "steiger_login_csrf=made-up", body: body("made-up"), headers: form)
            #expect(planted.status == 403 && planted.headers[.setCookie]?.contains("steiger_session=") != true)
            // The page's own token works.
            let page = try await server.request(.get, "/login")
            let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let token = try #require(
                page.body.components(separatedBy: "name=\"_csrf\" value=\"").dropFirst().first?.components(separatedBy: "\"").first)
            #expect(cookie == "steiger_login_csrf=\(token)")
            // ...but not posted from another site.
            var foreign = form
            foreign[.origin] = "https://evil.example"
            #expect(try await server.request(.post, "/login", cookie: cookie, body: body(token), headers: foreign).status == 403)
            let signed = try await server.request(.post, "/login", cookie: cookie, body: body(token), headers: form)
            #expect(signed.status == 303 && signed.headers[.location] == "/learn")
            // A token outlives its hour nowhere.
            server.clock.advance(3601)
            #expect(try await server.request(.post, "/login", cookie: cookie, body: body(token), headers: form).status == 403)
        }
    }

    @Test("a cookie-authenticated change from another site is refused", arguments: [TestEngine.sqlite])
    func crossSite(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let cookie = try await server.login(server.world.admin)
            var evil = TestServer.csrf(cookie)
            evil[.origin] = "https://evil.example"
            let foreign = try await server.request(.post, "/api/v1/cohorts", cookie: cookie, json: ["name": "Evil"], headers: evil)
            #expect(foreign.status == 403)
            var own = TestServer.csrf(cookie)
            own[.origin] = "http://localhost"
            let made = try await server.request(.post, "/api/v1/cohorts", cookie: cookie, json: ["name": "Fine"], headers: own)
            #expect(made.status == 201)
        }
    }

    @Test("behind a proxy that rewrites Host, a change from the public address's own pages is not taken for another site's")
    func publicOrigin() async throws {
        try await TestServer.with(.sqlite, configure: { $0.publicURL = PublicURL("https://steiger.example.org/training/") }) { server in
            let cookie = try await server.login(server.world.admin)
            var own = TestServer.csrf(cookie)
            own[.origin] = "https://steiger.example.org"
            #expect(try await server.request(.post, "/api/v1/cohorts", cookie: cookie, json: ["name": "Fine"], headers: own).status == 201)
            own[.origin] = "https://steiger.example.org.evil.example"
            #expect(try await server.request(.post, "/api/v1/cohorts", cookie: cookie, json: ["name": "Evil"], headers: own).status == 403)
        }
    }
}
