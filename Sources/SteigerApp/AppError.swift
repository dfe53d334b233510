import SteigerCore
import SteigerStore

/// Every way Steiger refuses or fails a request, one case per problem. Each has the status it is
/// answered with and its catalogue text `problem.<rawValue>`; the raw value is also the stable
/// `type` clients see (`urn:steiger:problem:<rawValue>`), so a case is never renamed.
public enum ProblemKind: String, CaseIterable, Sendable {
    // General answers.
    case badRequest, noRoute, methodNotAllowed, tooLarge, `internal`, unavailable, invalid, conflict, gone, notFound, notAllowed, busyAddress
    // Signing in and sessions.
    case unauthenticated, bearerFormat, tokenInvalid, sessionEnded, wrongLogin, wrongPassword, accountDisabled, throttled
    case csrfHeader, crossSite, formExpired
    // JSON bodies.
    case notJSON, notObject, jsonOnly, bodyTooLarge
    // Accounts and records.
    case emailTaken, adminsOnly, adminFields, cohortHasReviews, exerciseHasAttempts, linkInvalid, mailOff, hasAccount
    // Uploads.
    case tusVersion, uploadOffset, uploadLength, deferLength, lengthMismatch, metadataValue, metadataFormat, metadataExercise
    case offsetMismatch, offsetStream, pastLength, bodyNeeded, uploadBusy, uploadDataGone, uploadNotStored
    case fileTooLarge, fileOverLimit, overQuota, quotaExceeded, noSpace, tooManyUploads
    // Media.
    case notReady, noRecording, fileMissing, badRange, attemptKept
    // Reviews and comments.
    case noQueue, scoresTrainersOnly, reviewDone, notHoldable, notHeld, assignedElsewhere, holdExpired, parentDeleted, commentDeleted
    case heldElsewhere, reviewLocked
    // Scaffolding.
    case supportsLearnersOnly
    // Who may watch a recording.
    case audienceNotOffered, consentNeeded, audienceSent
    case mediaRemoved, personOnHold, eraseSelf
    case tooManyGuests, guestLinkEnded

    /// The HTTP status the problem is answered with.
    public var status: Int {
        switch self {
        case .badRequest, .notJSON, .tusVersion, .uploadOffset, .uploadLength, .deferLength, .lengthMismatch, .metadataValue,
            .metadataFormat, .metadataExercise:
            self == .tusVersion ? 412 : 400
        case .unauthenticated, .bearerFormat, .tokenInvalid, .sessionEnded, .wrongLogin: 401
        case .notAllowed, .wrongPassword, .accountDisabled, .csrfHeader, .crossSite, .formExpired, .adminsOnly, .adminFields, .noQueue,
            .scoresTrainersOnly, .supportsLearnersOnly:
            403
        case .noRoute, .notFound, .gone, .uploadDataGone: 404
        case .linkInvalid, .mediaRemoved, .guestLinkEnded: 410
        case .methodNotAllowed: 405
        case .personOnHold, .eraseSelf, .tooManyGuests: 409
        case .conflict, .emailTaken, .mailOff, .hasAccount, .cohortHasReviews, .exerciseHasAttempts, .offsetMismatch, .uploadBusy, .notReady,
            .noRecording, .attemptKept,
            .reviewDone, .notHoldable, .notHeld, .assignedElsewhere, .holdExpired, .parentDeleted, .commentDeleted, .heldElsewhere,
            .reviewLocked, .audienceSent:
            409
        case .bodyNeeded: 411
        case .tooLarge, .bodyTooLarge, .pastLength, .fileTooLarge, .fileOverLimit, .overQuota, .quotaExceeded: 413
        case .jsonOnly, .offsetStream: 415
        case .badRange: 416
        case .invalid, .notObject, .audienceNotOffered, .consentNeeded: 422
        case .throttled, .tooManyUploads, .busyAddress: 429
        case .internal, .uploadNotStored, .fileMissing: 500
        case .unavailable: 503
        case .noSpace: 507
        }
    }

    /// The catalogue key of the problem's text.
    public var key: String { "problem." + rawValue }
}

/// The kinds of things a "not found" or "not allowed" names, each a `thing.<name>` catalogue
/// text ("review task" → `thing.reviewTask`).
public enum Thing: String, CaseIterable, Sendable {
    case attempt, cohort, comment, commentOfYours = "comment of yours", exercise, exerciseInThisCohort = "exercise in this cohort"
    case learner, liveToken = "live token", member, membership, notice, review, reviewTask = "review task", scaffolding
    case storyboardSheet = "storyboard sheet", submission, upload, user, webhookEndpoint = "webhook endpoint"
    case mediaItem = "video"
    case auditLog = "audit log"
    case retention = "retention settings"
    case organisation
    case export = "data download"
    case guest = "guest reviewer"
    case transferTask = "task at work"
    case dashboardTable = "dashboard table"

