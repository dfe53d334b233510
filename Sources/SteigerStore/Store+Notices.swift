import Foundation
import SteigerCore

extension Store {
    // MARK: - Notices

    /// Records the notices made from `lease`'s events and moves the consumer's cursor past them,
    /// in one transaction: a crash never records half a batch or skips one. A notice of a batched
    /// kind adds to its person's unread notice of the same group (counted, moved to the top)
    /// instead of making another; any other is made once per person, kind and event.
    /// `mails` are queued with the notices they tell of: a mail for a notice that was not made
    /// (made before) or that grew an unread one (batched) is not queued.
    /// - Returns: the notices made or grown, nil when the lease was lost (nothing recorded).
    /// Notices in `digests` wait for their person's daily summary, which is then due at the time
    /// given (unless one is due already; the row is written either way, so a summary being sent
    /// meanwhile is waited for and this notice gets the next one).
    public func recordNotices(
        _ notices: [Notice], mails: [NoticeID: QueuedMail] = [:], digests: [NoticeID: Date] = [:], for lease: OutboxLease,
        leaseFor seconds: TimeInterval, now: Date = Date()
    ) async throws -> [Notice]? {
        do {
            return try await write { session in
                var recorded: [Notice] = []
                for notice in notices {
                    guard let made = try await Self.insert(notice, in: session) else { continue }
                    recorded.append(made)
                    if made.id == notice.id, let mail = mails[notice.id] { try await Self.insert(mail, now: now, in: session) }
                    if let due = digests[notice.id] {
                        _ = try await session.query("UPDATE notices SET in_digest = 1 WHERE id = \(bind: made.id.description)")
                        _ = try await session.query(
                            """
                            UPDATE users SET next_digest_at = COALESCE(next_digest_at, \(bind: due))
                            WHERE id = \(bind: made.recipient.description)
                            """)
                    }
                }
                guard let last = lease.entries.last else { return recorded }
                guard
                    try await Self.acknowledge(
                        consumer: lease.consumer, owner: lease.owner, through: last.position, lease: seconds, now: now, in: session)
                else { throw LostNoticeLease() }
                return recorded
            }
        } catch is LostNoticeLease {
            return nil
        }
    }

    private struct LostNoticeLease: Error {}

    static func insert(_ notice: Notice, in session: any DatabaseSession) async throws -> Notice? {
        if let group = notice.group,
            let row = try await session.query(
                """
                UPDATE notices SET count = count + \(bind: notice.count), arguments = \(bind: try jsonText(notice.arguments)),
                       created_at = \(bind: notice.createdAt), updated_at = \(bind: notice.createdAt)
                WHERE recipient = \(bind: notice.recipient.description) AND kind = \(bind: notice.kind.rawValue)
                  AND group_key = \(bind: group) AND read_at IS NULL
                RETURNING \(raw: noticeColumns)
                """
            ).first
        {
            return try Self.notice(row)
        }
        return try await session.query(
            """
            INSERT INTO notices (id, recipient, kind, event_id, group_key, arguments, subjects, count, created_at, updated_at, read_at)
            VALUES (\(bind: notice.id.description), \(bind: notice.recipient.description), \(bind: notice.kind.rawValue),
                    \(bind: notice.eventID.map(UUIDText.lowercase)), \(bind: notice.group), \(bind: try jsonText(notice.arguments)),
                    \(bind: try jsonText(notice.subjects)), \(bind: notice.count), \(bind: notice.createdAt), \(bind: notice.updatedAt), NULL)
            ON CONFLICT (recipient, kind, event_id) DO NOTHING
            RETURNING \(raw: noticeColumns)
            """
        ).first.map(Self.notice)
    }

    /// `user`'s notices, newest first (only the unread ones when `unread`).
    public func notices(of user: UserID, unread: Bool = false, page: PageRequest) async throws -> Page<Notice> {
        var filters: [SQLStatement] = ["notices.recipient = \(bind: user.description)"]
        if unread { filters.append("notices.read_at IS NULL") }
        return try await self.page(
            "SELECT \(raw: Self.noticeColumns) FROM notices", table: "notices", filters: filters, request: page, decode: Self.notice)
    }

    /// How many of `user`'s notices are unread.
    public func unreadNoticeCount(of user: UserID) async throws -> Int {
        try await read { session in
            Int(
                try await session.query(
                    "SELECT COUNT(*) AS n FROM notices WHERE recipient = \(bind: user.description) AND read_at IS NULL"
                ).first?.int("n") ?? 0)
        }
    }

