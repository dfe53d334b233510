import Foundation

/// Something that happened which people or other systems care about: recorded in the outbox in
/// the same transaction as the change that caused it, and read from there by every consumer
/// (webhooks, notifications, grade passback, learning records) with its own cursor.
///
/// An event names what it concerns by id only; consumers look up what they need and apply
/// their own access rules. Its `type` and the meaning of its fields are stable: a change of
/// meaning gets a new `version`.
public struct DomainEvent: Sendable, Equatable, Codable {
    /// The kinds of event, by their stable type name.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// An attempt became playable and joined the review queue.
        case submissionReady = "submission.ready"
        /// An attempt could not be used (the reason is in `data.reason`).
        case submissionFailed = "submission.failed"
        /// A review task was given to someone: a peer or self review made for them, or a
        /// trainer's claim from the queue.
        case reviewTaskAssigned = "review_task.assigned"
        /// A trainer task joined its cohort's review queue.
        case reviewTaskQueued = "review_task.queued"
        /// A review task falls due within a day.
        case reviewTaskDueSoon = "review_task.due_soon"
        /// A review task is past its due time and not done.
        case reviewTaskOverdue = "review_task.overdue"
        /// A trainer's hold on a review runs out within minutes (`data.expires`, milliseconds).
        case reviewTaskHoldExpiring = "review_task.hold_expiring"
        /// A review (scores and a comment) was submitted.
        case reviewSubmitted = "review.submitted"
        /// A comment was added to an attempt.
        case commentAdded = "comment.added"
        /// A comment was answered.
        case commentReplied = "comment.replied"
        /// A support was withdrawn from a learner (their level went down).
        case supportWithdrawn = "support.withdrawn"
        /// A support was put back (their level went up by a rule).
        case supportReinstated = "support.reinstated"
        /// A learner made no progress at one level and full support is back; a trainer should look.
        case learnerStalled = "learner.stalled"
        /// A trainer set a learner's level by hand.
        case levelSetByHand = "level.set_by_hand"
        /// The review of a learner's kick-off attempt set the level they start at.
        case learnerPlaced = "learner.placed"
        /// A recheck fell due for a learner (`data.days`: days after the last support went).
        case recheckDue = "recheck.due"
        /// A learner was asked to try a skill at work and report (`subjects.transfer`, `learner`, `exercise`).
        case transferAssigned = "transfer.assigned"
        /// A learner reported on trying a skill at work (`subjects.transfer`, `learner`, `exercise`).
        case transferReported = "transfer.reported"
        /// A trainer or manager reviewed a report from work (`subjects.transfer`, `learner`, `exercise`; `data.total`).
        case transferReviewed = "transfer.reviewed"
        /// A manager encouraged one of their people (`subjects.encouragement`).
        case encouragementSent = "encouragement.sent"
        /// A manager's monthly summary of their team is due (`subjects.manager`; `data.month`,
        /// `data.from` and `data.to` in milliseconds).
        case teamSummaryDue = "team.summary_due"
        /// An account was made.
        case userCreated = "user.created"
        /// An account was disabled.
        case userDisabled = "user.disabled"
        /// A webhook endpoint was switched off because nothing reached it (`subjects.endpoint`).
        case webhookDisabled = "webhook.disabled"

        /// The version of the event's fields that Steiger writes now.
        public var currentVersion: Int { 1 }
    }

    /// Unique: consumers that see an event twice recognise it by this.
    public var id: UUID
    /// What happened.
    public var kind: Kind
    /// The version of the fields.
    public var version: Int
    /// When it happened.
    public var occurredAt: Date
    /// Who caused it; nil when Steiger did on its own (processing, deadlines, rules).
    public var actorID: UserID?
    /// The ids it concerns, by name: `submission`, `learner`, `exercise`, `cohort`, `task`,
    /// `review`, `comment`, `user`, `skill`.
    public var subjects: [String: String]
    /// What else a consumer needs to act without another look-up (levels, totals, a reason's code).
    public var data: [String: String]

    /// A new event of `kind` at its current version.
    public init(
        _ kind: Kind, at occurredAt: Date, by actorID: UserID? = nil, subjects: [String: String], data: [String: String] = [:],
        id: UUID = UUID()
    ) {
        self.id = id
        self.kind = kind
        self.version = kind.currentVersion
        self.occurredAt = occurredAt.wholeMilliseconds
        self.actorID = actorID
        self.subjects = subjects
        self.data = data
    }
}

extension DomainEvent {
    /// The events a change of scaffolding level raises: a withdrawal, a support put back (by a
    /// rule or after a failed delayed check), a stall, or a trainer's placement.
    public static func scaffolding(_ transition: ScaffoldTransition, learner: UserID, skill: String) -> DomainEvent {
        let kind: Kind =
            switch transition.rule {
            case .withdrawal: .supportWithdrawn
            case .reinstatement, .delayedCheckFailed: .supportReinstated
            case .stalled: .learnerStalled
            case .override: .levelSetByHand
            case .kickOff: .learnerPlaced
            }
        var data = ["rule": transition.rule.rawValue, "from": String(transition.from), "to": String(transition.to)]
        if let version = transition.policyVersion { data["policyVersion"] = String(version) }
        return DomainEvent(
            kind, at: transition.at, by: transition.trainerID,
            subjects: ["learner": learner.description, "skill": skill, "exercise": transition.exerciseID.description],
            data: data)
    }
}
