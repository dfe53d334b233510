import Foundation
import Logging
import ServiceLifecycle
import SteigerCore
import SteigerStore
import Synchronization

/// A person's notices: the list and its unread count (the bell), marking them read, and their
/// choices of how each kind reaches them. Every call concerns the actor's own notices only.
public struct Notifications: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    /// The key of one-click unsubscribe links, read once.
    let unsubscribeKey = SharedKey()

    /// `actor`'s notices, newest first (only unread ones when `unread`).
    public func list(_ actor: Actor, unread: Bool = false, page: PageRequest) async throws -> Page<Notice> {
        try await store.notices(of: actor.user.id, unread: unread, page: page)
    }

    /// How many of `actor`'s notices are unread.
    public func unreadCount(_ actor: Actor) async throws -> Int {
        try await store.unreadNoticeCount(of: actor.user.id)
    }

    /// Marks `actor`'s notices with `ids` read, or all of them when `ids` is nil; ids of
    /// notices that are not theirs change nothing. - Returns: how many were unread.
    /// At most ``readAtOnce`` ids at once. - Throws: ``ValidationError`` for more.
    @discardableResult
    public func markRead(_ actor: Actor, ids: [NoticeID]?) async throws -> Int {
        if let ids, ids.count > Self.readAtOnce {
            throw ValidationError(field: "ids", Message("validation.maxItems", ["max": .integer(Self.readAtOnce)]))
        }
        return try await store.markNoticesRead(of: actor.user.id, ids: ids, now: now())
    }

    /// How many notices one call may mark read by id.
    public static let readAtOnce = 200

    /// Marks `actor`'s notice `id` read and returns it (to open the page it is about).
    /// - Throws: ``Thing/notice`` not found for an unknown id or someone else's notice.
    public func open(_ actor: Actor, _ id: NoticeID) async throws -> Notice {
        guard let notice = try await store.openNotice(id, of: actor.user.id, now: now()) else { throw AppError.notFound(.notice) }
        return notice
    }

    /// Stops `user`'s e-mail of a kind from a mail's one-click link, without signing in: the
    /// link's signature is the proof. - Throws: ``Thing/notice`` not found for a link this service
    /// did not sign.
    /// The link of a daily summary switches off every kind that comes in it.
    public func unsubscribe(user: UserID, from target: UnsubscribeTarget, signature: String) async throws {
        try await checkUnsubscribe(user: user, from: target, signature: signature)
        var settings = try await store.noticeSettings(of: user)
        // No more e-mail of it; the bell still tells.
        switch target {
        case .kind(let kind):
            if settings.delivery(kind) != .off { settings.deliveries[kind] = .app }
        case .digest:
            for kind in NoticeKind.allCases where settings.delivery(kind) == .digest { settings.deliveries[kind] = .app }
        }
        try await store.setNoticeSettings(settings, of: user, now: now())
    }

    /// Refuses a one-click link this service did not sign (as not found).
    public func checkUnsubscribe(user: UserID, from target: UnsubscribeTarget, signature: String) async throws {
        guard try await UnsubscribeLinks.load(from: store, cache: unsubscribeKey).isValid(signature, user: user, target: target) else {
            throw AppError.notFound(.notice)
        }
    }

    /// `actor`'s choices.
    public func settings(_ actor: Actor) async throws -> NoticeSettings {
        try await store.noticeSettings(of: actor.user.id)
    }

    /// The kinds `actor` may hear of, in the order people read them: their roles' kinds.
    public func kinds(_ actor: Actor) -> [NoticeKind] {
        NoticeKind.allCases.filter { actor.user.has($0.role) }
    }

    /// Keeps `actor`'s choices. - Throws: ``ValidationError`` for an unknown time zone, an hour
    /// outside 0–23, or a change to a kind that is not for their roles.
    public func setSettings(_ actor: Actor, _ settings: NoticeSettings) async throws {
        try settings.validate()
        let kept = try await store.noticeSettings(of: actor.user.id)
        let theirs = Set(kinds(actor))
        let refused = NoticeKind.allCases.filter { settings.delivery($0) != kept.delivery($0) && !theirs.contains($0) }
        guard refused.isEmpty else {
            throw ValidationError(refused.map { .init(field: "deliveries.\($0.rawValue)", message: Message("validation.noticeKind")) })
        }
        try await store.setNoticeSettings(settings, of: actor.user.id, nextDigest: settings.nextDigest(after: now()), now: now())
    }
}

