import Foundation
import SteigerCore

extension Store {
    // MARK: - Who may watch a recording

    /// Gives submission `id` the audience `audience` and says whether its feedback is shown in the
    /// library, in one transaction: `consent` (for the library) is recorded as given, in place of
    /// any that stood; leaving the library withdraws every consent that stood and a trainer's approval. A practice take sent
    /// for review now that it is ready records `submission.ready` (its reviews are planned by
    /// ``planReviews(for:now:)``). - Throws: ``StoreError/notFound(_:)`` when it does not exist.
    public func setAudience(_ id: SubmissionID, to audience: Audience, sharesFeedback: Bool, consent: Consent?, now: Date = Date()) async throws {
        try await write { session in
            // Locked on PostgreSQL, as the pipeline's change of status locks it: whichever comes
            // second sees the other's change, so a take sent for review as it becomes ready is
            // announced once, by one of them.
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE" : ""
            guard
                let row = try await session.query(
                    "SELECT \(raw: Self.submissionColumns) FROM submissions WHERE id = \(bind: id.description)\(lock)"
                ).first
            else { throw StoreError.notFound("submission \(id)") }
            let before = try Self.submission(row, sharedWith: [])
            let leavesLibrary = before.audience == .cohort && audience != .cohort
            _ = try await session.query(
                """
                UPDATE submissions SET audience = \(bind: audience.rawValue), shares_feedback = \(bind: audience == .cohort && sharesFeedback),
                    library_approved_at = \(bind: leavesLibrary ? nil : before.libraryApprovedAt), updated_at = \(bind: now)
                WHERE id = \(bind: id.description)
                """)
            func audit(_ action: AuditEntry.Action, _ detail: String) async throws {
                try await Self.audit(
                    AuditEntry(
                        at: now, actorID: before.learnerID, action: action, subjectType: "submission", subjectID: id.description,
                        ownerID: before.learnerID, detail: detail), in: session)
            }
            if before.audience != audience { try await audit(.audienceChanged, "\(before.audience.rawValue) → \(audience.rawValue)") }
            if leavesLibrary || consent != nil {
                // A new consent replaces the one that stood (what goes with it changed).
                let withdrawn = try await session.query(
                    """
                    UPDATE consents SET withdrawn_at = \(bind: now) WHERE submission_id = \(bind: id.description) AND withdrawn_at IS NULL
                    RETURNING wording
                    """)
                for row in withdrawn { try await audit(.consentWithdrawn, try row.string("wording")) }
            }
            if let consent {
                _ = try await session.query(
                    """
                    INSERT INTO consents (id, submission_id, user_id, audience, wording, with_feedback, given_at)
                    VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: id.description), \(bind: consent.userID.description),
                            \(bind: consent.audience.rawValue), \(bind: consent.wording), \(bind: consent.withFeedback), \(bind: consent.givenAt))
                    """)
                try await audit(.consentGiven, consent.wording)
            }
            if !before.audience.isReviewed, audience.isReviewed, before.status == .ready {
                try await Self.record(
                    DomainEvent(
                        .submissionReady, at: now,
                        subjects: [
                            "submission": id.description, "learner": before.learnerID.description, "exercise": before.exerciseID.description,
                        ]), in: session)
            }
        }
    }

    /// Records `trainer`'s approval of submission `id` for its cohort's library (the first one stands).
    public func approveForLibrary(_ id: SubmissionID, by trainer: UserID, now: Date = Date()) async throws {
        try await write { session in
            let approved = try await session.query(
                """
                UPDATE submissions SET library_approved_at = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: id.description) AND library_approved_at IS NULL
                RETURNING learner_id
                """)
            if let row = approved.first {
                try await Self.audit(
                    AuditEntry(
                        at: now, actorID: trainer, action: .libraryApproved, subjectType: "submission", subjectID: id.description,
                        ownerID: try row.id("learner_id")), in: session)
            }
        }
    }

