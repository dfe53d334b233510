import Foundation
import SteigerCore

extension Store {
    // MARK: - Annotations

    /// Adds an annotation (already validated by ``Annotation``'s initialiser). A reply must answer
    /// a live annotation of the same submission.
    /// - Throws: ``StoreError/refused(_:)`` for a reply to a deleted annotation, to one that does
    ///   not exist here, or to a reply.
    public func addAnnotation(_ annotation: Annotation) async throws {
        try await write { session in
            if let parent = annotation.parentID {
                guard
                    let row = try await session.query(
                        """
                        SELECT deleted_at, parent_id FROM annotations WHERE id = \(bind: parent.description) AND submission_id = \(bind: annotation.submissionID.description)
                        """
                    ).first
                else {
                    throw StoreError.refused(.parentMissing)
                }
                if try row.optionalInt("deleted_at") != nil {
                    throw StoreError.refused(.parentDeleted)
                }
                if try row.optionalString("parent_id") != nil {
                    throw StoreError.refused(.replyToReply)
                }
            }
            let (at, to): (Int?, Int?) =
                switch annotation.span {
                case .point(let at)?: (at, nil)
                case .range(let from, let to)?: (from, to)
                case nil: (nil, nil)
                }
            _ = try await session.query(
                """
                INSERT INTO annotations (id, submission_id, author_id, parent_id, at_ms, to_ms, text, tag, criterion, created_at)
                VALUES (\(bind: annotation.id.description), \(bind: annotation.submissionID.description), \(bind: annotation.authorID.description),
                        \(bind: annotation.parentID?.description), \(bind: at), \(bind: to), \(bind: annotation.text), \(bind: annotation.tag),
                        \(bind: annotation.criterion), \(bind: annotation.createdAt))
                """)
            var subjects = ["comment": annotation.id.description, "submission": annotation.submissionID.description]
            subjects["parent"] = annotation.parentID?.description
            try await Self.record(
                DomainEvent(
                    annotation.parentID == nil ? .commentAdded : .commentReplied, at: annotation.createdAt,
                    by: annotation.authorID, subjects: subjects), in: session)
        }
    }

    /// Changes the text of `author`'s own annotation, keeping the earlier text as a version.
    /// - Throws: ``StoreError/notFound(_:)`` (unknown, or not theirs), ``StoreError/refused(_:)`` (deleted).
    @discardableResult
    public func editAnnotation(_ id: AnnotationID, author: UserID, text: String, now: Date = Date()) async throws -> Annotation {
        try await write { session in
            let current = try await Self.ownAnnotation(id, author: author, in: session)
            let version =
                try await session.query("SELECT COUNT(*) AS n FROM annotation_versions WHERE annotation_id = \(bind: id.description)").first?.int("n")
                ?? 0
            _ = try await session.query(
                """
                INSERT INTO annotation_versions (annotation_id, version, text, replaced_at)
                VALUES (\(bind: id.description), \(bind: version + 1), \(bind: current.text), \(bind: now))
                """)
            guard
                let row = try await session.query(
                    """
                    UPDATE annotations SET text = \(bind: text), edited_at = \(bind: now) WHERE id = \(bind: id.description)
                    RETURNING \(raw: Self.annotationColumns)
                    """
                ).first
            else { throw StoreError.notFound("annotation \(id)") }
            return try Self.annotation(row)
        }
    }

    /// Marks `author`'s own annotation deleted; its text stays in the history, its replies stay.
    public func deleteAnnotation(_ id: AnnotationID, author: UserID, now: Date = Date()) async throws {
        try await write { session in
            _ = try await Self.ownAnnotation(id, author: author, in: session)
            _ = try await session.query("UPDATE annotations SET deleted_at = \(bind: now) WHERE id = \(bind: id.description)")
        }
    }

    /// A submission's annotations in time order (replies after their parent's time, oldest first).
    public func annotations(of submission: SubmissionID) async throws -> [Annotation] {
        try await read { session in
            try await session.query(
                """
                SELECT \(raw: Self.annotationColumns) FROM annotations WHERE submission_id = \(bind: submission.description)
                ORDER BY created_at, id
                """
            ).map(Self.annotation)
        }
    }

    /// One annotation.
    public func annotation(_ id: AnnotationID) async throws -> Annotation? {
        try await read { session in
            try await session.query("SELECT \(raw: Self.annotationColumns) FROM annotations WHERE id = \(bind: id.description)").first.map(
                Self.annotation)
        }
    }

    /// The earlier texts of an annotation, oldest first.
    public func annotationHistory(_ id: AnnotationID) async throws -> [(text: String, replacedAt: Date)] {
        try await read { session in
            try await session.query(
                """
                SELECT text, replaced_at FROM annotation_versions WHERE annotation_id = \(bind: id.description) ORDER BY version
                """
            ).map { (try $0.string("text"), try $0.date("replaced_at")) }
        }
    }

    private static func ownAnnotation(_ id: AnnotationID, author: UserID, in session: any DatabaseSession) async throws -> Annotation {
        guard let row = try await session.query("SELECT \(raw: annotationColumns) FROM annotations WHERE id = \(bind: id.description)").first else {
            throw StoreError.notFound("annotation \(id)")
        }
        let annotation = try Self.annotation(row)
        guard annotation.authorID == author else { throw StoreError.notFound("annotation \(id)") }
        if annotation.isDeleted { throw StoreError.refused(.commentDeleted) }
        return annotation
    }

    static let annotationColumns = "id, submission_id, author_id, parent_id, at_ms, to_ms, text, tag, criterion, created_at, edited_at, deleted_at"

    @Sendable static func annotation(_ row: SQLRow) throws -> Annotation {
        let at = try row.optionalInt("at_ms").map(Int.init), to = try row.optionalInt("to_ms").map(Int.init)
        let span: Annotation.Span? = at.map { at in to.map { .range(from: at, to: $0) } ?? .point(at: at) }
        // Stored annotations were checked when made; read them back without the creation rules.
        var annotation = try Annotation.stored(
            id: row.id("id"), submissionID: row.id("submission_id"), authorID: row.id("author_id"),
            parentID: row.optionalString("parent_id").flatMap(AnnotationID.init), span: span,
            text: row.string("text"), tag: row.optionalString("tag"), criterion: row.optionalString("criterion"),
            createdAt: row.date("created_at"))
        annotation.editedAt = try row.optionalDate("edited_at")
        annotation.deletedAt = try row.optionalDate("deleted_at")
        return annotation
    }
}
