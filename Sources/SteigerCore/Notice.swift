import Foundation

extension IdentifierTag {
    /// Notices (notifications to one person).
    public enum Notice {}
}

/// Identifies a notice.
public typealias NoticeID = Identifier<IdentifierTag.Notice>

/// What a person is told about, by a stable name (`feedback.ready`) that the API, the
/// preferences and the catalogues (`notice.<name>`) use. Each kind has the people it is for and
/// how it reaches them unless they choose otherwise.
public enum NoticeKind: String, Sendable, Codable, CaseIterable {
    // For learners.
    /// A trainer's or peer's review of one's attempt was sent.
    case feedbackReady = "feedback.ready"
    /// The download of all their data that a person asked for is ready.
    case exportReady = "export.ready"
    /// Someone answered one's comment, or in a thread one took part in.
    case commentReply = "comment.reply"
    /// A support was withdrawn (with the sentence that explains it).
    case supportWithdrawn = "support.withdrawn"
    /// A support was put back.
    case supportReinstated = "support.reinstated"
    /// The review of one's kick-off attempt set the level one starts at (with the sentence that explains it).
    case kickOffPlaced = "kickoff.placed"
    /// A recheck fell due: record the exercise again to show the skill held.
    case recheckDue = "recheck.due"
    /// One is asked to try a skill at work and report on it.
    case transferAssigned = "transfer.assigned"
    /// A trainer or one's manager reviewed one's report from work.
    case transferReviewed = "transfer.reviewed"
    /// One's manager sent a word of encouragement (with its text).
    case encouragement = "encouragement"
    /// An attempt could not be used (with the reason and what to do).
    case attemptFailed = "attempt.failed"
    /// A peer or self review was given to one.
    case reviewAssigned = "review.assigned"
    /// One's review falls due within 24 hours.
    case reviewDueSoon = "review.due_soon"
    /// One's review is overdue.
    case reviewOverdue = "review.overdue"
    // For trainers and managers.
    /// A learner one trains or manages reported on trying a skill at work.
    case transferReported = "transfer.reported"
    // For trainers.
    /// New attempts wait in the queue of a cohort one trains (one notice counts them until read).
    case queueWaiting = "queue.waiting"
    /// One's hold on a review runs out within minutes.
    case holdExpiring = "hold.expiring"
    /// A review task in a cohort one trains is overdue.
    case taskOverdue = "cohort.task_overdue"
    /// A learner one trains made no progress at one level; full support is back.
    case learnerStalled = "learner.stalled"
    // For managers.
    /// The month's summary of one's team: each person's attempts and changes of support.
    case teamSummary = "team.summary"
    // For administrators.
    /// A webhook endpoint was switched off because nothing reached it.
    case webhookDisabled = "webhook.disabled"
    /// Processing gave up on an attempt (the server's failure, not the recording's).
    case jobGaveUp = "job.gave_up"

    /// The role a kind is for (people see the kinds of their roles in their preferences).
    public var role: Role {
        switch self {
        case .feedbackReady, .commentReply, .supportWithdrawn, .supportReinstated, .attemptFailed, .reviewAssigned, .reviewDueSoon,
            .reviewOverdue, .exportReady, .kickOffPlaced, .recheckDue, .encouragement, .transferAssigned, .transferReviewed:
            .learner
        case .queueWaiting, .holdExpiring, .taskOverdue, .learnerStalled, .transferReported: .trainer
        case .webhookDisabled, .jobGaveUp: .admin
        case .teamSummary: .manager
        }
    }

    /// How a kind reaches a person who has not chosen: what needs them soon comes at once, what
    /// only keeps them informed comes in the daily digest.
    public var defaultDelivery: NoticeDelivery {
        switch self {
        case .queueWaiting, .taskOverdue, .jobGaveUp: .digest
        default: .immediately
        }
    }

    /// Kinds whose news is gone within minutes (a hold running out): mailed even in quiet hours,
    /// since a person who is reviewing then wants to know.
    public var isUrgent: Bool { self == .holdExpiring }

    /// Kinds that tell of one thing at a time collect into one unread notice per group (the
    /// cohort's queue): "3 new attempts wait" rather than three notices.
    public var isBatched: Bool { self == .queueWaiting }
}

