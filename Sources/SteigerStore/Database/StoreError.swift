/// What can go wrong in the store, in terms a caller can act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A unique value is already taken (e.g. an email address); the message names it.
    case conflict(String)
    /// Something refers to a record that does not exist, or a record is still referred to.
    case reference(String)
    /// The record asked for does not exist.
    case notFound(String)
    /// The database cannot be reached or refused the operation.
    case unavailable(String)
    /// A stored value could not be read back (a defect or a damaged database).
    case corrupt(String)
    /// The database's schema is newer than this program.
    case schemaTooNew(found: Int, known: Int)
    /// Bad configuration, e.g. an unusable database URL.
    case configuration(String)
    /// A user's stored and announced bytes would pass their quota; `used` is what they hold now.
    case quotaExceeded(used: Int64)
    /// A rule of the data refused the change; the case says which.
    case refused(Refusal)

    /// The rules the store itself enforces inside a transaction, where only it can see the rows.
    public enum Refusal: String, Sendable, Equatable {
        /// The review was already submitted.
        case reviewDone
        /// A task that is not a trainer's cannot be held.
        case notHoldable
        /// The trainer does not hold the task.
        case notHeld
        /// The peer or self review is someone else's.
        case assignedElsewhere
        /// The hold ran out; the task went back to the queue.
        case holdExpired
        /// A reply to a comment that was removed.
        case parentDeleted
        /// A reply to a comment that is not on this submission.
        case parentMissing
        /// A reply to a reply.
        case replyToReply
        /// A change to a comment that was removed.
        case commentDeleted
        /// Attempts were submitted for the exercise.
        case exerciseHasAttempts
        /// Another trainer holds the task now.
        case heldElsewhere
        /// The review is not the reviewer's, or no longer open to change.
        case reviewLocked
    }

    public var description: String {
        switch self {
        case .conflict(let m): "conflict: \(m)"
        case .reference(let m): "reference: \(m)"
        case .notFound(let m): "not found: \(m)"
        case .unavailable(let m): "database unavailable: \(m)"
        case .corrupt(let m): "unreadable record: \(m)"
        case .schemaTooNew(let found, let known):
            "the database is at schema version \(found), but this program knows only up to \(known); upgrade Steiger"
        case .configuration(let m): m
        case .quotaExceeded(let used): "quota exceeded (\(used) bytes in use)"
        case .refused(let refusal): "refused: \(refusal.rawValue)"
        }
    }
}