/// The outbox's consumer that tells people: for each event, the notices of everyone who should
/// hear of it and may see what it is about, kept in the same transaction that moves its
/// cursor (a crash repeats nothing and loses nothing). Any number of server processes may run
/// one; the lease lets one at a time work.
public struct NoticeMaker: Service {
    /// The outbox consumer's name.
    public static let consumer = "notices"

    let store: Store
    let logger: Logger
    let now: @Sendable () -> Date
    let pollInterval: Duration
    let owner: String
    /// Told of the people who got new notices (the bells of this process update at once).
    let announce: @Sendable (Set<UserID>) -> Void
    /// E-mail, when the service sends it: notices a person wants at once are queued as mails.
    let mail: MailSettings?
    /// The key of one-click unsubscribe links, read once.
    let unsubscribeKey = SharedKey()

    public init(
        store: Store, logger: Logger, pollInterval: Duration = .seconds(1), mail: MailSettings? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, announce: @escaping @Sendable (Set<UserID>) -> Void = { _ in }
    ) {
        self.store = store
        self.logger = logger
        self.now = now
        self.pollInterval = pollInterval
        self.mail = mail
        self.announce = announce
        owner = "notices-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var busy = false
            do {
                busy = try await step() > 0
            } catch {
                if !Task.isCancelled && !Task.isShuttingDownGracefully {
                    logger.warning("notices: the database did not answer; trying again", metadata: ["error": "\(error)"])
                }
            }
            if !busy { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) } }
        }
    }

    /// Makes the notices of the next events; returns how many events it read.
    @discardableResult
    public func step(limit: Int = 200) async throws -> Int {
        guard try await store.outboxBacklog(consumer: Self.consumer) > 0,
            let lease = try await store.leaseOutbox(consumer: Self.consumer, owner: owner, lease: 60, limit: limit, now: now()),
            !lease.entries.isEmpty
        else { return 0 }
        var planner = NoticePlanner(store: store)
        var notices: [Notice] = []
        for entry in lease.entries { notices += try await planner.notices(for: entry.event) }
        let settings = try await store.noticeSettings(of: Set(notices.map(\.recipient)))
        func choices(_ notice: Notice) -> NoticeSettings { settings[notice.recipient] ?? NoticeSettings() }
        notices.removeAll { choices($0).delivery($0.kind) == .off }
        let mails = try await mails(for: notices.filter { choices($0).delivery($0.kind) == .immediately }, settings: settings)
        // With e-mail on, the rest wait for the person's daily summary.
        var digests: [NoticeID: Date] = [:]
        if self.mail != nil {
            for notice in notices where choices(notice).delivery(notice.kind) == .digest {
                digests[notice.id] = choices(notice).nextDigest(after: now())
            }
        }
        guard let recorded = try await store.recordNotices(notices, mails: mails, digests: digests, for: lease, leaseFor: 60, now: now())
        else { return 0 }
        if !recorded.isEmpty { announce(Set(recorded.map(\.recipient))) }
        return lease.entries.count
    }

    /// The mails of the notices people want at once, each to be sent after the person's quiet
    /// hours, with a link to the page and a signed link that switches the kind off.
    private func mails(for notices: [Notice], settings: [UserID: NoticeSettings]) async throws -> [NoticeID: QueuedMail] {
        guard let mail, !notices.isEmpty else { return [:] }
        let links = try await UnsubscribeLinks.load(from: store, cache: unsubscribeKey)
        var mails: [NoticeID: QueuedMail] = [:]
        var users: [UserID: User] = [:]
        for notice in notices {
            if users[notice.recipient] == nil { users[notice.recipient] = try await store.user(notice.recipient) }
            guard let user = users[notice.recipient], !user.isDisabled else { continue }
            let unsubscribe = links.link(base: mail.publicURL, user: user.id, target: .kind(notice.kind))
            let content = mail.texts.notice(
                notice, to: user,
                links: MailLinks(page: mail.publicURL + notice.link, settings: mail.publicURL + "/settings/notifications", unsubscribe: unsubscribe))
            let id = "notice-" + notice.id.description
            let message = MailMessage.compose(
                id: id, from: mail.smtp.from, fromName: mail.smtp.fromName, to: user.email, toName: user.displayName, content: content,
                unsubscribe: unsubscribe, date: now())
            let quiet = settings[user.id] ?? NoticeSettings()
            mails[notice.id] = QueuedMail(
                id: id, userID: user.id, address: user.email, purpose: notice.kind.rawValue, message: message,
                notBefore: notice.kind.isUrgent ? now() : quiet.afterQuietHours(now()))
        }
        return mails
    }

    /// Reads every event there is now (for tests and tools that run it outside the service group).
    public func drain() async throws {
        while try await step() > 0 {}
    }
}

