import Foundation
import HTTPTypes
import SteigerApp
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerServer

@Suite("Guest reviewers through a link")
struct GuestReviewTests {
    static func quiet(_ configuration: inout ServerConfiguration) { configuration.runsBackgroundWork = false }

    /// A ready attempt by learner A1 at exercise A, with no reviews owed but the guest's.
    func attempt(_ server: TestServer, audience: Audience = .peers, status: Submission.Status = .ready) async throws -> Submission {
        try await server.store.createSubmission(
            learner: server.world.learnerA1.id, exercise: server.world.exerciseA.id, scaffoldLevel: 3, status: status, audience: audience,
            createdAt: server.clock.now)
    }

    /// Invites a guest as `user` (token) or `cookie`; the reply.
    func invite(_ server: TestServer, to attempt: Submission, as user: User, _ body: JSONValue = ["name": "Dana Customer"]) async throws -> Reply {
        try await server.request(.post, "/api/v1/submissions/\(attempt.id)/guests", as: user, json: body)
    }

    /// The secret of a link in an invitation's reply.
    func secret(_ reply: Reply) throws -> String {
        let link = try #require(reply["link"] as? String)
        return try #require(link.components(separatedBy: "/guest?t=").last)
    }

    /// Opens the link as a browser would: the welcome page, then its button. - Returns: the guest's cookies and where they went.
    func open(_ server: TestServer, _ secret: String) async throws -> (cookie: String, location: String) {
        let welcome = try await server.request(.get, "/guest?t=\(secret)")
        #expect(welcome.status == 200 && welcome.body.contains("id=\"guest-start\""), "\(welcome.body)")
        let started = try await server.request(
            .post, "/guest", body: "t=\(secret)", headers: [.contentType: "application/x-www-form-urlencoded"])
        #expect(started.status == 303, "\(started.body)")
        let cookies = started.headers[values: .setCookie].map { String($0.split(separator: ";")[0]) }
        return (cookies.joined(separator: "; "), started.headers[.location] ?? "")
    }

    func level(_ server: TestServer) async throws -> Int? {
        let supports = try await server.request(.get, "/api/v1/exercises/\(server.world.exerciseA.id)/supports", as: server.world.learnerA1)
        return (supports["standing"] as? [String: Any])?["level"] as? Int
    }

    /// A guest's full review of a new attempt, through their link.
    func guestReviewedAttempt(_ server: TestServer) async throws {
        let made = try await attempt(server)
        let invited = try await invite(server, to: made, as: server.world.trainerA)
        #expect(invited.status == 201, "\(invited.body)")
        let (cookie, location) = try await open(server, try secret(invited))
        let task = String(location.dropFirst("/review/".count))
        let sent = try await server.request(
            .post, "/api/v1/review-tasks/\(task)/review", cookie: cookie, json: ["scores": ["empathy": 3, "next-step": 3]],
            headers: TestServer.csrf(cookie))
        #expect(sent.status == 201 && sent["kind"] as? String == "guest", "\(sent.body)")
        server.clock.advance(86_400)
    }

