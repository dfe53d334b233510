import Foundation
import SteigerCore

extension Store {
    // MARK: - Uploads

    /// Records a new upload; with `quota`, only if the user's stored and announced bytes stay
    /// within it, checked and reserved in the same transaction (concurrent creations cannot all pass).
    /// - Throws: ``StoreError/quotaExceeded(used:)``.
    public func createUpload(_ upload: Upload, quota: Int64? = nil) async throws {
        let metadata = try Self.jsonText(upload.metadata)
        try await write { session in
            if let quota {
                if session.dialect == .postgresql {
                    // One learner's quota checks run one at a time.
                    _ = try await session.query("SELECT pg_advisory_xact_lock(hashtext(\(bind: "quota:" + upload.userID.description)))")
                }
                let used = try await Self.bytesInUse(by: upload.userID, in: session)
                if used + upload.length > quota { throw StoreError.quotaExceeded(used: used) }
            }
            // The attempt is made at the level, and for the purpose, the learner has when they start sending it.
            var next: (level: Int, purpose: AttemptPurpose)?
            if let exercise = upload.exerciseID {
                next = try await Self.nextAttempt(learner: upload.userID, exercise: exercise, now: upload.createdAt, in: session)
            }
            _ = try await session.query(
                """
                INSERT INTO uploads (id, user_id, exercise_id, file_name, length, received, metadata, created_at, expires_at, scaffold_level,
                                     purpose)
                VALUES (\(bind: upload.id), \(bind: upload.userID.description), \(bind: upload.exerciseID?.description), \(bind: upload.fileName),
                        \(bind: upload.length), \(bind: upload.received), \(bind: metadata), \(bind: upload.createdAt), \(bind: upload.expiresAt),
                        \(bind: next?.level), \(bind: next?.purpose.rawValue))
                """)
        }
    }

    /// Records the SHA-256 of an upload whose last byte has arrived.
    public func setUploadSHA256(_ id: String, _ sha256: String) async throws {
        try await write { session in _ = try await session.query("UPDATE uploads SET sha256 = \(bind: sha256) WHERE id = \(bind: id)") }
    }

    /// Sets the final length of an upload whose size was only reserved (one streaming request).
    public func setUploadLength(_ id: String, length: Int64) async throws {
        try await write { session in
            _ = try await session.query("UPDATE uploads SET length = \(bind: length), received = \(bind: length) WHERE id = \(bind: id)")
        }
    }

    /// Removes an upload only if it is still unfinished and expired. - Returns: whether it did.
    public func deleteExpiredUpload(_ id: String, now: Date = Date()) async throws -> Bool {
        try await write { session in
            !(try await session.query(
                """
                DELETE FROM uploads WHERE id = \(bind: id) AND submission_id IS NULL AND media_item_id IS NULL AND expires_at <= \(bind: now) RETURNING id
                """
            ).isEmpty)
        }
    }