/// Who hears of one event and what they are told, under the access rules: a learner of their
/// own attempts, a reviewer of their own tasks, trainers of the cohorts they train,
/// administrators of the service. Names are kept only where the reader may know them: a
/// trainer reads their learners' names; nobody reads a peer reviewer's or another cohort's.
struct NoticePlanner {
    let store: Store
    private var exercises: [ExerciseID: Exercise] = [:]
    private var users: [UserID: User] = [:]

    init(store: Store) { self.store = store }

    mutating func notices(for event: DomainEvent) async throws -> [Notice] {
        func id(_ name: String) -> UUID? { event.subjects[name].flatMap(UUIDText.parse) }
        func notice(_ kind: NoticeKind, to recipient: UserID, _ arguments: [String: Message.Argument], subjects: [String: String]) -> Notice {
            Notice(recipient: recipient, kind: kind, eventID: event.id, arguments: arguments, subjects: subjects, createdAt: event.occurredAt)
        }
        switch event.kind {
        case .reviewSubmitted:
            guard let submissionID = id("submission").map(SubmissionID.init), let submission = try await store.submission(submissionID),
                let reviewer = event.data["kind"].flatMap(ReviewTask.Kind.init), reviewer != .selfReview,
                event.actorID != submission.learnerID
            else { return [] }
            let title = try await exerciseTitle(submission.exerciseID)
            return [
                notice(
                    .feedbackReady, to: submission.learnerID,
                    ["exercise": title, "reviewer": .message(Message("notice.reviewer.\(reviewer.rawValue)"))],
                    subjects: ["submission": submissionID.description])
            ]
        case .commentReplied:
            guard let commentID = id("comment").map(AnnotationID.init), let submissionID = id("submission").map(SubmissionID.init),
                let submission = try await store.submission(submissionID), let exercise = try await exercise(submission.exerciseID)
            else { return [] }
            var notices: [Notice] = []
            let tasks = try await store.reviewTasks(of: submissionID)
            for author in try await store.threadAuthors(of: commentID).sorted(by: { $0.description < $1.description })
            where author != event.actorID {
                guard try await maySee(submission, exercise, author) else { continue }
                var subjects = ["submission": submissionID.description, "comment": commentID.description]
                // A reviewer reads the thread on their review of the attempt.
                if author != submission.learnerID,
                    let task = tasks.first(where: { $0.assignee == author }) ?? tasks.first(where: { $0.kind == .trainer })
                {
                    subjects["task"] = task.id.description
                }
                notices.append(notice(.commentReply, to: author, ["exercise": .text(exercise.title)], subjects: subjects))
            }
            return notices
        case .supportWithdrawn, .supportReinstated, .learnerPlaced:
            guard let learner = id("learner").map(UserID.init), let exerciseID = id("exercise").map(ExerciseID.init),
                let skill = event.subjects["skill"], let exercise = try await exercise(exerciseID)
            else { return [] }
            let history = ScaffoldEngine.replay(try await store.scaffoldLog(learner: learner, skill: skill))
            let transition = history.transitions.last {
                $0.at == event.occurredAt && String($0.from) == event.data["from"] && String($0.to) == event.data["to"]
            }
            var arguments: [String: Message.Argument] = ["exercise": .text(exercise.title)]
            if let transition {
                arguments["explanation"] = .message(ScaffoldExplanation.message(transition, ladder: exercise.ladder))
            }
            let kind: NoticeKind =
                switch event.kind {
                case .supportWithdrawn: .supportWithdrawn
                case .learnerPlaced: .kickOffPlaced
                default: .supportReinstated
                }
            return [notice(kind, to: learner, arguments, subjects: ["exercise": exerciseID.description])]
        case .teamSummaryDue:
            return try await teamSummary(event)
        case .encouragementSent:
            guard let id = id("encouragement").map(EncouragementID.init), let sent = try await store.encouragement(id),
                let manager = try await user(sent.managerID)
            else { return [] }
            return [
                notice(
                    .encouragement, to: sent.personID, ["manager": .text(manager.displayName), "text": .text(sent.text)],
                    subjects: ["encouragement": id.description])
            ]
        case .recheckDue:
            guard let learner = id("learner").map(UserID.init), let exerciseID = id("exercise").map(ExerciseID.init) else { return [] }
            var arguments: [String: Message.Argument] = ["exercise": try await exerciseTitle(exerciseID)]
            if let days = event.data["days"].flatMap(Int.init) { arguments["days"] = .integer(days) }
            return [notice(.recheckDue, to: learner, arguments, subjects: ["exercise": exerciseID.description])]
        case .submissionFailed:
            guard let submissionID = id("submission").map(SubmissionID.init), let submission = try await store.submission(submissionID)
            else { return [] }
            let title = try await exerciseTitle(submission.exerciseID)
            var arguments: [String: Message.Argument] = ["exercise": title]
            if let reason = submission.failureReason {
                arguments["reason"] = Message(stored: reason).map(Message.Argument.message) ?? .text(reason)
            }
            let server = submission.failureKind == .server
            if server { arguments["serverFailure"] = .text("yes") }
            var notices = [notice(.attemptFailed, to: submission.learnerID, arguments, subjects: ["submission": submissionID.description])]
            if server, let learner = try await user(submission.learnerID) {
                var adminArguments = arguments
                adminArguments["learner"] = .text(learner.displayName)
                for admin in try await store.administrators() {
                    notices.append(notice(.jobGaveUp, to: admin.id, adminArguments, subjects: ["submission": submissionID.description]))
                }
            }
            return notices
        case .reviewTaskAssigned, .reviewTaskDueSoon, .reviewTaskOverdue, .reviewTaskHoldExpiring:
            return try await taskNotices(event)
        case .reviewTaskQueued:
            guard let cohort = event.subjects["cohort"].flatMap(CohortID.init) else { return [] }
            return try await store.trainers(of: cohort).map { trainer in
                notice(.queueWaiting, to: trainer.id, [:], subjects: ["cohort": cohort.description])
            }
        case .learnerStalled:
            guard let learnerID = id("learner").map(UserID.init), let exerciseID = id("exercise").map(ExerciseID.init),
                let learner = try await user(learnerID)
            else { return [] }
            let title = try await exerciseTitle(exerciseID)
            return try await store.trainers(ofLearner: learnerID, exercise: exerciseID).map { trainer in
                notice(
                    .learnerStalled, to: trainer.id, ["learner": .text(learner.displayName), "exercise": title],
                    subjects: ["learner": learnerID.description, "exercise": exerciseID.description])
            }
        case .transferAssigned, .transferReviewed, .transferReported:
            guard let transfer = event.subjects["transfer"], let learnerID = id("learner").map(UserID.init),
                let exerciseID = id("exercise").map(ExerciseID.init), let learner = try await user(learnerID)
            else { return [] }
            let arguments: [String: Message.Argument] = ["exercise": try await exerciseTitle(exerciseID), "learner": .text(learner.displayName)]
            let subjects = ["transfer": transfer, "exercise": exerciseID.description, "learner": learnerID.description]
            switch event.kind {
            case .transferAssigned: return [notice(.transferAssigned, to: learnerID, arguments, subjects: subjects)]
            case .transferReviewed: return [notice(.transferReviewed, to: learnerID, arguments, subjects: subjects)]
            default:
                // Whoever may review it: the learner's trainers for the exercise and their managers.
                var readers = Set(try await store.trainers(ofLearner: learnerID, exercise: exerciseID).map(\.id))
                readers.formUnion(try await store.managers(of: learnerID).filter { $0.has(.manager) && !$0.isDisabled }.map(\.id))
                return readers.sorted { $0.description < $1.description }.map { notice(.transferReported, to: $0, arguments, subjects: subjects) }
            }
        case .webhookDisabled:
            guard let endpoint = event.subjects["endpoint"] else { return [] }
            return try await store.administrators().map { notice(.webhookDisabled, to: $0.id, [:], subjects: ["endpoint": endpoint]) }
        case .submissionReady, .commentAdded, .levelSetByHand, .userCreated, .userDisabled:
            // Trainers hear of the task the attempt puts in their queue; comments reach the
            // learner with the review they belong to; a trainer who sets a level tells the
            // learner themselves; accounts are told by e-mail of their own.
            return []
        }
    }