    @Test(
        "a trainer invites a guest, who opens the link without an account, comments and scores that attempt and nothing else, until the link ends",
        arguments: TestEngine.available)
    func guestReviewsOneAttempt(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let made = try await attempt(server)

            // What the trainer types is checked, field by field.
            let refused = try await invite(server, to: made, as: world.trainerA, ["name": " ", "email": "not an address", "days": 31])
            #expect(refused.status == 422 && Set(refused.problemFields) == ["name", "email", "days"], "\(refused.body)")

            let invited = try await invite(server, to: made, as: world.trainerA, ["name": "Dana Customer", "days": 3])
            #expect(invited.status == 201, "\(invited.body)")
            #expect(invited["state"] as? String == "invited" && invited["invitedBy"] as? String == world.trainerA.displayName)
            let secret = try secret(invited)
            // The link is shown once: the list never carries it.
            let listed = try await server.request(.get, "/api/v1/submissions/\(made.id)/guests", as: world.trainerA)
            #expect(listed.items.count == 1 && listed.items[0]["link"] is NSNull && !listed.body.contains(secret))

            // The link says who asks and for what; a made-up link is refused.
            let welcome = try await server.request(.get, "/guest?t=\(secret)")
            #expect(welcome.body.contains("Dana Customer") && welcome.body.contains(world.trainerA.displayName))
            #expect(welcome.body.contains(world.exerciseA.title))
            #expect(try await server.request(.get, "/guest?t=made-up").status == 410)

            let (cookie, location) = try await open(server, secret)
            #expect(location.hasPrefix("/review/"))
            let page = try await server.request(.get, location, cookie: cookie)
            #expect(page.status == 200 && page.body.contains("id=\"guest-line\"") && page.body.contains(world.learnerA1.displayName))
            // Only this attempt: every other page leads back to it, everything else is out of reach.
            for other in ["/learn", "/", "/team", "/train", "/admin", "/notifications", "/library"] {
                let away = try await server.request(.get, other, cookie: cookie)
                #expect(away.status == 303 && away.headers[.location] == location, "\(other)")
            }
            #expect(try await server.request(.get, "/api/v1/submissions/\(made.id)", cookie: cookie).status == 200)
            for hidden in [world.submissionA1.id, world.submissionA2.id, world.submissionB.id] {
                #expect(try await server.request(.get, "/api/v1/submissions/\(hidden)", cookie: cookie).status == 404)
            }
            #expect(try await server.request(.get, "/api/v1/users/\(world.learnerA1.id)", cookie: cookie).status == 404)
            #expect(try await server.request(.get, "/api/v1/exercises/\(world.exerciseA.id)/supports", cookie: cookie).status == 404)
            // A guest invites nobody further.
            let further = try await server.request(
                .post, "/api/v1/submissions/\(made.id)/guests", cookie: cookie, json: ["name": "Eve"], headers: TestServer.csrf(cookie))
            #expect(further.status == 403)

            // A timed comment and the rubric, as any reviewer.
            let comment = try await server.request(
                .post, "/api/v1/submissions/\(made.id)/annotations", cookie: cookie, json: ["at": 1500, "text": "You let me finish. Good."],
                headers: TestServer.csrf(cookie))
            #expect(comment.status == 201, "\(comment.body)")
            let task = String(location.dropFirst("/review/".count))
            let sent = try await server.request(
                .post, "/api/v1/review-tasks/\(task)/review", cookie: cookie,
                json: ["scores": ["empathy": 3, "next-step": 2], "comment": "I would buy from you."], headers: TestServer.csrf(cookie))
            #expect(sent.status == 201 && sent["kind"] as? String == "guest", "\(sent.body)")

            // The learner reads it as the guest's, with their name; the trainer sees it reviewed.
            let reviews = try await server.request(.get, "/api/v1/submissions/\(made.id)/reviews", as: world.learnerA1)
            #expect(reviews.items.map { $0["kind"] as? String } == ["guest"])
            #expect(reviews.items.first?["reviewer"] as? String == "Dana Customer")
            let comments = try await server.request(.get, "/api/v1/submissions/\(made.id)/annotations", as: world.learnerA1)
            #expect(comments.items.contains { $0["author"] as? String == "Dana Customer" }, "\(comments.body)")
            let after = try await server.request(.get, "/api/v1/submissions/\(made.id)/guests", as: world.trainerA)
            #expect(after.items.first?["state"] as? String == "reviewed")

            // Three days on the link has ended: the session with it, and the link says so.
            server.clock.advance(3 * 86_400 + 60)
            #expect(try await server.request(.get, "/api/v1/submissions/\(made.id)", cookie: cookie).status == 401)
            #expect(try await server.request(.get, location, cookie: cookie).headers[.location] == "/login")
            let ended = try await server.request(.get, "/guest?t=\(secret)")
            #expect(ended.status == 410 && ended.body.contains("stopped working") && ended.body.contains(world.trainerA.displayName))
            let late = try await server.request(.post, "/guest", body: "t=\(secret)", headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(late.status == 410 && late.headers[values: .setCookie].isEmpty)
        }
    }