    /// The consents given for submission `id`, oldest first, withdrawn ones included.
    public func consents(of id: SubmissionID) async throws -> [Consent] {
        try await read { session in
            try await session.query(
                """
                SELECT submission_id, user_id, audience, wording, with_feedback, given_at, withdrawn_at FROM consents
                WHERE submission_id = \(bind: id.description) ORDER BY given_at, id
                """
            ).map { row in
                guard let audience = Audience(rawValue: try row.string("audience")) else { throw StoreError.corrupt("consent audience") }
                return Consent(
                    submissionID: try row.id("submission_id"), userID: try row.id("user_id"), audience: audience,
                    wording: try row.string("wording"), withFeedback: try row.bool("with_feedback"), givenAt: try row.date("given_at"),
                    withdrawnAt: try row.optionalDate("withdrawn_at"))
            }
        }
    }

    /// Attempts shared to the library of `exercise` (nil: any) by learners of `cohorts` (nil: any
    /// cohort) who practise the exercise there, playable, newest first (up to 200); whether each
    /// may stand there yet (a trainer's approval) is the access policy's to say.
    public func libraryCandidates(exercise: ExerciseID?, cohorts: Set<CohortID>?) async throws -> [Submission] {
        var filters: [SQLStatement] = [
            "submissions.audience = 'cohort'", "submissions.status IN ('ready', 'reviewed')",
            // A recording whose media were removed under a retention policy has nothing left to show.
            "NOT EXISTS (SELECT 1 FROM submission_media sm WHERE sm.submission_id = submissions.id AND sm.removed_at IS NOT NULL)",
        ]
        if let exercise { filters.append("submissions.exercise_id = \(bind: exercise.description)") }
        if let cohorts {
            guard !cohorts.isEmpty else { return [] }
            filters.append(
                """
                EXISTS (SELECT 1 FROM memberships m JOIN exercise_cohorts ec ON ec.cohort_id = m.cohort_id
                        WHERE m.user_id = submissions.learner_id AND m.part = 'learner' AND ec.exercise_id = submissions.exercise_id
                        AND \(SQLStatement.isIn("m.cohort_id", cohorts)))
                """)
        }
        let condition = SQLStatement.joined(filters, separator: " AND ")
        return try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.submissionColumns) FROM submissions WHERE \(condition)
                ORDER BY submissions.created_at DESC, submissions.id LIMIT 200
                """
            ).map { try Self.submission($0, sharedWith: []) }
        }
    }

    /// Creates the review tasks that submission `id`'s audience calls for and it does not have yet,
    /// in the cohort where its learner practises the exercise: none for a private practice take,
    /// no peers when only the trainers may watch it. Planning twice adds nothing.
    public func planReviews(for id: SubmissionID, now: Date = Date()) async throws {
        guard let submission = try await submission(id), submission.status == .ready || submission.status == .reviewed,
            submission.audience.isReviewed, let exercise = try await exercise(submission.exerciseID)
        else { return }
        let existing = Set(try await reviewTasks(of: id).map(\.kind))
        let cohorts = try await memberships(of: submission.learnerID)
            .filter { $0.part == .learner && exercise.cohorts.contains($0.cohortID) }.map(\.cohortID)
        guard let cohort = cohorts.min(by: { $0.description < $1.description }) else { return }
        var settings = exercise.review
        if submission.audience < .peers || existing.contains(.peer) { settings.peerReviewers = 0 }
        let tasks = ReviewPlan.tasks(
            for: submission, cohort: cohort, settings: settings, learners: try await activeLearners(in: cohort),
            peers: settings.peerReviewers > 0 ? try await peerPool(in: cohort, exercise: exercise) : PeerPool(),
            managers: settings.closingTest && !existing.contains(.manager)
                ? try await managers(of: submission.learnerID).filter { $0.has(.manager) && !$0.isDisabled }.map(\.id) : [],
            now: now
        ).filter { !existing.contains($0.kind) }
        if !tasks.isEmpty { try await createReviewTasks(tasks, now: now) }
    }
}