    /// A manager's summary of their team's month: per person, the attempts sent for review and the
    /// supports withdrawn and put back.
    private mutating func teamSummary(_ event: DomainEvent) async throws -> [Notice] {
        guard let manager = event.subjects["manager"].flatMap(UserID.init), let user = try await user(manager), !user.isDisabled,
            user.has(.manager),
            let from = event.data["from"].flatMap(Int64.init).map({ Date(timeIntervalSince1970: Double($0) / 1000) }),
            let to = event.data["to"].flatMap(Int64.init).map({ Date(timeIntervalSince1970: Double($0) / 1000) })
        else { return [] }
        var lines: [(String, Message)] = []
        for person in try await store.team(of: manager) {
            guard let member = try await self.user(person), !member.isDisabled, !member.isErased else { continue }
            var withdrawn = 0, back = 0
            for skill in try await store.scaffoldStandings(learner: person).keys {
                for transition in ScaffoldEngine.replay(try await store.scaffoldLog(learner: person, skill: skill)).transitions
                where transition.at >= from && transition.at < to {
                    switch transition.rule {
                    case .withdrawal: withdrawn += 1
                    case .reinstatement, .delayedCheckFailed: back += 1
                    case .stalled, .override, .kickOff: break
                    }
                }
            }
            let attempts = try await store.attemptsSent(by: person, from: from, to: to)
            lines.append(
                (
                    member.displayName.lowercased(),
                    Message(
                        "notice.teamSummaryLine",
                        [
                            "name": .text(member.displayName), "attempts": .integer(attempts), "withdrawn": .integer(withdrawn),
                            "back": .integer(back),
                        ])
                ))
        }
        if lines.isEmpty { return [] }
        let arguments: [String: Message.Argument] = [
            "from": .date(from), "lines": .list(lines.sorted { $0.0 < $1.0 }.map { .message($0.1) }),
        ]
        return [
            Notice(
                recipient: manager, kind: .teamSummary, eventID: event.id, arguments: arguments, subjects: ["month": event.data["month"] ?? ""],
                createdAt: event.occurredAt)
        ]
    }