    @Test("a guest's review moves no level unless the exercise says it does", arguments: TestEngine.available)
    func guestReviewsAndLevels(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            #expect(try await level(server) == 3)
            // Two full marks from guests: informative, but the supports stay.
            try await guestReviewedAttempt(server)
            try await guestReviewedAttempt(server)
            #expect(try await level(server) == 3)
            let track = try await server.request(
                .get, "/api/v1/exercises/\(world.exerciseA.id)/scaffolding/\(world.learnerA1.id)", as: world.trainerA)
            #expect((track["transitions"] as? [Any])?.isEmpty == true, "\(track.body)")

            // The exercise now counts guests' reviews: two more passes withdraw a support.
            let changed = try await server.request(
                .patch, "/api/v1/exercises/\(world.exerciseA.id)", as: world.admin, json: ["policy": ["guestReviewsMoveLevels": true]])
            #expect(changed.status == 200 && (changed["policy"] as? [String: Any])?["guestReviewsMoveLevels"] as? Bool == true)
            try await guestReviewedAttempt(server)
            try await guestReviewedAttempt(server)
            #expect(try await level(server) ?? 3 < 3)
        }
    }

    @Test(
        "the learner and the attempt's trainers invite guests; peers, managers and others do not; never to a private take; withdrawing ends the link",
        arguments: TestEngine.available)
    func whoInvites(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let made = try await attempt(server)
            try await server.store.share(made.id, with: world.learnerA2.id)
            // Her manager sees that the attempt exists, and invites nobody to it.
            let (mira, miraCookie) = try await TeamTests().manager(server)
            try await server.store.setManager(mira.id, of: world.learnerA1.id, linked: true, by: world.admin.id)
            let byManager = try await server.request(
                .post, "/api/v1/submissions/\(made.id)/guests", cookie: miraCookie, json: ["name": "Eve"], headers: TestServer.csrf(miraCookie))
            #expect(byManager.status == 403, "\(byManager.body)")

            #expect(try await invite(server, to: made, as: world.learnerA2).status == 403)  // an assigned peer
            #expect(try await invite(server, to: made, as: world.learnerB).status == 404)
            #expect(try await invite(server, to: made, as: world.trainerB).status == 404)
            #expect(try await invite(server, to: made, as: world.outsider).status == 404)
            #expect(try await server.request(.get, "/api/v1/submissions/\(made.id)/guests", as: world.learnerB).status == 404)
            #expect(try await server.request(.get, "/api/v1/submissions/\(made.id)/guests", as: world.learnerA2).status == 403)

            let byLearner = try await invite(server, to: made, as: world.learnerA1, ["name": "Sam Manager", "email": "sam@example.org", "days": 7])
            #expect(byLearner.status == 201, "\(byLearner.body)")
            #expect(try await invite(server, to: made, as: world.admin, ["name": "Alex Actor"]).status == 201)

            // A private practice take is watched by nobody else, guests included; an unfinished one is not ready.
            let practice = try await attempt(server, audience: .onlyMe)
            #expect(try await invite(server, to: practice, as: world.learnerA1).status == 403)
            #expect(try await invite(server, to: practice, as: world.trainerA).status == 404)
            let uploading = try await attempt(server, status: .uploading)
            #expect(try await invite(server, to: uploading, as: world.learnerA1).status == 409)

            // The learner withdraws Sam: the opened session and the link stop at once.
            let (cookie, location) = try await open(server, try secret(byLearner))
            #expect(try await server.request(.get, location, cookie: cookie).status == 200)
            let samID = try #require(byLearner["id"] as? String)
            #expect(try await server.request(.delete, "/api/v1/submissions/\(made.id)/guests/\(samID)", as: world.learnerA2).status == 403)
            #expect(try await server.request(.delete, "/api/v1/submissions/\(made.id)/guests/\(samID)", as: world.learnerA1).status == 204)
            #expect(try await server.request(.get, "/api/v1/submissions/\(made.id)", cookie: cookie).status == 401)
            let ended = try await server.request(.get, "/guest?t=\(try secret(byLearner))")
            #expect(ended.status == 410 && ended.body.contains(world.learnerA1.displayName))
            let states = try await server.request(.get, "/api/v1/submissions/\(made.id)/guests", as: world.learnerA1).items
            let byName = Dictionary(uniqueKeysWithValues: states.map { ($0["name"] as? String ?? "", $0["state"] as? String ?? "") })
            #expect(byName == ["Sam Manager": "withdrawn", "Alex Actor": "invited"])
            // The audit log keeps who invited and withdrew whom.
            let audit = try await server.request(.get, "/api/v1/audit?owner=\(world.learnerA1.id)", as: world.admin)
            let actions = audit.items.compactMap { $0["action"] as? String }
            #expect(actions.filter { $0 == "guest.invited" }.count == 2 && actions.contains("guest.withdrawn"), "\(actions)")

            // At most ten live invitations per attempt.
            for index in 0..<9 { #expect(try await invite(server, to: made, as: world.trainerA, ["name": .string("Guest \(index)")]).status == 201) }
            #expect(try await invite(server, to: made, as: world.trainerA, ["name": "One too many"]).status == 409)
        }
    }
}