    /// Marks `user`'s notices read: those with `ids`, or all when `ids` is nil. Notices of others
    /// are left alone (an unknown id changes nothing). - Returns: how many were unread.
    @discardableResult
    public func markNoticesRead(of user: UserID, ids: [NoticeID]?, now: Date = Date()) async throws -> Int {
        try await write { session in
            let only: SQLStatement = ids.map { " AND \(SQLStatement.isIn("id", $0))" } ?? ""
            return try await session.query(
                """
                UPDATE notices SET read_at = \(bind: now) WHERE recipient = \(bind: user.description) AND read_at IS NULL\(only)
                RETURNING id
                """
            ).count
        }
    }

    /// `user`'s notice `id`, marked read now if it was not (nil: unknown, or someone else's).
    public func openNotice(_ id: NoticeID, of user: UserID, now: Date = Date()) async throws -> Notice? {
        try await write { session in
            _ = try await session.query(
                """
                UPDATE notices SET read_at = \(bind: now)
                WHERE id = \(bind: id.description) AND recipient = \(bind: user.description) AND read_at IS NULL
                """)
            return try await session.query(
                "SELECT \(raw: Self.noticeColumns) FROM notices WHERE id = \(bind: id.description) AND recipient = \(bind: user.description)"
            ).first.map(Self.notice)
        }
    }

    /// `user`'s choices about notices (the defaults for what they never chose).
    public func noticeSettings(of user: UserID) async throws -> NoticeSettings {
        try await read { session in try await Self.noticeSettings(of: [user], in: session)[user] ?? NoticeSettings() }
    }

    /// The choices of several people at once, for making notices.
    public func noticeSettings(of users: Set<UserID>) async throws -> [UserID: NoticeSettings] {
        guard !users.isEmpty else { return [:] }
        return try await read { session in try await Self.noticeSettings(of: users, in: session) }
    }

    /// Keeps `user`'s choices: the time zone and hours with the account, one row per kind set
    /// otherwise than its default.
    /// - Throws: ``StoreError/notFound(_:)`` for an unknown user.
    /// A daily summary already due moves to `nextDigest` (the new hour).
    public func setNoticeSettings(_ settings: NoticeSettings, of user: UserID, nextDigest: Date? = nil, now: Date = Date()) async throws {
        try await write { session in
            if let nextDigest {
                _ = try await session.query(
                    """
                    UPDATE users SET next_digest_at = \(bind: nextDigest) WHERE id = \(bind: user.description) AND next_digest_at IS NOT NULL
                    """)
            }
            guard
                try await session.query(
                    """
                    UPDATE users SET time_zone = \(bind: settings.timeZone), digest_hour = \(bind: settings.digestHour),
                           quiet_start = \(bind: settings.quietStart), quiet_end = \(bind: settings.quietEnd), updated_at = \(bind: now)
                    WHERE id = \(bind: user.description) RETURNING id
                    """
                ).first != nil
            else { throw StoreError.notFound("user \(user)") }
            _ = try await session.query("DELETE FROM notice_preferences WHERE user_id = \(bind: user.description)")
            for kind in NoticeKind.allCases {
                let delivery = settings.delivery(kind)
                guard delivery != kind.defaultDelivery else { continue }
                _ = try await session.query(
                    """
                    INSERT INTO notice_preferences (user_id, kind, delivery) VALUES (\(bind: user.description), \(bind: kind.rawValue), \(bind: delivery.rawValue))
                    """)
            }
        }
    }

    private static func noticeSettings(of users: Set<UserID>, in session: any DatabaseSession) async throws -> [UserID: NoticeSettings] {
        var settings: [UserID: NoticeSettings] = [:]
        for row in try await session.query(
            "SELECT id, time_zone, digest_hour, quiet_start, quiet_end FROM users WHERE \(SQLStatement.isIn("id", users))")
        {
            guard let id = UserID(try row.string("id")) else { continue }
            settings[id] = NoticeSettings(
                timeZone: try row.string("time_zone"), digestHour: Int(try row.int("digest_hour")), quietStart: Int(try row.int("quiet_start")),
                quietEnd: Int(try row.int("quiet_end")))
        }
        for row in try await session.query("SELECT user_id, kind, delivery FROM notice_preferences WHERE \(SQLStatement.isIn("user_id", users))") {
            guard let id = UserID(try row.string("user_id")), let kind = NoticeKind(rawValue: try row.string("kind")),
                let delivery = NoticeDelivery(rawValue: try row.string("delivery"))
            else { continue }
            settings[id]?.deliveries[kind] = delivery
        }
        return settings
    }