    /// A reviewer's notices of their task (given, due within a day, overdue, hold running
    /// out), and the cohort's trainers' notice of an overdue task.
    private mutating func taskNotices(_ event: DomainEvent) async throws -> [Notice] {
        guard let taskID = event.subjects["task"].flatMap(ReviewTaskID.init), let task = try await store.reviewTask(taskID),
            let submission = try await store.submission(task.submissionID)
        else { return [] }
        let title = try await exerciseTitle(submission.exerciseID)
        var arguments: [String: Message.Argument] = ["exercise": title, "task": .message(Message("notice.task.\(task.kind.rawValue)"))]
        if let due = task.dueAt { arguments["due"] = .dateTime(due) }
        let subjects = ["task": taskID.description, "submission": task.submissionID.description]
        func notice(_ kind: NoticeKind, to recipient: UserID, _ arguments: [String: Message.Argument]) -> Notice {
            Notice(recipient: recipient, kind: kind, eventID: event.id, arguments: arguments, subjects: subjects, createdAt: event.occurredAt)
        }
        var notices: [Notice] = []
        switch event.kind {
        case .reviewTaskAssigned:
            // A trainer who claims from the queue knows; peers and self reviews are told (a guest has their link).
            if let assignee = task.assignee, task.kind != .trainer, task.kind != .guest, event.actorID != assignee, task.status != .done {
                notices.append(notice(.reviewAssigned, to: assignee, arguments))
            }
        case .reviewTaskDueSoon, .reviewTaskOverdue:
            guard task.status != .done else { return [] }
            let late = event.kind == .reviewTaskOverdue
            if let assignee = task.assignee { notices.append(notice(late ? .reviewOverdue : .reviewDueSoon, to: assignee, arguments)) }
            if late {
                var cohortArguments = arguments
                if let assignee = task.assignee, let reviewer = try await user(assignee) { cohortArguments["reviewer"] = .text(reviewer.displayName) }
                for trainer in try await store.trainers(of: task.cohortID) where trainer.id != task.assignee {
                    notices.append(notice(.taskOverdue, to: trainer.id, cohortArguments))
                }
            }
        case .reviewTaskHoldExpiring:
            if let assignee = task.assignee, task.status == .claimed, let expires = task.leaseExpires {
                arguments["expires"] = .dateTime(expires)
                notices.append(notice(.holdExpiring, to: assignee, arguments))
            }
        default:
            break
        }
        return notices
    }

