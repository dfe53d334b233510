import Foundation

/// Narrows a submissions list.
public struct SubmissionFilter: Sendable, Equatable {
    /// Only this exercise's.
    public var exercise: ExerciseID?
    /// Only this learner's.
    public var learner: UserID?
    /// Only those in this status.
    public var status: Submission.Status?

    /// Creates a filter; nil fields do not narrow.
    public init(exercise: ExerciseID? = nil, learner: UserID? = nil, status: Submission.Status? = nil) {
        self.exercise = exercise
        self.learner = learner
        self.status = status
    }
}

/// The fields of a user to change; nil fields stay as they are.
public struct UserChanges: Sendable, Equatable {
    public var email: String?
    public var displayName: String?
    public var roles: Set<Role>?
    public var isDisabled: Bool?
    /// A new language setting: `.some(nil)` clears it (the browser's choice applies again).
    public var language: Language??

    /// Creates a change set (already validated by the caller, e.g. through ``User``'s initialiser).
    public init(email: String? = nil, displayName: String? = nil, roles: Set<Role>? = nil, isDisabled: Bool? = nil, language: Language?? = nil) {
        self.email = email
        self.displayName = displayName
        self.roles = roles
        self.isDisabled = isDisabled
        self.language = language
    }
}

/// A resumable upload on its way in (tus), as the store keeps it; the bytes live in the
/// server's upload directory under ``id``.
public struct Upload: Sendable, Equatable {
    public var id: String
    /// Who is uploading.
    public var userID: UserID
    /// The exercise the recording is an attempt at; nil for a video for the media library.
    public var exerciseID: ExerciseID?
    /// The name the file had on the learner's device (shown, never used as a path).
    public var fileName: String
    /// The announced size in bytes.
    public var length: Int64
    /// Bytes received so far.
    public var received: Int64
    /// The client's `Upload-Metadata`, decoded.
    public var metadata: [String: String]
    public var createdAt: Date
    /// When an unfinished upload is swept.
    public var expiresAt: Date
    /// The SHA-256 of the whole file, recorded when the last byte arrived.
    public var sha256: String?
    /// The submission it became, once complete.
    public var submissionID: SubmissionID?
    /// The library item it became, once complete.
    public var mediaItemID: MediaItemID?

    public init(
        id: String = UUIDText.lowercase(UUID()), userID: UserID, exerciseID: ExerciseID?, fileName: String, length: Int64,
        received: Int64 = 0, metadata: [String: String] = [:], createdAt: Date = Date(), expiresAt: Date, sha256: String? = nil,
        submissionID: SubmissionID? = nil, mediaItemID: MediaItemID? = nil
    ) {
        self.id = id
        self.userID = userID
        self.exerciseID = exerciseID
        self.fileName = fileName
        self.length = length
        self.received = received
        self.metadata = metadata
        self.createdAt = createdAt.wholeMilliseconds
        self.expiresAt = expiresAt.wholeMilliseconds
        self.sha256 = sha256
        self.submissionID = submissionID
        self.mediaItemID = mediaItemID
    }

    /// Whether it has become what it was sent for (a submission or a library item).
    public var isFinished: Bool { submissionID != nil || mediaItemID != nil }

    /// The metadata keys naming a video for the library: its kind (`model` or `stimulus`) and title.
    public static let libraryKindKey = "library"
    /// The metadata key naming who may watch the attempt an upload makes (an ``Audience``).
    public static let audienceKey = "audience"
    public static let libraryTitleKey = "title"
}

/// The media of a submission: the original, what the pipeline made of it, and where it is.
public struct SubmissionMedia: Sendable, Equatable {
    public var submissionID: SubmissionID
    /// The original upload in the blob store.
    public var originalSHA256: String
    public var originalSize: Int64
    public var fileName: String
    /// The probe's description (MediaInfo JSON), once probed.
    public var info: String?
    /// The web rendition in the blob store, and its content type.
    public var renditionSHA256: String?
    public var renditionType: String?
    /// The poster (JPEG) in the blob store.
    public var posterSHA256: String?
    /// The storyboard: JSON with the sheets' hashes and the WebVTT text.
    public var storyboard: String?
    /// Warnings for the learner (e.g. silent audio).
    public var warnings: [String]
    /// 0…1 through the pipeline, and the step it is at.
    public var progress: Double
    public var step: String?
    /// Set once the media were removed under a retention policy (the record and its evidence stay).
    public var removal: MediaRemoval?

