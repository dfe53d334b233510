import Foundation

/// One line of the audit log: who did what to whose data, and when. The log is append-only; it
/// is read by administrators and kept for a set period (``AuditEntry/defaultKeepDays``).
public struct AuditEntry: Sendable, Equatable, Identifiable {
    /// What was done, by its stable name.
    public enum Action: String, Sendable, CaseIterable {
        /// Someone other than its learner played a recording (once per viewing: the requests of
        /// one playback, and of plays within half an hour of each other, count once).
        case recordingWatched = "recording.watched"
        /// Someone other than its learner downloaded a recording's original file.
        case recordingDownloaded = "recording.downloaded"
        /// A learner changed who may watch a recording (`detail`: from → to).
        case audienceChanged = "audience.changed"
        /// A learner consented to showing a recording more widely (`detail`: the wording).
        case consentGiven = "consent.given"
        /// A consent was withdrawn.
        case consentWithdrawn = "consent.withdrawn"
        /// A trainer approved a recording for the library.
        case libraryApproved = "library.approved"
        /// An account was made by someone (an administrator, or a trainer's invitation).
        case accountCreated = "account.created"
        /// Someone changed another person's account (`detail`: the fields).
        case accountChanged = "account.changed"
        /// Someone put a person in a cohort, moved them or took them out (`detail`: what).
        case membershipChanged = "membership.changed"
        /// An exercise was made, changed or removed (`detail`: which).
        case exerciseChanged = "exercise.changed"
        /// The organisation's or a cohort's retention policy changed (`detail`: `keep`, or days and start).
        case retentionChanged = "retention.changed"
        /// A legal hold was placed on a cohort or a person (`detail`: the reason).
        case holdPlaced = "hold.placed"
        /// A legal hold was lifted (`detail`: the reason it had).
        case holdLifted = "hold.lifted"
        /// A recording's media were removed under a retention policy (`detail`: the policy).
        case mediaRemoved = "media.removed"
        /// An administrator erased a person (`subject`: the anonymous account standing in for them;
        /// `detail`: how many attempts went and whether their contributions were kept).
        case personErased = "person.erased"
        /// A person asked for the download of all their data.
        case exportRequested = "export.requested"
        /// A person downloaded the archive of all their data.
        case exportDownloaded = "export.downloaded"
        /// The retention job ran (`detail`: what it removed, freed and kept on hold).
        case retentionRan = "retention.ran"
        /// Someone invited a guest reviewer to an attempt (`detail`: the guest's name and until when the link works).
        case guestInvited = "guest.invited"
        /// Someone withdrew a guest reviewer's invitation.
        case guestWithdrawn = "guest.withdrawn"
    }

    /// How long entries are kept by default: two years.
    public static let defaultKeepDays = 730

    /// The entry's identifier.
    public var id: String
    /// When it happened.
    public var at: Date
    /// Who did it (nil: Steiger itself or the command line).
    public var actorID: UserID?
    /// What was done.
    public var action: Action
    /// The kind of record it was done to: `submission`, `user`, `cohort`, `exercise`.
    public var subjectType: String
    /// That record's identifier.
    public var subjectID: String
    /// Whose personal data it concerns (a recording's learner, an account's person), if anyone's.
    public var ownerID: UserID?
    /// A short note in the log's own terms (not translated): fields changed, audiences, wording.
    public var detail: String

    /// The `key:value` parts of a note such as `removed:3 freed:1048576 held:1` (the retention
    /// run's, the erasure's), by key; other words are left out.
    public var detailFields: [String: String] {
        var fields: [String: String] = [:]
        for part in detail.split(separator: " ") {
            let pair = part.split(separator: ":", maxSplits: 1)
            if pair.count == 2, fields[String(pair[0])] == nil { fields[String(pair[0])] = String(pair[1]) }
        }
        return fields
    }

    /// Creates an entry.
    public init(
        id: String = UUID().uuidString.lowercased(), at: Date, actorID: UserID?, action: Action, subjectType: String, subjectID: String,
        ownerID: UserID? = nil, detail: String = ""
    ) {
        self.id = id
        self.at = at.wholeMilliseconds
        self.actorID = actorID
        self.action = action
        self.subjectType = subjectType
        self.subjectID = subjectID
        self.ownerID = ownerID
        self.detail = detail
    }
}

/// Which audit entries to read; nil fields do not narrow.
public struct AuditFilter: Sendable, Equatable {
    /// Only what this person did.
    public var actor: UserID?
    /// Only entries about this person's data.
    public var owner: UserID?
    /// Only this kind of action.
    public var action: AuditEntry.Action?
    /// Only entries about this record.
    public var subjectID: String?
    /// From this moment on.
    public var from: Date?
    /// Before this moment.
    public var until: Date?

    /// Creates a filter.
    public init(
        actor: UserID? = nil, owner: UserID? = nil, action: AuditEntry.Action? = nil, subjectID: String? = nil, from: Date? = nil,
        until: Date? = nil
    ) {
        self.actor = actor
        self.owner = owner
        self.action = action
        self.subjectID = subjectID
        self.from = from
        self.until = until
    }
}
