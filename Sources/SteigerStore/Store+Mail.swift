import Foundation
import SteigerCore

/// A mail ready to go: the whole message, written when it was queued. Its id is also the local
/// part of its Message-ID, so a mail sent twice after a crash is recognisably the same mail.
public struct QueuedMail: Sendable, Equatable {
    public var id: String
    public var userID: UserID?
    public var address: String
    /// What it is for: a notice's kind, `digest`, `invitation`, `password-reset`, `email-change`.
    public var purpose: String
    public var message: String
    /// Not before this time (the end of the person's quiet hours).
    public var notBefore: Date

    public init(id: String, userID: UserID?, address: String, purpose: String, message: String, notBefore: Date) {
        self.id = id
        self.userID = userID
        self.address = address
        self.purpose = purpose
        self.message = message
        self.notBefore = notBefore.wholeMilliseconds
    }
}

/// A mail as stored, with its sending so far.
public struct MailRecord: Sendable, Equatable {
    public var mail: QueuedMail
    public var status: MailStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?
}

extension Store {
    // MARK: - Mail

    /// Queues `mails` in their own transaction.
    public func queueMails(_ mails: [QueuedMail], now: Date = Date()) async throws {
        try await write { session in
            for mail in mails { try await Self.insert(mail, now: now, in: session) }
        }
    }

    static func insert(_ mail: QueuedMail, now: Date, in session: any DatabaseSession) async throws {
        _ = try await session.query(
            """
            INSERT INTO mails (id, user_id, address, purpose, message, status, attempts, next_attempt_at, created_at)
            VALUES (\(bind: mail.id), \(bind: mail.userID?.description), \(bind: mail.address), \(bind: mail.purpose), \(bind: mail.message),
                    'pending', 0, \(bind: mail.notBefore), \(bind: now))
            ON CONFLICT (id) DO NOTHING
            """)
    }

    /// Hands `owner` up to `limit` pending mails that are due, oldest first but a notice's own
    /// mail before the daily summaries (a summary of ten thousand does not hold up a review's
    /// news), for `lease` seconds;
    /// mails to an address the server refused for good are failed instead (on PostgreSQL rows
    /// another sender holds are skipped).
    public func claimMails(owner: String, lease: TimeInterval, limit: Int = 50, now: Date = Date()) async throws -> [MailRecord] {
        let due = try await read { session in
            try await session.query(
                "SELECT 1 AS due FROM mails WHERE status = 'pending' AND next_attempt_at <= \(bind: now) LIMIT 1"
            ).isEmpty == false
        }
        guard due else { return [] }
        return try await write { session in
            // A mail to a disabled account, or to an address its person has since changed, is not sent.
            _ = try await session.query(
                """
                UPDATE mails SET status = 'failed', last_error = 'the account was disabled or its address changed', lease_owner = NULL,
                       lease_expires = NULL, \(raw: Self.forgetSecrets)
                WHERE status = 'pending' AND user_id IS NOT NULL
                  AND EXISTS (SELECT 1 FROM users u WHERE u.id = mails.user_id AND (u.disabled = 1 OR u.email <> mails.address))
                """)
            _ = try await session.query(
                """
                UPDATE mails SET status = 'failed', last_error = (SELECT reason FROM mail_failures f WHERE f.address = mails.address),
                       lease_owner = NULL, lease_expires = NULL, \(raw: Self.forgetSecrets)
                WHERE status = 'pending' AND address IN (SELECT address FROM mail_failures)
                """)
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
            let ids = try await session.query(
                """
                SELECT id FROM mails
                WHERE status = 'pending' AND next_attempt_at <= \(bind: now) AND (lease_owner IS NULL OR lease_expires <= \(bind: now))
                ORDER BY CASE WHEN purpose = 'digest' THEN 1 ELSE 0 END, next_attempt_at, created_at, id LIMIT \(bind: limit)\(lock)
                """
            ).map { try $0.string("id") }
            guard !ids.isEmpty else { return [] }
            return try await session.query(
                """
                UPDATE mails SET lease_owner = \(bind: owner), lease_expires = \(bind: now.addingTimeInterval(lease))
                WHERE \(SQLStatement.isIn("id", ids)) RETURNING \(raw: Self.mailColumns)
                """
            ).map(Self.mailRecord).sorted {
                ($0.mail.purpose == "digest" ? 1 : 0, $0.nextAttemptAt, $0.createdAt, $0.mail.id)
                    < ($1.mail.purpose == "digest" ? 1 : 0, $1.nextAttemptAt, $1.createdAt, $1.mail.id)
            }
        }
    }

    /// Extends `owner`'s hold on mail `id` just before it is sent; false when the hold was lost
    /// (another sender took it over), and the mail is then left to that sender.
    public func holdMail(_ id: String, owner: String, lease: TimeInterval, now: Date = Date()) async throws -> Bool {
        try await write { session in
            !(try await session.query(
                """
                UPDATE mails SET lease_expires = \(bind: now.addingTimeInterval(lease))
                WHERE id = \(bind: id) AND lease_owner = \(bind: owner) AND status = 'pending' RETURNING id
                """
            ).isEmpty)
        }
    }

