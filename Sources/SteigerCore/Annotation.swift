import Foundation

/// Identifies an annotation.
public typealias AnnotationID = Identifier<IdentifierTag.Annotation>

extension IdentifierTag {
    /// Annotations.
    public enum Annotation {}
}

/// A comment at a moment or over a span of a submission's video, or a reply to one.
public struct Annotation: Sendable, Equatable, Codable, Identifiable {
    /// Where in the video it applies, in milliseconds.
    public enum Span: Sendable, Equatable, Codable {
        /// One moment.
        case point(at: Int)
        /// From one moment to a later one.
        case range(from: Int, to: Int)

        /// Start in milliseconds.
        public var start: Int {
            switch self {
            case .point(let at): at
            case .range(let from, _): from
            }
        }
    }

    public var id: AnnotationID
    public var submissionID: SubmissionID
    public var authorID: UserID
    /// The annotation this replies to (replies inherit the parent's span and carry none of their own).
    public var parentID: AnnotationID?
    public var span: Span?
    public var text: String
    /// One of the exercise's tags (e.g. praise, improve, question); replies have none.
    public var tag: String?
    /// A rubric criterion the comment is about.
    public var criterion: String?
    public var createdAt: Date
    /// When the text was last changed (earlier versions are kept).
    public var editedAt: Date?
    /// When the author deleted it (it stays, shown as deleted, so threads keep their shape).
    public var deletedAt: Date?

    /// The tags exercises use unless they name their own.
    public static let defaultTags = ["praise", "improve", "question"]

    /// Creates a top-level annotation or a reply after checking it against the video's duration
    /// (milliseconds), the allowed tags and the rubric.
    /// - Throws: ``ValidationError`` naming each bad field.
    public init(
        id: AnnotationID = AnnotationID(), submissionID: SubmissionID, authorID: UserID, parentID: AnnotationID? = nil, span: Span?,
        text: String, tag: String?, criterion: String? = nil, createdAt: Date = Date(),
        durationMilliseconds: Int?, tags: [String] = Annotation.defaultTags, rubric: Rubric? = nil
    ) throws(ValidationError) {
        var validator = Validator()
        let text = text.trimmed
        validator.check(!text.isEmpty, "text", Message("validation.empty"))
        validator.check(text.unicodeScalars.count <= 5000, "text", Message("validation.maxCharacters", ["max": 5000]))
        if parentID == nil {
            switch span {
            case nil:
                validator.check(false, "at", Message("validation.commentTime"))
            case .point(let at)?:
                validator.check(at >= 0, "at", Message("validation.atLeast", ["min": 0]))
                if let duration = durationMilliseconds {
                    validator.check(at <= duration, "at", Message("validation.withinVideo", ["end": .integer(duration)]))
                }
            case .range(let from, let to)?:
                validator.check(from >= 0, "from", Message("validation.atLeast", ["min": 0]))
                validator.check(to > from, "to", Message("validation.afterFrom"))
                if let duration = durationMilliseconds {
                    validator.check(to <= duration, "to", Message("validation.withinVideo", ["end": .integer(duration)]))
                }
            }
            if let tag { validator.check(tags.contains(tag), "tag", Message("validation.oneOf", ["values": .text(tags.joined(separator: ", "))])) }
        } else {
            validator.check(span == nil, "at", Message("validation.replyTime"))
            validator.check(tag == nil, "tag", Message("validation.replyTag"))
        }
        if let criterion {
            validator.check(rubric?.criterion(criterion) != nil, "criterion", Message("validation.notCriterion"))
        }
        try validator.finish()
        self.init(
            id: id, submissionID: submissionID, authorID: authorID, parentID: parentID, span: span, text: text, tag: tag,
            criterion: criterion, createdAt: createdAt.wholeMilliseconds)
    }

    /// An annotation as stored (checked when it was made), without the creation rules.
    public static func stored(
        id: AnnotationID, submissionID: SubmissionID, authorID: UserID, parentID: AnnotationID?, span: Span?,
        text: String, tag: String?, criterion: String?, createdAt: Date
    ) -> Annotation {
        Annotation(
            id: id, submissionID: submissionID, authorID: authorID, parentID: parentID, span: span, text: text, tag: tag,
            criterion: criterion, createdAt: createdAt)
    }

    private init(
        id: AnnotationID, submissionID: SubmissionID, authorID: UserID, parentID: AnnotationID?, span: Span?, text: String,
        tag: String?, criterion: String?, createdAt: Date
    ) {
        self.id = id
        self.submissionID = submissionID
        self.authorID = authorID
        self.parentID = parentID
        self.span = span
        self.text = text
        self.tag = tag
        self.criterion = criterion
        self.createdAt = createdAt
    }

    /// Whether the author deleted it.
    public var isDeleted: Bool { deletedAt != nil }
}