    /// Creates the value.
    public init(
        submissionID: SubmissionID, originalSHA256: String, originalSize: Int64, fileName: String, info: String?, renditionSHA256: String?,
        renditionType: String?, posterSHA256: String?, storyboard: String?, warnings: [String], progress: Double, step: String?,
        removal: MediaRemoval? = nil
    ) {
        self.submissionID = submissionID
        self.originalSHA256 = originalSHA256
        self.originalSize = originalSize
        self.fileName = fileName
        self.info = info
        self.renditionSHA256 = renditionSHA256
        self.renditionType = renditionType
        self.posterSHA256 = posterSHA256
        self.storyboard = storyboard
        self.warnings = warnings
        self.progress = progress
        self.step = step
        self.removal = removal
    }

    /// The storyboard as stored, if there is one.
    public var storedStoryboard: StoredStoryboard? {
        storyboard.flatMap { try? JSONDecoder().decode(StoredStoryboard.self, from: Data($0.utf8)) }
    }

    /// Every blob of the recording: the original, the rendition, the poster and the storyboard's sheets.
    public var blobs: [String] {
        [originalSHA256] + [renditionSHA256, posterSHA256].compactMap(\.self) + (storedStoryboard?.sheets ?? [])
    }
}

/// A storyboard as stored with a submission: its sheets' blobs and the WebVTT, which names the
/// sheets by ``sheetNames`` (the server rewrites them into addresses).
public struct StoredStoryboard: Codable, Sendable, Equatable {
    public var sheets: [String]
    public var vtt: String
    public var sheetNames: [String]

    /// Creates the value.
    public init(sheets: [String], vtt: String, sheetNames: [String]) {
        self.sheets = sheets
        self.vtt = vtt
        self.sheetNames = sheetNames
    }
}

/// Where a learner stands on one skill, as the engine last replayed their log.
public struct ScaffoldStanding: Sendable, Equatable {
    /// The learner.
    public var learnerID: UserID
    /// The skill.
    public var skillKey: String
    /// The level; nil until the first decision (the learner is at the top of any ladder).
    public var level: Int?
    /// Stalled and waiting for a trainer.
    public var flagged: Bool
    /// When the next recheck falls due, if one is pending.
    public var checkDueAt: Date?
    /// How many days after the last support went that recheck is (7 for the one a week after).
    public var checkDays: Int?
    /// The criteria the kick-off attempt scored lowest, by key (none without a kick-off).
    public var developmentPoints: [String]
    /// When the delayed check was passed, if the learner is at level 0 after it.
    public var checkPassedAt: Date?
    /// The last change of level.
    public var lastTransition: ScaffoldTransition?
    /// Events in the log.
    public var events: Int

    /// The level on a ladder whose top is `top`.
    public func level(top: Int) -> Int { min(level ?? top, top) }

    /// Creates the value.
    public init(
        learnerID: UserID, skillKey: String, level: Int?, flagged: Bool, checkDueAt: Date?, checkPassedAt: Date?, lastTransition: ScaffoldTransition?,
        events: Int, checkDays: Int? = nil, developmentPoints: [String] = []
    ) {
        self.checkDays = checkDays
        self.developmentPoints = developmentPoints
        self.learnerID = learnerID
        self.skillKey = skillKey
        self.level = level
        self.flagged = flagged
        self.checkDueAt = checkDueAt
        self.checkPassedAt = checkPassedAt
        self.lastTransition = lastTransition
        self.events = events
    }
}

/// One learner's line in an exercise's scaffolding matrix.
public struct ScaffoldMatrixRow: Sendable, Equatable {
    /// The learner.
    public var learnerID: UserID
    /// Their display name.
    public var displayName: String
    /// Their standing on the exercise's skill (nil: nothing decided yet).
    public var standing: ScaffoldStanding?
    /// Their attempts at the exercise.
    public var attempts: Int

    /// Creates the value.
    public init(learnerID: UserID, displayName: String, standing: ScaffoldStanding?, attempts: Int) {
        self.learnerID = learnerID
        self.displayName = displayName
        self.standing = standing
        self.attempts = attempts
    }
}

