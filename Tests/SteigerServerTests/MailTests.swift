import Foundation
import HTTPTypes
import SteigerCore
import SteigerStore
import SteigerTestSupport
import Testing

@testable import SteigerApp
@testable import SteigerServer

@Suite("Notices by e-mail: which are mailed, when, in whose words, and the one-click way out")
struct MailTests {
    static func mailSettings() throws -> MailSettings {
        MailSettings(
            smtp: try SMTPSettings(url: "smtp://127.0.0.1:2525", from: "steiger@example.org"), publicURL: "https://steiger.example.org/",
            texts: try WebMailTexts(defaultLanguage: .en))
    }

    static func quiet(_ configuration: inout ServerConfiguration) { configuration.runsBackgroundWork = false }

    /// The text part of a queued message, decoded.
    static func text(_ message: String) throws -> String {
        let part = try #require(
            message.components(separatedBy: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n").last)
        let encoded = part.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
        return String(decoding: try #require(Data(base64Encoded: encoded)), as: UTF8.self)
    }

    static func header(_ name: String, in message: String) -> String? {
        message.components(separatedBy: "\r\n\r\n").first?.components(separatedBy: "\r\n").first { $0.hasPrefix(name + ": ") }
            .map { String($0.dropFirst(name.count + 2)) }
    }

    @Test("a message has its headers, an encoded subject, both parts in base64 and short lines")
    func message() throws {
        let content = MailContent(subject: "Een trainer heeft je poging bij ‘X’ beoordeeld.", text: "Hallo Lea,\n\nÉén regel.", html: "<p>Hallo</p>")
        let message = MailMessage.compose(
            id: "notice-1", from: "steiger@example.org", fromName: "Steiger", to: "lea@example.org", toName: "Lea", content: content,
            unsubscribe: "https://steiger.example.org/unsubscribe?u=1", date: try Date("2026-05-03T14:05:00Z", strategy: .iso8601))
        #expect(Self.header("Subject", in: message)?.hasPrefix("=?UTF-8?B?") == true)
        #expect(Self.header("Message-ID", in: message) == "<notice-1@example.org>")
        #expect(Self.header("Date", in: message) == "Sun, 03 May 2026 14:05:00 +0000")
        #expect(Self.header("List-Unsubscribe", in: message) == "<https://steiger.example.org/unsubscribe?u=1>")
        #expect(Self.header("List-Unsubscribe-Post", in: message) == "List-Unsubscribe=One-Click")
        #expect(try Self.text(message) == "Hallo Lea,\r\n\r\nÉén regel.")
        // Handed to the server later, it carries that moment's date; nothing else changes.
        let later = MailMessage.dated(message, try Date("2026-05-04T07:00:00Z", strategy: .iso8601))
        #expect(Self.header("Date", in: later) == "Mon, 04 May 2026 07:00:00 +0000")
        #expect(later.replacingOccurrences(of: "Mon, 04 May 2026 07:00:00", with: "Sun, 03 May 2026 14:05:00") == message)
        #expect(message.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 && !$0.contains("\n") })
        // A long subject is folded into encoded words of at most 75 characters.
        let long = MailMessage.encodedWord(String(repeating: "Één poging bij ‘Prijsbezwaar’ ", count: 4), phrase: false)
        #expect(long.components(separatedBy: "\r\n ").allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") })
        #expect(
            MailMessage.compose(
                id: "x", from: "a@b.org", fromName: "Steiger", to: "c@d.org", toName: nil, content: content, unsubscribe: nil, date: Date()
            ).contains("List-Unsubscribe") == false)
        // A sender address with a name is refused as a configuration error, as is another scheme.
        #expect(throws: MailError.self) { try SMTPSettings(url: "smtp://mail.example.org", from: "Steiger <s@example.org>") }
        #expect(throws: MailError.self) { try SMTPSettings(url: "http://mail.example.org", from: "s@example.org") }
        let settings = try SMTPSettings(url: "smtps://us%40er:p%3Ass@mail.example.org", from: "s@example.org")
        #expect(settings.port == 465 && settings.security == .implicitTLS && settings.username == "us@er" && settings.password == "p:ss")
        let local = try SMTPSettings(url: "smtp://127.0.0.1", from: "s@example.org")
        #expect(!settings.isLocal && local.isLocal)
    }

    @Test(
        "a notice wanted at once becomes one mail in the reader's language, after their quiet hours; digest and off kinds do not",
        arguments: TestEngine.available)
    func queued(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let maker = NoticeMaker(store: server.store, logger: TestDatabase.logger, mail: try Self.mailSettings(), now: { server.clock.now })
            // Learner A1 reads Dutch in Amsterdam, and wants no mail between 00:00 and 23:00 local: nearly always quiet.
            try await server.store.updateUser(world.learnerA1.id, changes: UserChanges(language: .some(.nl)))
            try await server.store.setNoticeSettings(
                NoticeSettings(timeZone: "Europe/Amsterdam", quietStart: 0, quietEnd: 23), of: world.learnerA1.id)
            let submission = try await server.store.createSubmission(
                learner: world.learnerA1.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready, createdAt: server.clock.now)
            let task = ReviewTask(submissionID: submission.id, cohortID: world.cohortA.id, kind: .trainer, createdAt: server.clock.now)
            try await server.store.createReviewTasks([task], now: server.clock.now)
            #expect(try await server.request(.post, "/api/v1/review-queue/claim", as: world.trainerA).status == 200)
            let scores: JSONValue = ["scores": ["empathy": 3, "next-step": 2]]
            #expect(try await server.request(.post, "/api/v1/review-tasks/\(task.id)/review", as: world.trainerA, json: scores).status == 201)
            try await maker.drain()
            try await maker.drain()

            let mails = try await server.store.mails()
            // The trainer's "new attempt waits" comes in the daily digest by default: no mail now.
            #expect(mails.map(\.mail.address) == [world.learnerA1.email])
            let mail = try #require(mails.first)
            #expect(mail.mail.purpose == "feedback.ready" && mail.status == .pending && mail.attempts == 0)
            let text = try Self.text(mail.mail.message)
            #expect(text.hasPrefix("Hallo learner-a1,") && text.contains("Een trainer heeft je poging bij ‘Price objection’ beoordeeld."))
            #expect(text.contains("https://steiger.example.org/learn/submissions/\(submission.id)"))
            #expect(!text.contains(world.trainerA.displayName))
            // Quiet until 23:00 in Amsterdam.
            let local = NoticeSettings(timeZone: "Europe/Amsterdam", quietStart: 0, quietEnd: 23)
            #expect(mail.nextAttemptAt == local.afterQuietHours(server.clock.now).wholeMilliseconds)

            // The mail's own link switches the kind off without a session; a forged one does nothing.
            let link = try #require(Self.header("List-Unsubscribe", in: mail.mail.message)?.dropFirst().dropLast())
            let path = String(link.dropFirst("https://steiger.example.org".count))
            let forged = path.replacingOccurrences(of: "k=feedback.ready", with: "k=comment.reply")
            #expect(try await server.request(.post, forged, body: "List-Unsubscribe=One-Click").status == 404)
            let asked = try await server.request(.get, path, headers: [.acceptLanguage: "nl"])
            #expect(asked.status == 200 && asked.body.contains("Stop deze e-mails"))
            #expect(try await server.store.noticeSettings(of: world.learnerA1.id).delivery(.feedbackReady) == .immediately)
            let done = try await server.request(
                .post, path, body: "List-Unsubscribe=One-Click",
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: "https://mail.example.net"])
            #expect(done.status == 200)
            #expect(try await server.store.noticeSettings(of: world.learnerA1.id).delivery(.feedbackReady) == .app)
            // The API shows the choice (the answer is checked against the document).
            let settings = try await server.request(.get, "/api/v1/me/notification-settings", as: world.learnerA1)
            #expect(
                (settings["kinds"] as? [[String: Any]])?.first { $0["kind"] as? String == "feedback.ready" }?["delivery"] as? String == "app")
        }
    }

    @Test("the daily summary goes out at the person's local hour with what waited for it, each once", arguments: TestEngine.available)
    func digest(engine: TestEngine) async throws {
        try await TestServer.with(engine, configure: Self.quiet) { server in
            let world = server.world
            let mail = try Self.mailSettings()
            let maker = NoticeMaker(store: server.store, logger: TestDatabase.logger, mail: mail, now: { server.clock.now })
            let digests = DigestSender(store: server.store, settings: mail, logger: TestDatabase.logger, now: { server.clock.now })
            let evening = NoticeSettings(timeZone: "Europe/Amsterdam", digestHour: 18)
            try await server.store.setNoticeSettings(evening, of: world.trainerA.id)
            func newAttempt(_ learner: User) async throws {
                let submission = try await server.store.createSubmission(
                    learner: learner.id, exercise: world.exerciseA.id, scaffoldLevel: 3, status: .ready, createdAt: server.clock.now)
                try await server.store.createReviewTasks(
                    [ReviewTask(submissionID: submission.id, cohortID: world.cohortA.id, kind: .trainer, createdAt: server.clock.now)],
                    now: server.clock.now)
                try await maker.drain()
            }
            try await newAttempt(world.learnerA1)
            try await newAttempt(world.learnerA2)
            // Before 18:00 in Amsterdam nothing goes out.
            let due = evening.nextDigest(after: server.clock.now)
            #expect(try await digests.sendDue() == 0)
            #expect(try await server.store.mails().isEmpty)
            server.clock.advance(due.timeIntervalSince(server.clock.now) + 1)
            #expect(try await digests.sendDue() == 1)
            #expect(try await digests.sendDue() == 0)
            let sent = try await server.store.mails()
            #expect(sent.map(\.mail.address) == [world.trainerA.email] && sent[0].mail.purpose == "digest")
            let text = try Self.text(sent[0].mail.message)
            #expect(Self.header("Subject", in: sent[0].mail.message) == "Your Steiger summary: one notification")
            #expect(text.contains("- 2 new attempts wait for review.") && text.contains("https://steiger.example.org/notifications/"))
            #expect(Self.header("List-Unsubscribe", in: sent[0].mail.message)?.contains("k=digest") == true)

            // What comes after waits for the next evening, and the first summary is not sent again.
            _ = try await server.request(.post, "/api/v1/me/notifications/read", as: world.trainerA, json: ["all": true])
            try await newAttempt(world.learnerA1)
            server.clock.advance(3600)
            #expect(try await digests.sendDue() == 0)
            server.clock.advance(evening.nextDigest(after: server.clock.now).timeIntervalSince(server.clock.now) + 1)
            #expect(try await digests.sendDue() == 1)
            let second = try await server.store.mails().first { $0.mail.id != sent[0].mail.id }
            #expect(try Self.text(try #require(second).mail.message).contains("- One new attempt waits for review."))
            #expect(try await server.store.mails().count == 2)
        }
    }
}