    /// Whether `user` may see `submission` now (a person taken out of the cohort hears no more of it).
    private mutating func maySee(_ submission: Submission, _ exercise: Exercise, _ userID: UserID) async throws -> Bool {
        // A guest reviewer hears nothing but their link.
        guard let user = try await user(userID), !user.isDisabled, !user.isGuest else { return false }
        let actor = try await store.actor(for: user)
        let learnerMemberships = try await store.memberships(of: submission.learnerID)
        return AccessPolicy.decide(actor, .view, .submission(submission, exercise: exercise, learnerMemberships: learnerMemberships)) == .allow
    }

    private mutating func exercise(_ id: ExerciseID) async throws -> Exercise? {
        if let known = exercises[id] { return known }
        let found = try await store.exercise(id)
        exercises[id] = found
        return found
    }

    private mutating func exerciseTitle(_ id: ExerciseID) async throws -> Message.Argument {
        .text(try await exercise(id)?.title ?? "")
    }

    private mutating func user(_ id: UserID) async throws -> User? {
        if let known = users[id] { return known }
        let found = try await store.user(id)
        users[id] = found
        return found
    }
}

/// Rings the bells of this process: a page's live connection waits here for its person's new
/// notices (made by this process's ``NoticeMaker``); notices another process made are found by
/// the connection's own look every few seconds.
public final class NoticeBell: Sendable {
    private let waiting = Mutex<[UserID: [UUID: AsyncStream<Void>.Continuation]]>([:])

    public init() {}

    /// A stream that yields each time `user` gets new notices, until the caller stops reading.
    public func listen(_ user: UserID) -> AsyncStream<Void> {
        let key = UUID()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        waiting.withLock { $0[user, default: [:]][key] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.waiting.withLock { waiting in
                waiting[user]?[key] = nil
                if waiting[user]?.isEmpty == true { waiting[user] = nil }
            }
        }
        return stream
    }

    /// Tells every connection of `users` that they have new notices.
    public func ring(_ users: Set<UserID>) {
        let continuations = waiting.withLock { waiting in users.flatMap { waiting[$0]?.values.map { $0 } ?? [] } }
        for continuation in continuations { continuation.yield() }
    }

    /// How many connections listen (for metrics and tests).
    public var listeners: Int { waiting.withLock { $0.values.reduce(0) { $0 + $1.count } } }
}