/// How a kind of notice reaches a person by e-mail. In the app a notice shows unless it is off.
public enum NoticeDelivery: String, Sendable, Codable, CaseIterable {
    /// An e-mail for each, as it happens (outside quiet hours).
    case immediately
    /// Collected in one e-mail a day at the hour the person chose.
    case digest
    /// Under the bell in the app only, no e-mail (what a mail's one-click unsubscribe sets).
    case app
    /// Not at all: no e-mail and nothing in the app.
    case off
}

/// One thing one person is told about: made from an event of the outbox for each person who
/// should hear of it and may see it, with the names it needs kept at that moment (a title, a
/// learner's name for their trainer; never a name the reader may not know, such as an
/// anonymous peer's).
public struct Notice: Sendable, Equatable, Identifiable {
    public var id: NoticeID
    /// Whom it is for.
    public var recipient: UserID
    public var kind: NoticeKind
    /// The event it was made from (one notice per person, kind and event).
    public var eventID: UUID?
    /// The values of its text (`notice.<kind>` in the catalogues), by placeholder.
    public var arguments: [String: Message.Argument]
    /// The ids its link needs, by name: `submission`, `task`, `exercise`, `learner`, `endpoint`, `comment`.
    public var subjects: [String: String]
    /// How many things it stands for (more than one only for batched kinds).
    public var count: Int
    /// When it was made, and when it last grew (batched kinds).
    public var createdAt: Date
    public var updatedAt: Date
    /// When the person read it (nil: unread).
    public var readAt: Date?

    public init(
        id: NoticeID = NoticeID(), recipient: UserID, kind: NoticeKind, eventID: UUID?, arguments: [String: Message.Argument] = [:],
        subjects: [String: String] = [:], count: Int = 1, createdAt: Date, updatedAt: Date? = nil, readAt: Date? = nil
    ) {
        self.id = id
        self.recipient = recipient
        self.kind = kind
        self.eventID = eventID
        self.arguments = arguments
        self.subjects = subjects
        self.count = count
        self.createdAt = createdAt.wholeMilliseconds
        self.updatedAt = (updatedAt ?? createdAt).wholeMilliseconds
        self.readAt = readAt?.wholeMilliseconds
    }

    /// Whether the person has read it.
    public var isRead: Bool { readAt != nil }

    /// Which unread notice a batched kind adds to: one per person, kind and group.
    public var group: String? {
        kind.isBatched ? subjects["cohort"].map { "cohort:\($0)" } : nil
    }

    /// The one-line text: `notice.<kind>` with its arguments and count.
    public var message: Message {
        var arguments = arguments
        arguments["count"] = .integer(count)
        return Message("notice.\(kind.rawValue)", arguments)
    }

    /// A second line where the kind has more to say (the explanation of a support's change, a
    /// failure's reason and what to do, when a review is due, whose it is); nil otherwise.
    public var detail: Message? {
        switch kind {
        case .supportWithdrawn, .supportReinstated, .kickOffPlaced:
            if case .message(let explanation)? = arguments["explanation"] { return explanation }
            return nil
        case .recheckDue:
            return arguments["days"].map { Message("notice.recheckDays", ["days": $0]) }
        case .encouragement:
            return arguments["text"].map { Message("notice.encouragementText", ["text": $0]) }
        case .teamSummary:
            return arguments["lines"].map { Message("notice.teamSummaryLines", ["lines": $0]) }
        case .attemptFailed, .jobGaveUp:
            let key = arguments["serverFailure"] == .text("yes") ? "notice.failed.server" : "notice.failed.recording"
            return Message(key, ["reason": arguments["reason"] ?? .message(Message("notice.failed.noReason"))])
        case .reviewAssigned, .reviewDueSoon, .reviewOverdue:
            return arguments["due"].map { Message("notice.due", ["due": $0]) }
        case .taskOverdue:
            return arguments["reviewer"].map { Message("notice.assignedTo", ["reviewer": $0]) }
        default:
            return nil
        }
    }

