import Foundation
import HTTPTypes
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerApp
@testable import SteigerServer

@Suite("Accounts by e-mail: invitations, forgotten passwords, new addresses")
struct InvitationTests {
    static func withMail(_ configuration: inout ServerConfiguration) {
        configuration.runsBackgroundWork = false
        configuration.mail = try? MailTests.mailSettings()
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The secret of the link in a queued mail's text part.
    static func secret(in mail: MailRecord, path: String) throws -> String {
        let text = try MailTests.text(mail.mail.message)
        let start = try #require(text.range(of: "https://steiger.example.org\(path)?t="), "no \(path) link in: \(text)")
        return String(text[start.upperBound...].prefix { !$0.isWhitespace })
    }

    static func mails(_ server: TestServer, _ purpose: String) async throws -> [MailRecord] {
        try await server.store.mails().filter { $0.mail.purpose == purpose }
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    @Test(
        "an administrator invites a list: each new person gets one mail in their language whose link sets a password once; bad lines are refused with the reason",
        arguments: TestEngine.available)
    func list(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.withMail) { server in
            let world = server.world
            let csv = """
                naam;e-mail;rol;groep;taal
                Sam de Vries;Sam@Example.org;deelnemer;cohort a;nl
                "Kim, the coach";kim@example.org;trainer;Cohort A;en
                Lou;lou@example.org;;;
                Bad Role;bad@example.org;boss;Cohort A;
                No Cohort;nocohort@example.org;learner;Cohort Z;
                Old Hand;\(world.learnerB.email);learner;Cohort A;
                Typo;not-an-address;learner;;

                Sam again;SAM@example.org;;;
                """
            let reply = try await server.request(
                .post, "/api/v1/invitations/list", as: world.admin,
                json: ["csv": .string(csv), "cohortId": .string(world.cohortB.id.description)])
            #expect(reply.status == 200, "\(reply.body)")
            let results = try #require(reply["results"] as? [[String: Any]])
            let outcomes = results.map { "\($0["line"] ?? "-") \($0["email"] ?? "") \($0["outcome"] ?? "")" }
            #expect(
                outcomes == [
                    "2 sam@example.org invited", "3 kim@example.org invited", "4 lou@example.org invited", "5 bad@example.org refused",
                    "6 nocohort@example.org refused", "7 \(world.learnerB.email) added", "8 not-an-address refused",
                    "10 SAM@example.org refused",
                ])
            // Each refusal says why, in the reader's words.
            let problems = results.compactMap { $0["problem"] as? String }
            #expect(problems.count == 4)
            #expect(problems.allSatisfy { !$0.contains("{") }, "\(problems)")
            #expect(problems.contains { $0.contains("email: is on line 2 already") })
            #expect(problems.contains { $0.contains("'boss' is not a role") })
            #expect(problems.contains { $0.contains("no cohort 'Cohort Z'") })
            #expect(problems.contains { $0.contains("email") })
            // One mail per new person, none for someone who already had an account.
            let mails = try await Self.mails(server, "invitation")
            #expect(Set(mails.map(\.mail.address)) == ["sam@example.org", "kim@example.org", "lou@example.org"])
            let sam = try #require(mails.first { $0.mail.address == "sam@example.org" })
            let text = try MailTests.text(sam.mail.message)
            #expect(text.contains("Hallo Sam de Vries") && text.contains("admin heeft je uitgenodigd") && text.contains("werkt één keer"))
            #expect(MailTests.header("List-Unsubscribe", in: sam.mail.message) == nil, "an invitation cannot be switched off")
            let louText = try MailTests.text(try #require(mails.first { $0.mail.address == "lou@example.org" }).mail.message)
            #expect(louText.contains("Hello Lou") && louText.contains("admin has invited you"))
            // Sam is in cohort A (named in any case), Lou in the list's cohort B; the old hand joined A.
            let samUser = try #require(try await server.store.userForLogin(email: "sam@example.org"))
            #expect(samUser.passwordHash == nil && samUser.user.roles == [.learner] && samUser.user.language == .nl)
            #expect(try await server.store.memberships(of: samUser.user.id).map(\.cohortID) == [world.cohortA.id])
            let kim = try #require(try await server.store.userForLogin(email: "kim@example.org")).user
            #expect(kim.displayName == "Kim, the coach" && kim.roles == [.trainer])
            #expect(try await server.store.memberships(of: kim.id).map(\.part) == [.trainer])
            let lou = try #require(try await server.store.userForLogin(email: "lou@example.org")).user
            #expect(try await server.store.memberships(of: lou.id).map(\.cohortID) == [world.cohortB.id])
            #expect(try await server.store.memberships(of: world.learnerB.id).map(\.cohortID).contains(world.cohortA.id))
            // A first line that is not column names is a person too, even with a mistyped address.
            let typo = try await server.request(
                .post, "/api/v1/invitations/list", as: world.admin, json: ["csv": "Ann,ann-at-example.org\nBob,bob@example.org"])
            #expect((typo["results"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["refused", "invited"])
            // The administrator sees who has not joined yet.
            let admin = try await server.login(world.admin)
            let overview = try await server.request(.get, "/admin", cookie: admin)
            #expect(overview.body.components(separatedBy: "Invited, not yet joined").count - 1 == 4)

            // Sam opens the link: it shows who it is for; the page alone does not spend it.
            let secret = try Self.secret(in: sam, path: "/welcome")
            let page = try await server.request(.get, "/welcome?t=\(secret)")
            #expect(page.status == 200 && page.body.contains("sam@example.org"))
            #expect(try await server.request(.get, "/welcome?t=\(secret)").status == 200)
            // Two different passwords, or a short one, leave the link working.
            let differ = try await server.request(
                .post, "/welcome", body: "t=\(secret)&password=long+enough+one&repeat=long+enough+two", headers: Self.form)
            #expect(differ.status == 422 && differ.body.contains("not the same"))
            let short = try await server.request(.post, "/welcome", body: "t=\(secret)&password=short&repeat=short", headers: Self.form)
            #expect(short.status == 422 && short.body.contains("at least 10"))
            let accepted = try await server.request(
                .post, "/welcome", body: "t=\(secret)&password=een+lange+zin+hier&repeat=een+lange+zin+hier", headers: Self.form)
            #expect(accepted.status == 303 && accepted.headers[.location] == "/learn")
            let session = try #require(accepted.headers[values: .setCookie].first { $0.hasPrefix("steiger_session=") })
            let learn = try await server.request(.get, "/learn", cookie: String(session.split(separator: ";")[0]))
            #expect(learn.status == 200 && learn.body.contains("Sam de Vries"))
            // Used once: the link no longer works, for showing or for setting.
            #expect(try await server.request(.get, "/welcome?t=\(secret)").status == 410)
            let again = try await server.request(
                .post, "/welcome", body: "t=\(secret)&password=another+long+one&repeat=another+long+one", headers: Self.form)
            #expect(again.status == 410 && again.headers[.setCookie] == nil)
            let signIn = try await server.request(
                .post, "/api/v1/auth/login", json: ["email": "sam@example.org", "password": "een lange zin hier"])
            #expect(signIn.status == 200)
            let after = try await server.request(.get, "/admin", cookie: admin)
            #expect(after.body.components(separatedBy: "Invited, not yet joined").count - 1 == 3)
        }
    }

    @Test("a trainer invites learners into the cohorts they train, and nothing else; a learner invites no one", arguments: TestEngine.available)
    func trainer(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.withMail) { server in
            let world = server.world
            func invite(_ user: User, role: String = "learner", cohort: CohortID?) async throws -> Reply {
                var body: [String: JSONValue] = ["email": "new@example.org", "displayName": "New Person", "role": .string(role)]
                if let cohort { body["cohortId"] = .string(cohort.description) }
                return try await server.request(.post, "/api/v1/invitations", as: user, json: .object(body))
            }
            #expect(try await invite(world.trainerA, cohort: world.cohortB.id).status == 404)
            #expect(try await invite(world.trainerA, role: "trainer", cohort: world.cohortA.id).status == 403)
            #expect(try await invite(world.trainerA, role: "admin", cohort: world.cohortA.id).status == 403)
            #expect(try await invite(world.trainerA, cohort: nil).status == 403)
            #expect(try await invite(world.learnerA1, cohort: world.cohortA.id).status == 403)
            #expect(try await invite(world.learnerB, cohort: world.cohortA.id).status == 404)
            let list = try await server.request(
                .post, "/api/v1/invitations/list", as: world.learnerA1, json: ["csv": "A,a@example.org,learner,Cohort A"])
            #expect(list.status == 403)
            // A trainer's list may name only their own cohorts; another cohort's name is unknown to them.
            let mixed = try await server.request(
                .post, "/api/v1/invitations/list", as: world.trainerA,
                json: ["csv": "A,a@example.org,,Cohort A\nB,b@example.org,,Cohort B"])
            #expect((mixed["results"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["invited", "refused"])
            #expect(try await Self.mails(server, "invitation").count == 1)
            // Someone who has an account is not a trainer's to pull into a cohort, nor to get a link for,
            // whatever the account: learner B of another cohort, a disabled one, one invited by an administrator.
            for email in [world.learnerB.email, world.disabled.email, "pending@example.org"] {
                if email == "pending@example.org" {
                    let made = try await server.request(
                        .post, "/api/v1/invitations", as: world.admin, json: ["email": .string(email), "displayName": "Pending"])
                    #expect(made.status == 201)
                }
                let reply = try await server.request(
                    .post, "/api/v1/invitations", as: world.trainerA,
                    json: ["email": .string(email), "displayName": "X", "cohortId": .string(world.cohortA.id.description)])
                #expect(reply.status == 409 && reply.body.contains("already has an account") && reply["link"] == nil, "\(email): \(reply.body)")
            }
            #expect(!(try await server.store.memberships(of: world.learnerB.id)).contains { $0.cohortID == world.cohortA.id })
            let ok = try await invite(world.trainerA, cohort: world.cohortA.id)
            #expect(ok.status == 201 && ok["outcome"] as? String == "invited" && ok["link"] is NSNull)
            // Invited again before accepting: the trainer may not (the account exists now); an
            // administrator sends a new link, and the first one stops working.
            let first = try #require(try await Self.mails(server, "invitation").first { $0.mail.address == "new@example.org" })
            #expect(try await invite(world.trainerA, cohort: world.cohortA.id).status == 409)
            let again = try await invite(world.admin, cohort: world.cohortA.id)
            #expect(again["outcome"] as? String == "invitedAgain")
            #expect(try await server.request(.get, "/welcome?t=\(try Self.secret(in: first, path: "/welcome"))").status == 410)
            // The pages: the trainer's queue offers inviting; the page offers only learners and their cohorts.
            let trainer = try await server.login(world.trainerA)
            #expect(try await server.request(.get, "/train", cookie: trainer).body.contains("href=\"/invite\""))
            let page = try await server.request(.get, "/invite", cookie: trainer)
            #expect(page.status == 200 && page.body.contains("Cohort A") && !page.body.contains("Cohort B"))
            #expect(!page.body.contains("value=\"trainer\"") && !page.body.contains("value=\"admin\""))
            let learner = try await server.login(world.learnerA1)
            #expect(try await server.request(.get, "/invite", cookie: learner).status == 403)
        }
    }