    /// The upload with `id`.
    public func upload(_ id: String) async throws -> Upload? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.uploadColumns) FROM uploads WHERE id = \(bind: id)").first.map(Self.upload)
        }
    }

    /// Records how many bytes have arrived (and pushes the expiry out), only while `writer` still
    /// holds the claim; when `releasing`, gives the claim back in the same statement.
    /// - Returns: false when the claim was lost (the writer must stop).
    @discardableResult
    public func setUploadReceived(_ id: String, received: Int64, expiresAt: Date, writer: String, releasing: Bool) async throws -> Bool {
        try await write { session in
            let release: SQLStatement = releasing ? ", writer = NULL, writer_expires = NULL" : ""
            return
                !(try await session.query(
                    """
                    UPDATE uploads SET received = \(bind: received), expires_at = \(bind: expiresAt)\(release)
                    WHERE id = \(bind: id) AND writer = \(bind: writer) RETURNING id
                    """
                ).isEmpty)
        }
    }

    /// Forgets an upload. - Returns: whether it existed.
    @discardableResult
    public func deleteUpload(_ id: String) async throws -> Bool {
        try await write { session in !(try await session.query("DELETE FROM uploads WHERE id = \(bind: id) RETURNING id").isEmpty) }
    }

    /// Unfinished uploads whose expiry has passed.
    public func expiredUploads(now: Date = Date()) async throws -> [Upload] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.uploadColumns) FROM uploads WHERE submission_id IS NULL AND media_item_id IS NULL AND expires_at <= \(bind: now)
                """
            ).map(Self.upload)
        }
    }

    /// Every unfinished upload, expired or not (for the sweeper to match files against).
    public func unfinishedUploads() async throws -> [Upload] {
        try await read { session in
            try await session.query("SELECT \(raw: Self.uploadColumns) FROM uploads WHERE submission_id IS NULL AND media_item_id IS NULL").map(
                Self.upload)
        }
    }

    /// Bytes a user holds or has announced: the originals of their submissions plus the full
    /// length of their unfinished uploads (for the quota).
    public func bytesInUse(by user: UserID) async throws -> Int64 {
        try await read { session in try await Self.bytesInUse(by: user, in: session) }
    }

    /// The bytes unfinished uploads have announced and not yet sent, counting only uploads
    /// written to since `activeSince` (judged by their expiry, which each write pushes out to
    /// `expiry` after it): the room they will need. An upload announced and then left alone stops
    /// holding room long before it expires.
    public func bytesAwaited(activeSince: Date, expiry: TimeInterval) async throws -> Int64 {
        try await read { session in
            try await session.query(
                """
                SELECT CAST(COALESCE(SUM(length - received), 0) AS BIGINT) AS n FROM uploads
                WHERE submission_id IS NULL AND media_item_id IS NULL AND expires_at > \(bind: activeSince.addingTimeInterval(expiry))
                """
            ).first?.int("n") ?? 0
        }
    }

    static func bytesInUse(by user: UserID, in session: any DatabaseSession) async throws -> Int64 {
        let stored =
            try await session.query(
                """
                SELECT CAST(COALESCE(SUM(m.original_size), 0) AS BIGINT) AS n FROM submission_media m JOIN submissions s ON s.id = m.submission_id
                WHERE s.learner_id = \(bind: user.description)
                """
            ).first?.int("n") ?? 0
        let pending =
            try await session.query(
                """
                SELECT CAST(COALESCE(SUM(length), 0) AS BIGINT) AS n FROM uploads WHERE user_id = \(bind: user.description) AND submission_id IS NULL
                  AND exercise_id IS NOT NULL
                """
            ).first?.int("n") ?? 0
        return stored + pending
    }

    /// Turns a complete upload into a submission (status `processing`) with its media record and a
    /// `process-submission` job, all in one transaction; returns the submission, made at the
    /// scaffold level the learner had when the upload began. Calling it again for the same upload returns the
    /// submission already made.
    public func completeUpload(_ upload: Upload, sha256: String, now: Date = Date()) async throws -> Submission {
        try await retryingAttemptNumbers {
            try await insertCompletedUpload(upload, sha256: sha256, now: now)
        }
    }

    private func insertCompletedUpload(_ upload: Upload, sha256: String, now: Date) async throws -> Submission {
        guard let exercise = upload.exerciseID else { throw StoreError.reference("upload \(upload.id) is not an attempt at an exercise") }
        return try await write { session in
            let existing = try await session.query("SELECT submission_id, scaffold_level, purpose FROM uploads WHERE id = \(bind: upload.id)").first
            if let existing, let done = try existing.optionalString("submission_id"), let id = SubmissionID(done),
                let row = try await session.query("SELECT \(raw: Self.submissionColumns) FROM submissions WHERE id = \(bind: id.description)").first
            {
                return try Self.submission(row, sharedWith: [])
            }
            // The level the learner had when the upload began, and the audience they chose for it.
            let scaffoldLevel = try existing?.optionalInt("scaffold_level").map(Int.init)
            let purpose = try existing?.optionalString("purpose").flatMap(AttemptPurpose.init(rawValue:))
            let audience = upload.metadata[Upload.audienceKey].flatMap(Audience.init(rawValue:)) ?? .peers
            let submission = try await Self.insertSubmission(
                learner: upload.userID, exercise: exercise, scaffoldLevel: scaffoldLevel, purpose: purpose, status: .processing,
                audience: audience, createdAt: now, in: session)
            _ = try await session.query(
                """
                INSERT INTO submission_media (submission_id, original_sha256, original_size, file_name, updated_at, step)
                VALUES (\(bind: submission.id.description), \(bind: sha256), \(bind: upload.length), \(bind: upload.fileName), \(bind: now), 'queued')
                """)
            _ = try await session.query(
                "UPDATE uploads SET submission_id = \(bind: submission.id.description), received = length WHERE id = \(bind: upload.id)")
            try await Self.enqueue(
                kind: "process-submission", payload: #"{"submission":"\#(submission.id)"}"#, maxAttempts: 3, runAfter: now,
                fairKey: upload.userID.description, now: now, in: session)
            return submission
        }
    }

    /// Turns a complete upload of a library video into `item` with its processing job, in one
    /// transaction. Calling it again for the same upload returns the item already made.
    public func completeLibraryUpload(_ upload: Upload, item: MediaItem, now: Date = Date()) async throws -> MediaItem {
        let made = try await write { session -> MediaItemID? in
            if let done = try await session.query("SELECT media_item_id FROM uploads WHERE id = \(bind: upload.id)").first?.optionalString(
                "media_item_id")
            {
                return MediaItemID(done)
            }
            try await Self.insertMediaItem(item, now: now, in: session)
            _ = try await session.query(
                "UPDATE uploads SET media_item_id = \(bind: item.id.description), received = length WHERE id = \(bind: upload.id)")
            return nil
        }
        guard let made else { return item }
        guard let existing = try await mediaItem(made) else { throw StoreError.reference("media item \(made) is gone") }
        return existing
    }

    // MARK: - Submission media

    /// The media record of a submission.
    public func submissionMedia(_ id: SubmissionID) async throws -> SubmissionMedia? {
        try await read { session in
            try await session.query("SELECT * FROM submission_media WHERE submission_id = \(bind: id.description)").first.map(Self.media)
        }
    }

    /// Saves what the pipeline found and made.
    public func updateSubmissionMedia(_ media: SubmissionMedia, now: Date = Date()) async throws {
        let warnings = try Self.jsonText(media.warnings)
        try await write { session in
            _ = try await session.query(
                """
                UPDATE submission_media SET info = \(bind: media.info), rendition_sha256 = \(bind: media.renditionSHA256),
                    rendition_type = \(bind: media.renditionType), poster_sha256 = \(bind: media.posterSHA256), storyboard = \(bind: media.storyboard),
                    warnings = \(bind: warnings), progress = \(bind: media.progress), step = \(bind: media.step), updated_at = \(bind: now)
                WHERE submission_id = \(bind: media.submissionID.description)
                """)
        }
    }

    /// Makes `writer` the only writer of the upload until `now + lease`, unless another writer
    /// holds it and its claim has not run out (any server process may ask; the database decides).
    /// - Returns: whether `writer` holds it now.
    public func claimUploadWriter(_ id: String, writer: String, lease: TimeInterval, now: Date = Date()) async throws -> Upload? {
        try await write { session in
            try await session.query(
                """
                UPDATE uploads SET writer = \(bind: writer), writer_expires = \(bind: now.addingTimeInterval(lease))
                WHERE id = \(bind: id) AND (writer IS NULL OR writer = \(bind: writer) OR writer_expires <= \(bind: now))
                RETURNING \(raw: Self.uploadColumns)
                """
            ).first.map(Self.upload)
        }
    }

    /// Gives the upload back (only `writer`'s own claim).
    public func releaseUploadWriter(_ id: String, writer: String) async throws {
        try await write { session in
            _ = try await session.query(
                """
                UPDATE uploads SET writer = NULL, writer_expires = NULL WHERE id = \(bind: id) AND writer = \(bind: writer)
                """)
        }
    }

    /// Records progress within a step; ignored once the pipeline has moved on to another step,
    /// so a late report never overwrites what came after it.
    public func setSubmissionProgress(_ id: SubmissionID, step: String, progress: Double, now: Date = Date()) async throws {
        try await write { session in
            _ = try await session.query(
                """
                UPDATE submission_media SET progress = \(bind: progress), updated_at = \(bind: now)
                WHERE submission_id = \(bind: id.description) AND step = \(bind: step) AND progress < \(bind: progress)
                """)
        }
    }

    /// Moves a submission to `status` (with the reason when it failed), if the move is allowed.
    /// - Returns: whether it moved.
    @discardableResult
    public func setSubmissionStatus(_ id: SubmissionID, to status: Submission.Status, reason: String? = nil, now: Date = Date()) async throws -> Bool
    {
        try await write { session in
            let lock: SQLStatement = session.dialect == .postgresql ? " FOR UPDATE" : ""  // see setAudience
            guard
                let row = try await session.query("SELECT \(raw: Self.submissionColumns) FROM submissions WHERE id = \(bind: id.description)\(lock)")
                    .first
            else {
                return false
            }
            var submission = try Self.submission(row, sharedWith: [])
            guard (try? submission.move(to: status, reason: reason)) != nil else { return false }
            _ = try await session.query(
                """
                UPDATE submissions SET status = \(bind: status.rawValue), failure_reason = \(bind: submission.failureReason), updated_at = \(bind: now)
                WHERE id = \(bind: id.description)
                """)
            let subjects = ["submission": id.description, "learner": submission.learnerID.description, "exercise": submission.exerciseID.description]
            switch status {
            case .ready:
                // A private practice take is nobody else's news; it becomes so once sent for review.
                if submission.audience.isReviewed {
                    try await Self.record(DomainEvent(.submissionReady, at: now, subjects: subjects), in: session)
                }
            case .failed where submission.audience.isReviewed:
                try await Self.record(
                    DomainEvent(.submissionFailed, at: now, subjects: subjects, data: submission.failureCode.map { ["reason": $0] } ?? [:]),
                    in: session)
            default: break
            }
            return true
        }
    }

    static let uploadColumns =
        "id, user_id, exercise_id, file_name, length, received, metadata, created_at, expires_at, sha256, submission_id, media_item_id"

    @Sendable static func upload(_ row: SQLRow) throws -> Upload {
        Upload(
            id: try row.string("id"), userID: try row.id("user_id"), exerciseID: try row.optionalString("exercise_id").flatMap(ExerciseID.init),
            fileName: try row.string("file_name"),
            length: try row.int("length"), received: try row.int("received"), metadata: try row.json("metadata", as: [String: String].self),
            createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"), sha256: try row.optionalString("sha256"),
            submissionID: try row.optionalString("submission_id").flatMap(SubmissionID.init),
            mediaItemID: try row.optionalString("media_item_id").flatMap(MediaItemID.init))
    }

    @Sendable static func media(_ row: SQLRow) throws -> SubmissionMedia {
        SubmissionMedia(
            submissionID: try row.id("submission_id"), originalSHA256: try row.string("original_sha256"),
            originalSize: try row.int("original_size"), fileName: try row.string("file_name"), info: try row.optionalString("info"),
            renditionSHA256: try row.optionalString("rendition_sha256"), renditionType: try row.optionalString("rendition_type"),
            posterSHA256: try row.optionalString("poster_sha256"), storyboard: try row.optionalString("storyboard"),
            warnings: try row.json("warnings", as: [String].self), progress: try row.double("progress"), step: try row.optionalString("step"),
            removal: try row.optionalString("removed_under") == nil ? nil : try row.json("removed_under", as: MediaRemoval.self))
    }
}
