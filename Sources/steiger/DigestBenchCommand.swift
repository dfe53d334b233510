import ArgumentParser
import Foundation
import Logging
import SteigerApp
import SteigerCore
import SteigerMedia
import SteigerServer
import SteigerStore
import Synchronization

/// `steiger bench digest`: a daily summary for many learners built and handed to an SMTP server
/// on loopback, while notices that go out at once keep being made; how long from their event to
/// the server taking their mail.
struct DigestBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Benchmark daily summaries by e-mail (STEIGER_DATABASE_URL picks PostgreSQL).")

    @OptionGroup var service: ServiceOptions

    @Option(help: "Learners whose summary is due.")
    var learners = 10_000

    @Option(help: "The SMTP server that takes the mails, e.g. smtp://127.0.0.1:2525.")
    var smtpURL: String

    @Option(help: "Immediate notices made while the summaries go out (one every 50 ms).")
    var immediate = 200

    func run() async throws {
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try await service.openStore(logger: service.makeLogger())
        try await store.migrate()
        let engine = store.engine.dialect.rawValue
        var mail = MailSettings(
            smtp: try SMTPSettings(url: smtpURL, from: "steiger@example.org"), publicURL: "https://steiger.example.org",
            texts: try WebMailTexts(defaultLanguage: .nl))
        mail.batch = 100

        // The learners, each with two notices waiting for a summary due now; one cohort, one exercise.
        let seedStart = ContinuousClock.now
        let cohort = try Cohort(name: "Bench")
        try await store.createCohort(cohort)
        let exercise = try Exercise(
            title: "Prijsbezwaar", instructions: "Beantwoord de klant.", skillKey: "bench",
            rubric: try Rubric(criteria: [
                .init(key: "a", title: "A", weight: 1, scale: [.init(value: 0, label: "nee"), .init(value: 1, label: "ja")])
            ]),
            ladder: try ScaffoldLadder(levels: [.init(number: 0, name: "Alleen", supports: [])]), cohorts: [cohort.id])
        try await store.createExercise(exercise)
        var people: [User] = []
        for index in 0..<learners {
            let user = try User(email: "learner\(index)@example.org", displayName: "Deelnemer \(index)", roles: [.learner], language: .nl)
            try await store.createUser(user, passwordHash: nil)
            people.append(user)
        }
        for user in people.prefix(2) {
            try await store.putMembership(Membership(cohortID: cohort.id, userID: user.id, part: .learner))
        }
        // The immediate notices' recipient has no quiet hours, so that a run at night does not
        // wait for the morning to mail them.
        try await store.setNoticeSettings(NoticeSettings(quietStart: 0, quietEnd: 0), of: people[1].id)
        let now = Date()
        for chunk in stride(from: 0, to: people.count, by: 500) {
            guard let lease = try await store.leaseOutbox(consumer: "bench-digest", owner: "bench", lease: 600, now: now) else { break }
            var notices: [Notice] = []
            var digests: [NoticeID: Date] = [:]
            for user in people[chunk..<min(chunk + 500, people.count)] {
                for kind in [NoticeKind.queueWaiting, .taskOverdue] {
                    let notice = Notice(
                        recipient: user.id, kind: kind, eventID: UUID(),
                        arguments: ["exercise": .text(exercise.title), "task": .message(Message("notice.task.peer"))], count: 2,
                        createdAt: now.addingTimeInterval(-3600))
                    notices.append(notice)
                    digests[notice.id] = now.addingTimeInterval(-1)
                }
            }
            _ = try await store.recordNotices(notices, digests: digests, for: lease, leaseFor: 600, now: now)
        }
        print(
            "\(engine): \(learners) learners with two notices each waiting for their summary (seeded in \(Int((ContinuousClock.now - seedStart).seconds)) s)"
        )

        // Immediate notices made while the summaries go out: review tasks given to a peer.
        let submission = try await store.createSubmission(learner: people[0].id, exercise: exercise.id, status: .ready)
        let maker = NoticeMaker(store: store, logger: quiet, pollInterval: .milliseconds(100), mail: mail)
        let mailer = Mailer(store: store, settings: mail, logger: quiet)
        let digests = DigestSender(store: store, settings: mail, logger: quiet)
        // The consumer starts after what the seeding recorded.
        try await maker.drain()

        let start = ContinuousClock.now
        let peakBefore = Self.peakResidentMiB()
        let (built, builtSeconds) = try await Self.timed { try await digests.sendDue(batch: 500) }
        print(String(format: "  summaries built and queued: %d in %.2f s (%.0f per second)", built, builtSeconds, Double(built) / builtSeconds))

        let produced = Mutex(false)
        let immediate = immediate
        let producer = Task {
            defer { produced.withLock { $0 = true } }
            for _ in 0..<immediate {
                try await store.createReviewTasks([
                    ReviewTask(submissionID: submission.id, cohortID: cohort.id, kind: .peer, assignee: people[1].id, createdAt: Date())
                ])
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let makerTask = Task { try await maker.run() }
        var sent = 0
        while true {
            let tried = try await mailer.sendDue()
            sent += tried
            let pending = try await store.mailCounts()[.pending] ?? 0
            if tried == 0 && pending == 0 && produced.withLock({ $0 }) {
                try await Task.sleep(for: .milliseconds(300))  // the last events' notices made and mailed
                if try await store.mailCounts()[.pending] ?? 0 == 0 { break }
            }
            if tried == 0 { try await Task.sleep(for: .milliseconds(50)) }
        }
        makerTask.cancel()
        _ = try? await producer.value
        let totalSeconds = (ContinuousClock.now - start).seconds
        let counts = try await store.mailCounts()
        let all = try await store.mails(limit: learners + immediate + 100)
        let latencies = try await Self.eventToMail(store, all.filter { $0.mail.purpose == NoticeKind.reviewAssigned.rawValue })
        let digestsSent = all.filter { $0.mail.purpose == "digest" && $0.status == .sent }.count
        print(
            String(
                format: "  summaries handed to the SMTP server: %d in %.2f s from the start (%.0f mails per second); %d sent, %d failed",
                digestsSent, totalSeconds, Double(sent) / totalSeconds, counts[.sent] ?? 0, counts[.failed] ?? 0))
        if !latencies.isEmpty {
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
            print(
                String(
                    format:
                        "  event to mail taken by the server, %d immediate notices under that load: p50 %.2f s, p99 %.2f s, max %.2f s (target p99 < 60 s)",
                    sorted.count, percentile(0.5), percentile(0.99), sorted.last ?? 0))
        }
        print(String(format: "  peak resident memory: %.1f MiB (%.1f MiB before the summaries)", Self.peakResidentMiB(), peakBefore))
        if digestsSent != learners || (counts[.failed] ?? 0) > 0 { throw ExitCode(1) }
    }

    /// For each mail of a notice: seconds from the notice's event to the server taking the mail.
    static func eventToMail(_ store: Store, _ mails: [MailRecord]) async throws -> [Double] {
        let events = Dictionary(
            try await store.outboxEvents(after: 0, limit: 1_000_000).map { (UUIDText.lowercase($0.event.id), $0.event.occurredAt) },
            uniquingKeysWith: { first, _ in first })
        var result: [Double] = []
        for mail in mails where mail.status == .sent {
            guard let sentAt = mail.sentAt, let userID = mail.mail.userID else { continue }
            let noticeID = String(mail.mail.id.dropFirst("notice-".count))
            let page = try await store.notices(of: userID, page: PageRequest(limit: 200))
            guard let notice = page.items.first(where: { $0.id.description == noticeID }), let eventID = notice.eventID,
                let occurred = events[UUIDText.lowercase(eventID)]
            else { continue }
            result.append(sentAt.timeIntervalSince(occurred))
        }
        return result
    }

    static func timed<T>(_ body: () async throws -> T) async throws -> (T, Double) {
        let start = ContinuousClock.now
        let value = try await body()
        return (value, (ContinuousClock.now - start).seconds)
    }

    /// The process's peak resident memory so far (VmHWM), in MiB.
    static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kib / 1024
    }
}