/// A personal API token as listed (never with the secret).
public struct APIToken: Sendable, Equatable, Codable {
    /// The token's id (for revoking).
    public var id: String
    /// The owner.
    public var userID: UserID
    /// What the owner called it.
    public var name: String
    /// The first characters of the secret, to recognise it.
    public var prefix: String
    /// When it was made.
    public var createdAt: Date
    /// When it stops working, if ever.
    public var expiresAt: Date?
    /// When it was last used (to the minute).
    public var lastUsedAt: Date?
    /// When it was revoked.
    public var revokedAt: Date?

    /// Creates the value.
    public init(id: String, userID: UserID, name: String, prefix: String, createdAt: Date, expiresAt: Date?, lastUsedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

/// One delivery of one event to one endpoint.
public struct WebhookDelivery: Sendable, Equatable {
    public var id: WebhookDeliveryID
    public var endpointID: WebhookEndpointID
    /// The event, as the outbox holds it.
    public var entry: OutboxEntry
    public var status: WebhookDeliveryStatus
    /// Tries made so far.
    public var attempts: Int
    /// When it is tried next (while pending).
    public var nextAttemptAt: Date
    public var firstAttemptAt: Date?
    public var deliveredAt: Date?
    public var createdAt: Date

    /// Creates the value.
    public init(
        id: WebhookDeliveryID, endpointID: WebhookEndpointID, entry: OutboxEntry, status: WebhookDeliveryStatus, attempts: Int, nextAttemptAt: Date,
        firstAttemptAt: Date?, deliveredAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.endpointID = endpointID
        self.entry = entry
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.firstAttemptAt = firstAttemptAt
        self.deliveredAt = deliveredAt
        self.createdAt = createdAt
    }
}

/// One try of a delivery, as the administrator sees it.
public struct WebhookAttempt: Sendable, Equatable {
    /// 1 for the first try.
    public var number: Int
    public var startedAt: Date
    /// How long the receiver took to answer (or the try to fail).
    public var duration: TimeInterval
    /// The receiver's HTTP status; nil when it did not answer.
    public var statusCode: Int?
    /// Why there was no answer, or why it was not sent (a `webhook.*` catalogue text).
    public var error: Message?
    /// The start of the receiver's answer (at most 1 KB), to help whoever runs it.
    public var response: String?

    /// Whether the receiver took the delivery (any 2xx).
    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }

    /// Creates a record of a try.
    public init(number: Int, startedAt: Date, duration: TimeInterval, statusCode: Int?, error: Message? = nil, response: String? = nil) {
        self.number = number
        self.startedAt = startedAt
        self.duration = duration
        self.statusCode = statusCode
        self.error = error
        self.response = response.map { String($0.prefix(1024)) }
    }
}

/// The fields of an endpoint an administrator changes; nil leaves one as it is.
public struct WebhookEndpointChanges: Sendable {
    public var url: String?
    public var eventTypes: Set<DomainEvent.Kind>?
    public var description: String?
    /// Switching an endpoint on clears why it was switched off and starts its failure count afresh.
    public var isEnabled: Bool?
    /// A new signing secret.
    public var secret: String?

    /// Creates a change set (already validated, e.g. through ``WebhookEndpoint``'s initialiser).
    public init(
        url: String? = nil, eventTypes: Set<DomainEvent.Kind>? = nil, description: String? = nil, isEnabled: Bool? = nil,
        secret: String? = nil
    ) {
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.isEnabled = isEnabled
        self.secret = secret
    }
}

/// An event as the outbox holds it: its place in the one order every consumer reads.
public struct OutboxEntry: Sendable, Equatable {
    /// 1, 2, 3, … in commit order, without gaps.
    public var position: Int64
    /// The event.
    public var event: DomainEvent

    /// Creates the value.
    public init(position: Int64, event: DomainEvent) {
        self.position = position
        self.event = event
    }
}

/// Where a page of a list starts and how long it is.
public struct PageRequest: Sendable, Equatable {
    /// Largest page a caller may ask for.
    public static let maximumLimit = 200
    /// Items per page (1…200).
    public var limit: Int
    /// Continue after this cursor (from the previous page's ``Page/next``).
    public var after: PageCursor?