    /// Records that the server took mail `id`; false when `owner` no longer held it.
    @discardableResult
    public func recordMailSent(_ id: String, owner: String, now: Date = Date()) async throws -> Bool {
        try await write { session in
            let sent =
                !(try await session.query(
                    """
                    UPDATE mails SET status = 'sent', sent_at = \(bind: now), attempts = attempts + 1, lease_owner = NULL, lease_expires = NULL,
                           last_error = NULL
                    WHERE id = \(bind: id) AND lease_owner = \(bind: owner) AND status = 'pending' RETURNING id
                    """
                ).isEmpty)
            if sent { try await Self.forgetSecret(of: id, in: session) }
            return sent
        }
    }

    /// A mail that carries an account link holds its secret only while it may still be sent:
    /// once sent or failed for good, its text is dropped (the link's hash stays with the link).
    static let secretFreeMessage = "CASE WHEN purpose IN ('invitation', 'password-reset', 'email-change') THEN '' ELSE message END"
    static let forgetSecrets = "message = " + secretFreeMessage

    /// Drops the text of mail `id` if it carries an account link. A statement of its own, which
    /// touches no other mail: rewriting every sent mail's text with itself made PostgreSQL copy
    /// each large summary again.
    static func forgetSecret(of id: String, in session: any DatabaseSession) async throws {
        _ = try await session.query(
            """
            UPDATE mails SET message = '' WHERE id = \(bind: id) AND purpose IN ('invitation', 'password-reset', 'email-change')
            """)
    }

    /// Records a try of mail `id` that failed: tried again at `retryAt`, or failed for good when
    /// that is nil; `refusedAddress` also marks its address as one the server refuses.
    public func recordMailFailure(
        _ id: String, owner: String, error: String, retryAt: Date?, refusedAddress: Bool, now: Date = Date()
    ) async throws {
        try await write { session in
            guard
                let row = try await session.query(
                    """
                    UPDATE mails SET status = \(bind: retryAt == nil ? "failed" : "pending"), attempts = attempts + 1,
                           next_attempt_at = \(bind: retryAt ?? now), last_error = \(bind: error), lease_owner = NULL, lease_expires = NULL
                    WHERE id = \(bind: id) AND lease_owner = \(bind: owner) AND status = 'pending' RETURNING address
                    """
                ).first
            else { return }
            if retryAt == nil { try await Self.forgetSecret(of: id, in: session) }
            if refusedAddress {
                _ = try await session.query(
                    """
                    INSERT INTO mail_failures (address, reason, since) VALUES (\(bind: try row.string("address")), \(bind: error), \(bind: now))
                    ON CONFLICT (address) DO NOTHING
                    """)
            }
        }
    }

    /// Gives claimed mails back untried (the server could not be reached): due again at `retryAt`.
    public func releaseMails(_ ids: [String], owner: String, error: String, retryAt: Date, now: Date = Date()) async throws {
        guard !ids.isEmpty else { return }
        try await write { session in
            _ = try await session.query(
                """
                UPDATE mails SET attempts = attempts + 1, next_attempt_at = \(bind: retryAt), last_error = \(bind: error),
                       lease_owner = NULL, lease_expires = NULL
                WHERE \(SQLStatement.isIn("id", ids)) AND lease_owner = \(bind: owner) AND status = 'pending'
                """)
        }
    }

    /// The mails of `status`, newest first (for administrators and tests).
    public func mails(status: MailStatus? = nil, limit: Int = 200) async throws -> [MailRecord] {
        try await read { session in
            let filter: SQLStatement = status.map { " WHERE status = \(bind: $0.rawValue)" } ?? ""
            return try await session.query(
                "SELECT \(raw: Self.mailColumns) FROM mails\(filter) ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)"
            ).map(Self.mailRecord)
        }
    }

    /// How many mails stand in each state.
    public func mailCounts() async throws -> [MailStatus: Int] {
        try await read { session in
            var counts: [MailStatus: Int] = [:]
            for row in try await session.query("SELECT status, COUNT(*) AS n FROM mails GROUP BY status") {
                if let status = MailStatus(rawValue: try row.string("status")) { counts[status] = Int(try row.int("n")) }
            }
            return counts
        }
    }

    /// The addresses the mail server refused for good, newest first.
    public func mailFailures(limit: Int = 50) async throws -> [MailFailure] {
        try await read { session in
            try await session.query("SELECT address, reason, since FROM mail_failures ORDER BY since DESC LIMIT \(bind: limit)").map {
                MailFailure(address: try $0.string("address"), reason: try $0.string("reason"), since: try $0.date("since"))
            }
        }
    }

    /// Forgets that `address` was refused (a corrected address, or the server's trouble is over).
    public func clearMailFailure(_ address: String) async throws {
        try await write { session in _ = try await session.query("DELETE FROM mail_failures WHERE address = \(bind: address)") }
    }

    static let mailColumns = "id, user_id, address, purpose, message, status, attempts, next_attempt_at, last_error, created_at, sent_at"

    static func mailRecord(_ row: SQLRow) throws -> MailRecord {
        guard let status = MailStatus(rawValue: try row.string("status")) else { throw StoreError.corrupt("mail status") }
        let mail = QueuedMail(
            id: try row.string("id"), userID: try row.optionalString("user_id").flatMap(UserID.init), address: try row.string("address"),
            purpose: try row.string("purpose"), message: try row.string("message"), notBefore: try row.date("next_attempt_at"))
        return MailRecord(
            mail: mail, status: status, attempts: Int(try row.int("attempts")), nextAttemptAt: try row.date("next_attempt_at"),
            lastError: try row.optionalString("last_error"), createdAt: try row.date("created_at"), sentAt: try row.optionalDate("sent_at"))
    }
}