    @Test(
        "forgot password: the same answer for a known and an unknown address; only the known one gets a link, good once and for an hour",
        arguments: TestEngine.available)
    func forgot(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.withMail) { server in
            let learner = server.world.learnerA1
            let earlier = try await server.login(learner)
            func ask(_ email: String) async throws -> Reply {
                let page = try await server.request(.get, "/password/forgot")
                let token = try #require(page.body.components(separatedBy: "name=\"_csrf\" value=\"").dropFirst().first?.split(separator: "\"").first)
                return try await server.request(.post, "/password/forgot", body: "_csrf=\(token)&email=\(Self.encoded(email))", headers: Self.form)
            }
            let known = try await ask(learner.email.uppercased())
            let unknown = try await ask("nobody@example.org")
            #expect(known.status == 200 && unknown.status == 200)
            #expect(known.body == unknown.body && known.body.contains("If an account uses that address"))
            // A disabled account gets nothing either.
            _ = try await ask(server.world.disabled.email)
            let mails = try await Self.mails(server, "password-reset")
            #expect(mails.map(\.mail.address) == [learner.email])
            // A forged form is refused.
            let forged = try await server.request(.post, "/password/forgot", body: "_csrf=x&email=\(learner.email)", headers: Self.form)
            #expect(forged.status == 403)

            let secret = try Self.secret(in: try #require(mails.first), path: "/password/reset")
            let page = try await server.request(.get, "/password/reset?t=\(secret)")
            #expect(page.status == 200 && page.body.contains(learner.email))
            let reset = try await server.request(
                .post, "/password/reset", body: "t=\(secret)&password=a+brand+new+one&repeat=a+brand+new+one", headers: Self.form)
            #expect(reset.status == 303 && reset.headers[.location] == "/learn")
            // The old password and the sessions from before are gone; the new one signs in.
            #expect(try await server.request(.get, "/api/v1/me", cookie: earlier).status == 401)
            let old = try await server.request(
                .post, "/api/v1/auth/login", json: ["email": .string(learner.email), "password": .string(World.password)])
            #expect(old.status == 401)
            #expect(try await server.login(learner, password: "a brand new one").isEmpty == false)
            let twice = try await server.request(
                .post, "/password/reset", body: "t=\(secret)&password=yet+another+one&repeat=yet+another+one", headers: Self.form)
            #expect(twice.status == 410 && twice.body.contains("expired or was already used"))
            // A new link is good for an hour only.
            _ = try await ask(learner.email)
            let late = try #require(try await Self.mails(server, "password-reset").first)
            server.clock.advance(3601)
            #expect(try await server.request(.get, "/password/reset?t=\(try Self.secret(in: late, path: "/password/reset"))").status == 410)
            // At most three links an hour per account, whatever is asked.
            for _ in 0..<5 { _ = try await ask(learner.email) }
            #expect(try await Self.mails(server, "password-reset").count == 2 + 3)
        }
    }