    /// Creates a page request; the limit is clamped to 1…200.
    public init(limit: Int = 50, after: PageCursor? = nil) {
        self.limit = min(max(limit, 1), Self.maximumLimit)
        self.after = after
    }
}

/// An opaque position in a list (newest first): the creation time and id of the last item seen.
public struct PageCursor: Sendable, Equatable {
    /// The last item's creation time, in milliseconds.
    public var createdAt: Int64
    /// The last item's id.
    public var id: String

    /// Parses the text form given out with a page; nil if it is not one.
    public init?(_ text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard text.count <= 200, let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8) else { return nil }
        let parts = decoded.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let time = Int64(parts[0]), UUIDText.parse(String(parts[1])) != nil else { return nil }
        createdAt = time
        id = String(parts[1])
    }

    /// The position after an item created at `createdAt` with `id`.
    public init(createdAt: Int64, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    /// The text form (URL-safe base64).
    public var text: String {
        Data("\(createdAt)|\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// One page of a list.
public struct Page<Item: Sendable>: Sendable {
    /// The items, newest first.
    public var items: [Item]
    /// Where the next page starts; nil on the last page.
    public var next: PageCursor?

    /// Creates the value.
    public init(items: [Item], next: PageCursor?) {
        self.items = items
        self.next = next
    }
}

extension SubmissionMedia {
    /// The recording's duration in milliseconds, from the probe's description (nil before probing).
    public var durationMilliseconds: Int? {
        guard let info, let object = try? JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any],
            let seconds = (object["container"] as? [String: Any])?["duration"] as? Double
        else { return nil }
        return Int((seconds * 1000).rounded())
    }
}

/// A review task with the names a person reads it by: the exercise's title, the learner's and
/// the assignee's names.
public struct ReviewTaskEntry: Sendable, Equatable {
    public var task: ReviewTask
    public var exerciseTitle: String
    public var learnerName: String
    /// The assignee's name (nil: nobody).
    public var assigneeName: String?

    /// Creates the value.
    public init(task: ReviewTask, exerciseTitle: String, learnerName: String, assigneeName: String?) {
        self.task = task
        self.exerciseTitle = exerciseTitle
        self.learnerName = learnerName
        self.assigneeName = assigneeName
    }
}

/// Where an attempt is on a trainer's desk.
public enum ReviewProgress: String, Sendable, CaseIterable {
    /// In the pool: nobody holds it (or a hold ran out).
    case waiting
    /// A trainer holds it now.
    case held
    /// A trainer's review was sent.
    case reviewed

    /// Where `task`, a trainer's task, is at `now` (by ``ReviewTask/holder(at:)``).
    public init(_ task: ReviewTask, at now: Date) {
        self = task.status == .done ? .reviewed : task.holder(at: now) == nil ? .waiting : .held
    }
}

/// Which attempts a trainer's list shows; nil fields do not narrow.
public struct AttemptFilter: Sendable, Equatable {
    /// Only those whose trainer review this person sent ("reviewed by me").
    public var reviewer: UserID?
    public var exercise: ExerciseID?
    public var learner: UserID?
    public var progress: ReviewProgress?
    /// Only attempts made at or after this time.
    public var from: Date?
    /// Only attempts made before this time.
    public var until: Date?

    public init(
        reviewer: UserID? = nil, exercise: ExerciseID? = nil, learner: UserID? = nil, progress: ReviewProgress? = nil, from: Date? = nil,
        until: Date? = nil
    ) {
        self.reviewer = reviewer
        self.exercise = exercise
        self.learner = learner
        self.progress = progress
        self.from = from
        self.until = until
    }
}

/// An attempt on a trainer's desk: the attempt, its trainer task, and the names and review a
/// list shows.
public struct AttemptEntry: Sendable, Equatable {
    public var submission: Submission
    public var task: ReviewTask
    public var exerciseTitle: String
    public var learnerName: String
    /// The name of the task's assignee (the holder, or the trainer who reviewed it).
    public var assigneeName: String?
    /// The trainer review's total (0…1), once sent.
    public var total: Double?
    /// When the trainer review was sent.
    public var reviewedAt: Date?

    public init(
        submission: Submission, task: ReviewTask, exerciseTitle: String, learnerName: String, assigneeName: String?, total: Double?,
        reviewedAt: Date?
    ) {
        self.submission = submission
        self.task = task
        self.exerciseTitle = exerciseTitle
        self.learnerName = learnerName
        self.assigneeName = assigneeName
        self.total = total
        self.reviewedAt = reviewedAt
    }
}