    /// The catalogue text that names the thing.
    public var message: Message {
        let words = rawValue.split(separator: " ")
        return Message(
            "thing." + (words.first.map(String.init) ?? "") + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined())
    }
}

/// A refusal or failure of a use case: its kind, the values its text names, and for invalid
/// input the problems by field. The HTTP layer answers it as a problem document; the pages as an
/// error page; the commands print it.
public struct AppError: Error, Sendable, Equatable {
    public var kind: ProblemKind
    public var arguments: [String: Message.Argument]
    /// Problems by field (``ProblemKind/invalid``).
    public var errors: [ValidationError.Problem]

    /// Creates an error of `kind`.
    public init(_ kind: ProblemKind, _ arguments: [String: Message.Argument] = [:], errors: [ValidationError.Problem] = []) {
        self.kind = kind
        self.arguments = arguments
        self.errors = errors
    }

    /// Unknown, or out of the actor's reach: the wording is the same either way.
    public static func notFound(_ thing: Thing) -> AppError { AppError(.notFound, ["what": .message(thing.message)]) }

    /// Visible, but not the actor's to do.
    public static func forbidden(_ thing: Thing) -> AppError { AppError(.notAllowed, ["what": .message(thing.message)]) }

    /// Invalid input, by field.
    public static func invalid(_ error: ValidationError) -> AppError { AppError(.invalid, errors: error.problems) }

    /// One invalid field.
    public static func invalid(_ field: String, _ message: Message) -> AppError { .invalid(ValidationError(field: field, message)) }

    /// The text of the problem.
    public var message: Message { Message(kind.key, arguments) }

    /// What any error a use case lets through means for the person: its own kind for an
    /// ``AppError``, field problems for a ``ValidationError``, and the store's errors mapped here
    /// and nowhere else; anything else is ``ProblemKind/internal`` (its text leaks nothing).
    public init(from error: any Error) {
        switch error {
        case let error as AppError: self = error
        case let validation as ValidationError: self = .invalid(validation)
        case let store as StoreError:
            switch store {
            case .refused(.parentMissing): self = .invalid("parentId", Message("validation.parentMissing"))
            case .refused(.replyToReply): self = .invalid("parentId", Message("validation.replyToReply"))
            case .refused(let refusal): self = AppError(refusal.kind)
            case .conflict: self = AppError(.conflict)
            case .reference: self = AppError(.conflict)
            case .notFound: self = AppError(.gone)
            case .unavailable: self = AppError(.unavailable)
            case .quotaExceeded(let used): self = AppError(.quotaExceeded, ["used": .integer(Int(used))])
            case .corrupt, .schemaTooNew, .configuration: self = AppError(.internal)
            }
        default: self = AppError(.internal)
        }
    }
}

extension AudienceRefusal {
    /// The problem a refused audience is for a person.
    public var kind: ProblemKind {
        switch self {
        case .notOffered: .audienceNotOffered
        case .needsConsent: .consentNeeded
        case .alreadySent: .audienceSent
        }
    }
}

extension StoreError.Refusal {
    /// The problem a refusal of the store is for a person.
    var kind: ProblemKind {
        switch self {
        case .reviewDone: .reviewDone
        case .notHoldable: .notHoldable
        case .notHeld: .notHeld
        case .assignedElsewhere: .assignedElsewhere
        case .holdExpired: .holdExpired
        case .parentDeleted: .parentDeleted
        case .parentMissing, .replyToReply: .invalid
        case .commentDeleted: .commentDeleted
        case .exerciseHasAttempts: .exerciseHasAttempts
        case .heldElsewhere: .heldElsewhere
        case .reviewLocked: .reviewLocked
        }
    }
}

extension AccessPolicy {
    /// Goes on only if `actor` may do `action` to `resource`; otherwise throws what the policy
    /// decided, naming `thing`.
    public static func require(_ actor: Actor, _ action: Action, _ resource: Resource, _ thing: Thing) throws(AppError) {
        switch decide(actor, action, resource) {
        case .allow: return
        case .forbid: throw .forbidden(thing)
        case .hide: throw .notFound(thing)
        }
    }
}