    /// The page it is about, as a path of this site: the attempt (at the comment), the review,
    /// the learner's exercise, the queue, the learner's timeline, the endpoint.
    public var link: String {
        func path(_ prefix: String, _ subject: String, fallback: String) -> String {
            subjects[subject].flatMap(UUIDText.parse).map { prefix + UUIDText.lowercase($0) } ?? fallback
        }
        switch kind {
        case .feedbackReady, .attemptFailed:
            return path("/learn/submissions/", "submission", fallback: "/learn")
        case .commentReply:
            // The learner's own attempt page, or the reviewer's page of their task.
            let page = subjects["task"] != nil ? path("/review/", "task", fallback: "/") : path("/learn/submissions/", "submission", fallback: "/")
            return subjects["comment"].flatMap(UUIDText.parse).map { page + "#comment-" + UUIDText.lowercase($0) } ?? page
        case .supportWithdrawn, .supportReinstated, .kickOffPlaced, .recheckDue:
            return path("/learn/exercises/", "exercise", fallback: "/learn")
        case .reviewAssigned, .reviewDueSoon, .reviewOverdue, .holdExpiring:
            return path("/review/", "task", fallback: "/train")
        case .queueWaiting, .taskOverdue:
            return "/train"
        case .learnerStalled:
            guard let exercise = subjects["exercise"].flatMap(UUIDText.parse), let learner = subjects["learner"].flatMap(UUIDText.parse)
            else { return "/train" }
            return "/train/exercises/\(UUIDText.lowercase(exercise))/learners/\(UUIDText.lowercase(learner))"
        case .webhookDisabled:
            return path("/admin/webhooks/", "endpoint", fallback: "/admin/webhooks")
        case .jobGaveUp:
            return "/admin"
        case .exportReady:
            return "/settings/data"
        case .encouragement:
            return "/notifications"
        case .teamSummary:
            return "/team"
        case .transferAssigned, .transferReviewed, .transferReported:
            return path("/transfer/", "transfer", fallback: "/learn")
        }
    }
}

/// A person's choices about notices: how each kind reaches them, their time zone, the local
/// hour of their digest and their quiet hours (no e-mail then; what came waits until they end).
public struct NoticeSettings: Sendable, Equatable {
    /// The kinds set otherwise than their default.
    public var deliveries: [NoticeKind: NoticeDelivery]
    /// An IANA time zone (`Europe/Amsterdam`); every time the person reads is in it.
    public var timeZone: String
    /// The local hour (0–23) the daily digest goes out.
    public var digestHour: Int
    /// Quiet hours, local, from `quietStart` up to `quietEnd` (equal: none).
    public var quietStart: Int
    public var quietEnd: Int

    public init(
        deliveries: [NoticeKind: NoticeDelivery] = [:], timeZone: String = "UTC", digestHour: Int = 8, quietStart: Int = 22, quietEnd: Int = 7
    ) {
        self.deliveries = deliveries
        self.timeZone = timeZone
        self.digestHour = digestHour
        self.quietStart = quietStart
        self.quietEnd = quietEnd
    }

    /// How `kind` reaches the person.
    public func delivery(_ kind: NoticeKind) -> NoticeDelivery { deliveries[kind] ?? kind.defaultDelivery }

    /// The person's time zone (UTC when the name is unknown).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    /// Checks the fields. - Throws: ``ValidationError`` naming each bad one.
    public func validate() throws(ValidationError) {
        var validator = Validator()
        validator.check(TimeZone(identifier: timeZone) != nil, "timeZone", Message("validation.timeZone"))
        for (field, hour) in [("digestHour", digestHour), ("quietStart", quietStart), ("quietEnd", quietEnd)] {
            validator.check((0...23).contains(hour), field, Message("validation.hour"))
        }
        try validator.finish()
    }

    /// Whether `date` falls in the quiet hours.
    public func isQuiet(at date: Date) -> Bool {
        guard quietStart != quietEnd else { return false }
        let hour = Self.calendar(zone).component(.hour, from: date)
        return quietStart < quietEnd ? (quietStart..<quietEnd).contains(hour) : hour >= quietStart || hour < quietEnd
    }

    /// The first moment at or after `date` outside the quiet hours.
    public func afterQuietHours(_ date: Date) -> Date {
        guard isQuiet(at: date) else { return date }
        return Self.nextLocal(hour: quietEnd, after: date, in: zone)
    }

    /// When the next digest after `date` goes out: the coming `digestHour` o'clock, local time.
    public func nextDigest(after date: Date) -> Date { Self.nextLocal(hour: digestHour, after: date, in: zone) }

    /// The first whole local `hour` o'clock after `date` (across daylight-saving changes: an hour
    /// the clocks skip is the first moment after it).
    static func nextLocal(hour: Int, after date: Date, in zone: TimeZone) -> Date {
        let calendar = calendar(zone)
        return calendar.nextDate(after: date, matching: DateComponents(hour: hour, minute: 0, second: 0), matchingPolicy: .nextTime)
            ?? date.addingTimeInterval(24 * 3600)
    }

    static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}