    /// Sends the daily summaries that are due, up to `limit` people: for each, in one
    /// transaction, the notices waiting for it (oldest first, each once), the mail `compose`
    /// makes of them, and the summary marked done; a person is taken by one process only.
    /// - Returns: how many people's summaries were due, and how many mails were queued.
    public func queueDigests(
        now: Date = Date(), limit: Int = 100, compose: @Sendable (User, [Notice]) throws -> QueuedMail?
    ) async throws -> (due: Int, queued: Int) {
        try await write { session in
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
            let due = try await session.query(
                """
                SELECT \(raw: Self.userColumns) FROM users WHERE next_digest_at <= \(bind: now)
                ORDER BY next_digest_at, id LIMIT \(bind: limit)\(lock)
                """
            ).map(Self.user)
            guard !due.isEmpty else { return (0, 0) }
            var waiting: [UserID: [Notice]] = [:]
            for row in try await session.query(
                """
                SELECT \(raw: Self.noticeColumns) FROM notices WHERE in_digest = 1 AND \(SQLStatement.isIn("recipient", due.map(\.id)))
                ORDER BY created_at, id
                """)
            {
                let notice = try Self.notice(row)
                waiting[notice.recipient, default: []].append(notice)
            }
            var queued = 0
            for user in due {
                // What the person read in the app meanwhile is not mailed again.
                let unread = (waiting[user.id] ?? []).filter { !$0.isRead }
                if !unread.isEmpty, !user.isDisabled, let mail = try compose(user, unread) {
                    try await Self.insert(mail, now: now, in: session)
                    queued += 1
                }
            }
            // Only the notices this summary holds: one made meanwhile waits for the next.
            let held = waiting.values.flatMap { $0.map(\.id) }
            if !held.isEmpty { _ = try await session.query("UPDATE notices SET in_digest = 0 WHERE \(SQLStatement.isIn("id", held))") }
            _ = try await session.query("UPDATE users SET next_digest_at = NULL WHERE \(SQLStatement.isIn("id", due.map(\.id)))")
            return (due.count, queued)
        }
    }

    // MARK: - Who hears of an event

    /// The trainers (not disabled) of the cohorts in which `learner` practises `exercise`.
    public func trainers(ofLearner learner: UserID, exercise: ExerciseID) async throws -> [User] {
        try await read { session in
            try await session.query(
                """
                SELECT DISTINCT \(raw: Self.userColumns) FROM users
                JOIN memberships t ON t.user_id = users.id AND t.part = 'trainer'
                JOIN memberships l ON l.cohort_id = t.cohort_id AND l.part = 'learner' AND l.user_id = \(bind: learner.description)
                JOIN exercise_cohorts ec ON ec.cohort_id = t.cohort_id AND ec.exercise_id = \(bind: exercise.description)
                WHERE users.disabled = 0
                """
            ).map(Self.user)
        }
    }

    /// The trainers (not disabled) of `cohort`.
    public func trainers(of cohort: CohortID) async throws -> [User] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.userColumns) FROM users JOIN memberships m ON m.user_id = users.id AND m.part = 'trainer'
                WHERE m.cohort_id = \(bind: cohort.description) AND users.disabled = 0
                """
            ).map(Self.user)
        }
    }

    /// The administrators whose accounts are not disabled.
    public func administrators() async throws -> [User] {
        try await read { session in
            try await session.query(
                "SELECT \(raw: Self.userColumns) FROM users WHERE disabled = 0 AND (',' || roles || ',') LIKE '%,admin,%'"
            ).map(Self.user)
        }
    }

    /// Everyone who wrote in the thread `comment` belongs to (its first comment and the replies,
    /// deleted ones included: they took part).
    public func threadAuthors(of comment: AnnotationID) async throws -> Set<UserID> {
        try await read { session in
            let rows = try await session.query(
                """
                SELECT DISTINCT author_id FROM annotations
                WHERE id = (SELECT COALESCE(parent_id, id) FROM annotations WHERE id = \(bind: comment.description))
                   OR parent_id = (SELECT COALESCE(parent_id, id) FROM annotations WHERE id = \(bind: comment.description))
                """)
            return Set(try rows.compactMap { UserID(try $0.string("author_id")) })
        }
    }

    static let noticeColumns =
        "notices.id, notices.recipient, notices.kind, notices.event_id, notices.arguments, notices.subjects, notices.count, notices.created_at, notices.updated_at, notices.read_at"

    static func notice(_ row: SQLRow) throws -> Notice {
        guard let id = NoticeID(try row.string("id")), let recipient = UserID(try row.string("recipient")),
            let kind = NoticeKind(rawValue: try row.string("kind"))
        else { throw StoreError.corrupt("notice \((try? row.string("id")) ?? "?")") }
        return Notice(
            id: id, recipient: recipient, kind: kind, eventID: try row.optionalString("event_id").flatMap(UUIDText.parse),
            arguments: try row.json("arguments", as: [String: Message.Argument].self), subjects: try row.json("subjects", as: [String: String].self),
            count: Int(try row.int("count")), createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"),
            readAt: try row.optionalDate("read_at"))
    }
}
