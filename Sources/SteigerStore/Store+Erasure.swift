import Foundation
import SteigerCore

/// What an erasure did, or why it did nothing.
public enum ErasureOutcome: Sendable, Equatable {
    /// No such person (never was, or erased already).
    case unknown
    /// A legal hold on the person stops the erasure.
    case held
    /// The person is gone: `anonymous` stands in for them where their contributions to others'
    /// work were kept; `blobs`, `uploads` and `exports` name the files that may now go.
    case erased(anonymous: UserID, submissions: Int, blobs: [String], uploads: [String], exports: [String])
}

extension Store {
    // MARK: - Erasing a person

    /// The text that takes a person's name's place in texts Steiger wrote (notices, mails).
    public static let erasedName = "N.N."

    /// Erases `person` in one transaction: their attempts with everything on them, their media's
    /// records, uploads, account, sessions, tokens, links, memberships, notices, mails, consents,
    /// scaffolding log and standings. Their comments and reviews on others' work stay under a new
    /// anonymous account (`keepContributions`), or stay only as scores, their texts emptied. Every
    /// other mention of their id (the audit log, the outbox, others' scaffolding log) is given the
    /// anonymous account's id; their name and address are taken out of the texts Steiger wrote.
    /// Nobody else's attempts, reviews or scaffolding change.
    public func erase(_ person: UserID, keepContributions: Bool, by actor: UserID?, now: Date = Date()) async throws -> ErasureOutcome {
        let anonymous = UserID()
        return try await write { session in
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE" : ""
            let p = person.description, x = anonymous.description
            guard
                let row = try await session.query("SELECT email, display_name FROM users WHERE id = \(bind: p)\(lock)").first
            else { return .unknown }
            let email = try row.string("email"), name = try row.string("display_name")
            guard
                try await session.query("SELECT 1 FROM legal_holds WHERE subject_type = 'user' AND subject_id = \(bind: p)").isEmpty
            else { return .held }
            _ = try await session.query(
                """
                INSERT INTO users (id, email, display_name, roles, disabled, password_hash, created_at, updated_at)
                VALUES (\(bind: x), \(bind: User.erasedAddress(anonymous)), \(bind: Self.erasedName), 'learner', 1, NULL, \(bind: now), \(bind: now))
                """)

            // Their own attempts and everything on them.
            let own = try await session.query("SELECT id FROM submissions WHERE learner_id = \(bind: p)").map { try $0.string("id") }
            var blobs: Set<String> = []
            for row in try await session.query("SELECT * FROM submission_media WHERE \(SQLStatement.isIn("submission_id", own))") {
                blobs.formUnion(try Self.media(row).blobs)
            }
            let uploads = try await session.query("SELECT id FROM uploads WHERE user_id = \(bind: p)").map { try $0.string("id") }
            let exports = try await session.query("SELECT id FROM exports WHERE user_id = \(bind: p)").map { try $0.string("id") }
            if !own.isEmpty {
                let mine = SQLStatement.isIn("submission_id", own)
                for statement: SQLStatement in [
                    "DELETE FROM annotations WHERE \(mine)", "DELETE FROM reviews WHERE \(mine)", "DELETE FROM review_tasks WHERE \(mine)",
                    "DELETE FROM consents WHERE \(mine)", "DELETE FROM submission_shares WHERE \(mine)",
                    "DELETE FROM submission_media WHERE \(mine)", "DELETE FROM audit_watch_marks WHERE \(mine)",
                    "DELETE FROM uploads WHERE \(mine)",
                ] {
                    _ = try await session.query(statement)
                }
                for id in own { _ = try await session.query("DELETE FROM jobs WHERE payload LIKE \(bind: "%" + id + "%")") }
                _ = try await session.query("DELETE FROM submissions WHERE learner_id = \(bind: p)")
            }

            // Their contributions to others' work.
            if !keepContributions {
                _ = try await session.query(
                    """
                    DELETE FROM annotation_versions WHERE annotation_id IN (SELECT id FROM annotations WHERE author_id = \(bind: p))
                    """)
                _ = try await session.query(
                    """
                    UPDATE annotations SET text = '', tag = NULL, deleted_at = COALESCE(deleted_at, \(bind: now)) WHERE author_id = \(bind: p)
                    """)
                _ = try await session.query(
                    "UPDATE review_versions SET comment = '' WHERE review_id IN (SELECT id FROM reviews WHERE reviewer_id = \(bind: p))")
                _ = try await session.query("UPDATE reviews SET comment = '' WHERE reviewer_id = \(bind: p)")
            }
            _ = try await session.query("UPDATE annotations SET author_id = \(bind: x) WHERE author_id = \(bind: p)")
            _ = try await session.query("UPDATE reviews SET reviewer_id = \(bind: x) WHERE reviewer_id = \(bind: p)")
            // What they held or were assigned and did not finish goes back to its queue.
            _ = try await session.query(
                """
                UPDATE review_tasks SET assignee = NULL, status = 'open', lease_expires = NULL, updated_at = \(bind: now)
                WHERE assignee = \(bind: p) AND status = 'claimed' AND kind = 'trainer'
                """)
            // A peer review they were asked for and did not send is asked of nobody now.
            _ = try await session.query("DELETE FROM review_tasks WHERE assignee = \(bind: p) AND status <> 'done' AND kind = 'peer'")
            _ = try await session.query("UPDATE review_tasks SET assignee = \(bind: x) WHERE assignee = \(bind: p)")
            _ = try await session.query("UPDATE media_items SET owner_id = \(bind: x) WHERE owner_id = \(bind: p)")
            _ = try await session.query("UPDATE webhook_endpoints SET created_by = \(bind: x) WHERE created_by = \(bind: p)")
            _ = try await session.query("UPDATE account_links SET created_by = \(bind: x) WHERE created_by = \(bind: p)")
            _ = try await session.query("UPDATE legal_holds SET placed_by = \(bind: x) WHERE placed_by = \(bind: p)")

            // Their account and what hangs on it; first what their logs added to the dashboard.
            try await Self.untally(learner: person, in: session)
            for statement: SQLStatement in [
                "DELETE FROM scaffold_events WHERE learner_id = \(bind: p)", "DELETE FROM scaffold_states WHERE learner_id = \(bind: p)",
                "DELETE FROM sessions WHERE user_id = \(bind: p)", "DELETE FROM api_tokens WHERE user_id = \(bind: p)",
                "DELETE FROM account_links WHERE user_id = \(bind: p) OR email = \(bind: email)",
                "DELETE FROM memberships WHERE user_id = \(bind: p)", "DELETE FROM submission_shares WHERE user_id = \(bind: p)",
                "DELETE FROM consents WHERE user_id = \(bind: p)", "DELETE FROM notice_preferences WHERE user_id = \(bind: p)",
                "DELETE FROM notices WHERE recipient = \(bind: p)", "DELETE FROM mails WHERE user_id = \(bind: p) OR address = \(bind: email)",
                "DELETE FROM mail_failures WHERE address = \(bind: email)", "DELETE FROM uploads WHERE user_id = \(bind: p)",
                "DELETE FROM audit_watch_marks WHERE actor_id = \(bind: p)", "DELETE FROM demo_records WHERE id = \(bind: p)",
                "DELETE FROM exports WHERE user_id = \(bind: p)", "DELETE FROM manager_links WHERE manager_id = \(bind: p) OR person_id = \(bind: p)",
                "DELETE FROM encouragements WHERE person_id = \(bind: p) OR manager_id = \(bind: p)",
                "DELETE FROM team_summaries WHERE manager_id = \(bind: p)",
            ] {
                _ = try await session.query(statement)
            }

            // Every other mention: the id becomes the anonymous account's; the name and the address
            // leave the texts Steiger wrote.
            for (table, column) in [
                ("audit_log", "actor_id"), ("audit_log", "owner_id"), ("audit_log", "subject_id"), ("outbox_events", "actor_id"),
                ("jobs", "fair_key"),
            ] {
                _ = try await session.query("UPDATE \(raw: table) SET \(raw: column) = \(bind: x) WHERE \(raw: column) = \(bind: p)")
            }
            let texts = [
                ("audit_log", "detail"), ("audit_log", "dedupe"), ("outbox_events", "subjects"), ("outbox_events", "data"),
                ("scaffold_events", "payload"), ("notices", "arguments"), ("notices", "subjects"), ("mails", "message"), ("jobs", "payload"),
            ]
            // The name is replaced where a JSON text holds it as a whole value ("Lea", not the "Lea"
            // in "Leah" or a "0" in a number): replacing it anywhere would break the texts of others.
            let json = { (text: String) in String(decoding: (try? JSONEncoder().encode(text)) ?? Data(), as: UTF8.self) }
            let jsonTexts: Set<String> = ["subjects", "data", "payload", "arguments"]
            for (table, column) in texts {
                var replacements = [(p, x), (email, User.erasedAddress(anonymous))]
                if jsonTexts.contains(column) { replacements.append((json(name), json(Self.erasedName))) }
                for (old, new) in replacements where !old.isEmpty && old != "\"\"" {
                    _ = try await session.query(
                        """
                        UPDATE \(raw: table) SET \(raw: column) = REPLACE(\(raw: column), \(bind: old), \(bind: new))
                        WHERE \(raw: column) LIKE \(bind: "%" + old + "%")
                        """)
                }
            }
            _ = try await session.query("DELETE FROM users WHERE id = \(bind: p)")
            try await Self.audit(
                AuditEntry(
                    at: now, actorID: actor, action: .personErased, subjectType: "user", subjectID: x,
                    detail: "attempts:\(own.count) contributions:\(keepContributions ? "kept" : "emptied")"), in: session)
            return .erased(anonymous: anonymous, submissions: own.count, blobs: blobs.sorted(), uploads: uploads, exports: exports)
        }
    }
}
