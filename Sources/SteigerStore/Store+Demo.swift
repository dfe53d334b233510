import Foundation
import SteigerCore

/// What the sample programme made, by kind.
public struct DemoRecords: Sendable, Equatable {
    public var users: [UserID] = []
    public var cohorts: [CohortID] = []
    public var exercises: [ExerciseID] = []
    public var mediaItems: [MediaItemID] = []
    public var submissions: [SubmissionID] = []
    /// The language it was loaded in.
    public var language: String?

    public init() {}

    /// Whether nothing of it is there.
    public var isEmpty: Bool { users.isEmpty && cohorts.isEmpty && exercises.isEmpty && mediaItems.isEmpty && submissions.isEmpty }
}

extension Store {
    // MARK: - The sample programme

    /// Notes that the sample programme made the record `id` of `kind` (user, cohort, exercise,
    /// mediaItem, submission).
    public func recordDemo(_ kind: String, _ id: String, now: Date = Date()) async throws {
        try await write { session in
            _ = try await session.query(
                """
                INSERT INTO demo_records (kind, id, created_at) VALUES (\(bind: kind), \(bind: id), \(bind: now))
                ON CONFLICT (kind, id) DO NOTHING
                """)
        }
    }

    /// What the sample programme made, oldest first.
    public func demoRecords() async throws -> DemoRecords {
        try await read { session in
            var records = DemoRecords()
            for row in try await session.query("SELECT kind, id FROM demo_records ORDER BY created_at, id") {
                let id = try row.string("id")
                switch try row.string("kind") {
                case "user": UserID(id).map { records.users.append($0) }
                case "cohort": CohortID(id).map { records.cohorts.append($0) }
                case "exercise": ExerciseID(id).map { records.exercises.append($0) }
                case "mediaItem": MediaItemID(id).map { records.mediaItems.append($0) }
                case "submission": SubmissionID(id).map { records.submissions.append($0) }
                case "language": records.language = id
                default: break
                }
            }
            return records
        }
    }

    /// Removes everything the sample programme made, and all that hangs on it (attempts, their
    /// media records, reviews, comments, levels, notices, sessions), in one transaction. The
    /// outbox and the event history keep what happened. - Returns: whether there was anything.
    @discardableResult
    public func removeDemo() async throws -> Bool {
        let records = try await demoRecords()
        guard !records.isEmpty else { return false }
        return try await write { session in
            // Notices and mails for its people are made by consumers running beside this; on
            // PostgreSQL they wait until the people are gone (SQLite has one writer anyway).
            if session.dialect == .postgresql { _ = try await session.query("LOCK TABLE notices, mails IN SHARE ROW EXCLUSIVE MODE") }
            let users = records.users.map(\.description), submissions = records.submissions.map(\.description)
            let exercises = records.exercises.map(\.description), cohorts = records.cohorts.map(\.description)
            let items = records.mediaItems.map(\.description)
            // Any attempt of a demo learner or at the demo exercise, not only those recorded.
            let attempts: SQLStatement = """
                (SELECT id FROM submissions WHERE \(SQLStatement.isIn("id", submissions)) OR \(SQLStatement.isIn("learner_id", users))
                 OR \(SQLStatement.isIn("exercise_id", exercises)))
                """
            let statements: [SQLStatement] = [
                """
                DELETE FROM review_versions WHERE review_id IN
                    (SELECT id FROM reviews WHERE submission_id IN \(attempts) OR \(SQLStatement.isIn("reviewer_id", users)))
                """,
                "DELETE FROM reviews WHERE submission_id IN \(attempts) OR \(SQLStatement.isIn("reviewer_id", users))",
                "DELETE FROM review_tasks WHERE submission_id IN \(attempts) OR \(SQLStatement.isIn("assignee", users))",
                """
                DELETE FROM annotation_versions WHERE annotation_id IN
                    (SELECT id FROM annotations WHERE submission_id IN \(attempts) OR \(SQLStatement.isIn("author_id", users)))
                """,
                "DELETE FROM annotations WHERE submission_id IN \(attempts) OR \(SQLStatement.isIn("author_id", users))",
                "DELETE FROM submission_shares WHERE submission_id IN \(attempts) OR \(SQLStatement.isIn("user_id", users))",
                "DELETE FROM submission_media WHERE submission_id IN \(attempts)",
                "DELETE FROM uploads WHERE submission_id IN \(attempts) OR \(SQLStatement.isIn("user_id", users))",
                "DELETE FROM submissions WHERE id IN \(attempts)",
                "DELETE FROM scaffold_events WHERE \(SQLStatement.isIn("learner_id", users))",
                "DELETE FROM scaffold_states WHERE \(SQLStatement.isIn("learner_id", users))",
                "DELETE FROM notices WHERE \(SQLStatement.isIn("recipient", users))",
                "DELETE FROM notice_preferences WHERE \(SQLStatement.isIn("user_id", users))",
                "DELETE FROM mails WHERE \(SQLStatement.isIn("user_id", users))",
                "DELETE FROM account_links WHERE \(SQLStatement.isIn("user_id", users))",
                "DELETE FROM sessions WHERE \(SQLStatement.isIn("user_id", users))",
                "DELETE FROM api_tokens WHERE \(SQLStatement.isIn("user_id", users))",
                "DELETE FROM media_items WHERE \(SQLStatement.isIn("id", items)) OR \(SQLStatement.isIn("owner_id", users))",
                "DELETE FROM exercise_cohorts WHERE \(SQLStatement.isIn("exercise_id", exercises)) OR \(SQLStatement.isIn("cohort_id", cohorts))",
                "DELETE FROM exercises WHERE \(SQLStatement.isIn("id", exercises))",
                "DELETE FROM memberships WHERE \(SQLStatement.isIn("cohort_id", cohorts)) OR \(SQLStatement.isIn("user_id", users))",
                "DELETE FROM cohorts WHERE \(SQLStatement.isIn("id", cohorts))",
                "DELETE FROM users WHERE \(SQLStatement.isIn("id", users))",
                "DELETE FROM demo_records",
            ]
            for statement in statements { _ = try await session.query(statement) }
            return true
        }
    }
}