    @Test(
        "a link stops working when its person's password is set another way, their address changes, or their account is disabled (for good)",
        arguments: TestEngine.available)
    func revoked(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.withMail) { server in
            let admin = server.world.admin
            func invite(_ email: String) async throws -> (User, String) {
                let reply = try await server.request(
                    .post, "/api/v1/invitations", as: admin, json: ["email": .string(email), "displayName": "Someone"])
                #expect(reply.status == 201)
                let mail = try #require(try await Self.mails(server, "invitation").first { $0.mail.address == email })
                let user = try #require(try await server.store.userForLogin(email: email)).user
                return (user, try Self.secret(in: mail, path: "/welcome"))
            }
            func works(_ secret: String) async throws -> Bool { try await server.request(.get, "/welcome?t=\(secret)").status == 200 }
            // An administrator sets the password by hand (steiger admin reset-password does the same).
            let (first, firstLink) = try await invite("first@example.org")
            #expect(try await works(firstLink))
            try await Accounts(store: server.store, bcryptCost: 4).setPassword("set by the administrator", for: first.id)
            #expect(try await works(firstLink) == false)
            // The address was mistyped and corrected: the link that went to the old one is dead.
            let (second, secondLink) = try await invite("second@exmaple.org")
            let fixed = try await server.request(.patch, "/api/v1/users/\(second.id)", as: admin, json: ["email": "second@example.org"])
            #expect(fixed.status == 200)
            #expect(try await works(secondLink) == false)
            // Disabled and enabled again: still dead.
            let (third, thirdLink) = try await invite("third@example.org")
            for disabled in [true, false] {
                #expect(try await server.request(.patch, "/api/v1/users/\(third.id)", as: admin, json: ["disabled": .bool(disabled)]).status == 200)
            }
            #expect(try await works(thirdLink) == false)
            // A mail sent, or failed because its address changed, keeps no secret.
            for mail in try await server.store.claimMails(owner: "test", lease: 60, now: server.clock.now) {
                try await server.store.recordMailSent(mail.mail.id, owner: "test", now: server.clock.now)
            }
            let mails = try await Self.mails(server, "invitation")
            #expect(mails.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.failed, .sent, .sent])
            #expect(mails.allSatisfy { $0.mail.message.isEmpty })
        }
    }

    @Test("without e-mail an invitation hands over its link, and a forgotten password is an administrator's to reset", arguments: [TestEngine.sqlite])
    func withoutMail(engine: TestEngine) async throws {
        try await TestServer.with(engine) { server in
            let reply = try await server.request(
                .post, "/api/v1/invitations", as: server.world.admin, json: ["email": "lee@example.org", "displayName": "Lee"])
            #expect(reply.status == 201)
            let link = try #require(reply["link"] as? String)
            // A language the service does not speak, or a list past its length, is refused.
            let klingon = try await server.request(
                .post, "/api/v1/invitations", as: server.world.admin, json: ["email": "tlh@example.org", "displayName": "K", "language": "tlh"])
            #expect(klingon.status == 422 && klingon.problemFields == ["language"])
            let long = try await server.request(
                .post, "/api/v1/invitations/list", as: server.world.admin,
                json: ["csv": .string(String(repeating: "a", count: Accounts.invitationListLength + 1))])
            #expect(long.status == 422 && long.problemFields == ["csv"])
            #expect(link.hasPrefix("/welcome?t="))
            #expect(try await server.store.mails().isEmpty)
            #expect(try await server.request(.get, link).body.contains("Welcome, Lee"))
            let forgot = try await server.request(.get, "/password/forgot")
            #expect(forgot.body.contains("Ask an administrator") && !forgot.body.contains("name=\"email\""))
            let admin = try await server.login(server.world.admin)
            let page = try await server.request(.get, "/invite", cookie: admin)
            #expect(page.body.contains("copy each person"))
            // One's own new address cannot be confirmed without e-mail.
            let change = try await server.request(
                .patch, "/api/v1/users/\(server.world.learnerA1.id)", as: server.world.learnerA1,
                json: ["email": "elsewhere@example.org", "currentPassword": .string(World.password)])
            #expect(change.status == 409)
        }
    }

    @Test(
        "a person's own new address takes effect once confirmed from it; an administrator's change of someone else's at once",
        arguments: TestEngine.available)
    func newAddress(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.withMail) { server in
            let learner = server.world.learnerA1
            let path = "/api/v1/users/\(learner.id)"
            let bare = try await server.request(.patch, path, as: learner, json: ["email": "lea.new@example.org"])
            #expect(bare.status == 422, "the current password is needed")
            let wrong = try await server.request(.patch, path, as: learner, json: ["email": "lea.new@example.org", "currentPassword": "wrong one"])
            #expect(wrong.status == 403)
            let asked = try await server.request(
                .patch, path, as: learner, json: ["email": "Lea.New@example.org", "currentPassword": .string(World.password)])
            #expect(asked.status == 200 && asked["email"] as? String == learner.email, "unchanged until confirmed")
            let mail = try #require(try await Self.mails(server, "email-change").first)
            #expect(mail.mail.address == "lea.new@example.org" && mail.mail.userID == nil)
            let secret = try Self.secret(in: mail, path: "/email/confirm")
            let page = try await server.request(.get, "/email/confirm?t=\(secret)")
            #expect(page.status == 200 && page.body.contains("lea.new@example.org"))
            #expect(try await server.store.user(learner.id)?.email == learner.email, "opening the link changes nothing")
            let confirmed = try await server.request(.post, "/email/confirm", body: "t=\(secret)", headers: Self.form)
            #expect(confirmed.status == 200 && confirmed.body.contains("you now sign in with lea.new@example.org"))
            #expect(try await server.store.user(learner.id)?.email == "lea.new@example.org")
            let signIn = try await server.request(
                .post, "/api/v1/auth/login", json: ["email": "lea.new@example.org", "password": .string(World.password)])
            #expect(signIn.status == 200)
            #expect(try await server.request(.post, "/email/confirm", body: "t=\(secret)", headers: Self.form).status == 410)
            // At most three requests an hour, so nobody mails strangers through Steiger.
            var statuses: [Int] = []
            for number in 1...3 {
                statuses.append(
                    try await server.request(
                        .patch, path, as: learner, json: ["email": .string("other\(number)@example.org"), "currentPassword": .string(World.password)]
                    ).status)
            }
            #expect(statuses == [200, 200, 429])
            // An administrator corrects someone else's address directly.
            let direct = try await server.request(
                .patch, "/api/v1/users/\(server.world.learnerA2.id)", as: server.world.admin, json: ["email": "a2@example.org"])
            #expect(direct.status == 200 && direct["email"] as? String == "a2@example.org")
        }
    }
}
