/// Who is asking: a user, the cohorts they belong to and the people they manage.
public struct Actor: Sendable, Equatable {
    /// The user.
    public var user: User
    /// The user's own memberships.
    public var memberships: [Membership]
    /// The people an administrator linked to the user as their manager.
    public var team: Set<UserID>
    /// For a guest reviewer, the live invitation they came in by (nil for everyone else).
    public var guest: GuestInvitation?

    /// Creates an actor.
    public init(user: User, memberships: [Membership], team: Set<UserID> = [], guest: GuestInvitation? = nil) {
        self.user = user
        self.memberships = memberships.filter { $0.userID == user.id }
        self.team = team
        self.guest = guest
    }

    /// Whether the actor manages `person` (and holds the manager role).
    public func manages(_ person: UserID) -> Bool { user.has(.manager) && team.contains(person) }

    /// Whether the actor trains `cohort` (and holds the trainer role).
    public func trains(_ cohort: CohortID) -> Bool {
        user.has(.trainer) && memberships.contains { $0.cohortID == cohort && $0.part == .trainer }
    }

    /// Whether the actor is a learner in `cohort`.
    public func learns(in cohort: CohortID) -> Bool {
        memberships.contains { $0.cohortID == cohort && $0.part == .learner }
    }

    /// Whether the actor is in `cohort` in any part.
    public func belongs(to cohort: CohortID) -> Bool { trains(cohort) || learns(in: cohort) }

    /// The cohorts the actor trains (their review queue's pools).
    public var trainedCohorts: Set<CohortID> { Set(memberships.map(\.cohortID).filter(trains)) }
}

/// What someone wants to do with a resource.
public enum Action: String, Sendable, CaseIterable {
    /// Read it.
    case view
    /// Make a new one.
    case create
    /// Change it.
    case update
    /// Remove it.
    case delete
    /// Annotate and score it (submissions).
    case review
    /// Play its recording and read the feedback on it (submissions; `view` alone shows that it
    /// exists, when and how large).
    case watch
}

/// The policy's answer.
public enum Decision: String, Sendable, Equatable {
    /// Go ahead.
    case allow
    /// The actor may see the resource but not do this (HTTP 403).
    case forbid
    /// The resource is outside the actor's reach: answer as if it did not exist (HTTP 404), never with its data.
    case hide
}

/// Something a decision is about, with the facts the policy needs.
public enum Resource: Sendable {
    /// A user account, with that user's memberships.
    case user(User, memberships: [Membership])
    /// A cohort.
    case cohort(Cohort)
    /// A membership.
    case membership(Membership)
    /// An exercise.
    case exercise(Exercise)
    /// A submission, with its exercise and its learner's memberships.
    case submission(Submission, exercise: Exercise, learnerMemberships: [Membership])
    /// A new submission by `learner` for `exercise` (for `create`).
    case newSubmission(learner: UserID, exercise: Exercise)
    /// A new user, cohort or exercise (for `create`).
    case newRecord
    /// A learner's scaffolding for an exercise's skill, with the learner's memberships
    /// (`view`: the level, supports and history; `update`: set the level by hand).
    case scaffolding(learner: UserID, exercise: Exercise, learnerMemberships: [Membership])
    /// The scaffolding of every learner practising an exercise.
    case scaffoldingMatrix(Exercise)
    /// The list of webhook endpoints, and registering one (administrators only).
    case webhooks
    /// One webhook endpoint with its deliveries (its address and secret are an administrator's).
    case webhookEndpoint(WebhookEndpointID)
    /// The fields of an account only an administrator sets: email, roles, whether it is disabled.
    case accountSettings
    /// The administration pages.
    case administration
    /// The audit log (administrators only).
    case auditLog
    /// How long recordings are kept and the legal holds that stop their removal (administrators only).
    case retention
    /// The trainer's review queue (`view`: see it; `create`: claim from it).
    case reviewQueue
    /// A review task (`view`, `update`: renew or release, `review`: submit).
    case reviewTask(ReviewTask)
    /// A cohort's score sheet of an exercise.
    case scoreSheet(cohort: CohortID)
    /// An upload in progress, by `owner`.
    case upload(owner: UserID)
    /// An exercise's whole ladder of supports (a learner gets only their own level's, so a
    /// script withdrawn from them is not one request away).
    case ladder(Exercise)
    /// Inviting a person by e-mail to take `role`, in `cohort` when one is named (`create`).
    case invitation(role: Role, cohort: CohortID?)
    /// The media library (`view`: browse it; `create`: upload to it).
    case mediaLibrary
    /// A manager's team page (`view`).
    case team
    /// Encouraging `person` (`create`): their managers.
    case encouragement(person: UserID)
    /// Who manages `person` (`view`: the person and administrators; `update`: administrators).
    case managers(person: UserID)
    /// One library item; `named` says whether a support the actor gets now plays it.
    case mediaItem(MediaItem, named: Bool)
    /// A transfer task, with its exercise and its learner's memberships (`view`; `update`: report
    /// on it; `review`: review the report).
    case transferTask(TransferTask, exercise: Exercise, learnerMemberships: [Membership])
    /// The guest reviewers of an attempt (`view`: who was invited; `create`: invite one;
    /// `delete`: withdraw an invitation), with its exercise and its learner's memberships.
    case guestReviewers(Submission, exercise: Exercise, learnerMemberships: [Membership])
    /// The programme dashboard of one cohort, or (nil) of every cohort the actor may see.
    case dashboard(cohort: CohortID?)
}

/// Every authorization rule of Steiger, in one place.
///
/// - An admin manages everything.
/// - A trainer sees and works the cohorts they train: the cohort, its members, the exercises
///   assigned to it, and its learners' submissions for those exercises (view and review).
/// - A learner sees their own account and work, the cohorts they are in and the exercises
///   assigned to them, and submissions explicitly shared with them (peer review).
/// - A learner also sees who trains the cohorts they learn in.
/// - A learner sees their own scaffolding; the trainers who see a learner's attempts at an
///   exercise see and set that learner's scaffolding for it.
/// - Webhooks (other systems' addresses and secrets), the administration pages, the audit log,
///   retention policies and legal holds, and the admin fields of accounts (email, roles, disabled) are an administrator's alone.
/// - Only trainers have a review queue; an administrator who trains nothing sees it empty.
/// - A review task is its reviewer's: the trainers of its cohort for a trainer review, the
///   assigned peer while they learn in the cohort, the learner for a self review. An upload is
///   its uploader's. Neither is anyone else's, not even an administrator's.
/// - A cohort's score sheet is for its trainers (and administrators).
/// - The programme dashboard is for administrators (every cohort) and trainers (the cohorts they
///   train); learners and managers have none.
/// - Administrators invite anyone; a trainer invites learners into the cohorts they train.
/// - Administrators and trainers keep the media library: they browse it and upload to it; a
///   trainer removes only what they uploaded. A learner plays exactly the items the supports
///   they get now name, and never browses the library.
/// - A recording's audience, chosen by its learner, bounds everyone else (see ``Audience``):
///   a private practice take is its learner's alone (an administrator sees that it exists and
///   its size, never its content); with the trainers' audience assigned peers lose it; a recording
///   in the cohort's library is watched by everyone in a cohort that practises the exercise with
///   its learner. Its learner views, watches and changes its audience; a trainer who reviews it
///   decides (`update`) whether it may stand in the library.
/// - A manager sees the people an administrator linked to them: their account, their
///   scaffolding (levels, explanations, development points) and their attempts (that they exist,
///   when, their scores), and watches only the recordings the learner shared with their manager;
///   they encourage them; they watch and review their people's closing proficiency tests.
///   Never a private practice take, never anyone else.
/// - An attempt's learner and the trainers who review it invite guest reviewers to it (never to a
///   private practice take). A guest watches, comments on and reviews that one attempt while
///   their invitation is live, and reaches nothing else.
/// - A transfer task (trying a skill at work) is its learner's to report on; the trainers of a
///   cohort where they practise the exercise and their managers read and review the report.
/// - Anything else is hidden: the server answers 404, so not even its existence leaks.
/// - A disabled account can do nothing.
public enum AccessPolicy {
    /// Decides whether `actor` may do `action` to `resource`.
    public static func decide(_ actor: Actor, _ action: Action, _ resource: Resource) -> Decision {
        if actor.user.isDisabled { return .hide }
        if let own = ownership(actor, action, resource) { return own }
        if let chosen = audience(actor, action, resource) { return chosen }
        if actor.user.has(.admin) { return .allow }
        switch resource {
        case .newRecord, .webhooks, .accountSettings, .administration, .auditLog, .retention:
            return .forbid
        case .transferTask(let task, let exercise, let memberships):
            // Its learner reports; the trainers of a cohort where they practise the exercise, and their managers, review.
            if task.learnerID == actor.user.id { return action == .view || action == .update ? .allow : .forbid }
            let trainedBy = memberships.contains {
                $0.userID == task.learnerID && $0.part == .learner && exercise.cohorts.contains($0.cohortID) && actor.trains($0.cohortID)
            }
            if trainedBy || actor.manages(task.learnerID) { return action == .view || action == .review ? .allow : .forbid }
            return .hide
        case .guestReviewers(let submission, let exercise, let memberships):
            // Those who may review it (not an assigned peer, not a guest) choose its guests.
            let reviews = decide(actor, .review, .submission(submission, exercise: exercise, learnerMemberships: memberships)) == .allow
            let peerOrGuest = submission.sharedWith.contains(actor.user.id) || actor.guest != nil
            if reviews && !peerOrGuest { return action == .update ? .forbid : .allow }
            return decide(actor, .view, .submission(submission, exercise: exercise, learnerMemberships: memberships)) == .allow ? .forbid : .hide
        case .webhookEndpoint:
            return .hide
        case .team:
            return actor.user.has(.manager) && action == .view ? .allow : .forbid
        case .encouragement(let person):
            guard actor.manages(person) else { return .hide }
            return action == .create ? .allow : .forbid
        case .managers(let person):
            if actor.manages(person) || person == actor.user.id { return action == .view ? .allow : .forbid }
            return .hide
        case .reviewQueue, .reviewTask, .upload:
            return .hide  // decided by ownership
        case .mediaLibrary:
            return actor.user.has(.trainer) && (action == .view || action == .create) ? .allow : .forbid
        case .mediaItem(let item, let named):
            if actor.user.has(.trainer) {
                return action == .view || (action == .delete && item.ownerID == actor.user.id) ? .allow : .forbid
            }
            return named && action == .view ? .allow : .hide
        case .ladder(let exercise):
            if exercise.cohorts.contains(where: actor.trains) { return action == .view ? .allow : .forbid }
            return exercise.cohorts.contains(where: actor.belongs(to:)) ? .forbid : .hide
        case .scoreSheet(let cohort):
            if actor.trains(cohort) { return action == .view ? .allow : .forbid }
            return actor.belongs(to: cohort) ? .forbid : .hide
        case .dashboard(let cohort):
            guard let cohort else { return !actor.trainedCohorts.isEmpty && action == .view ? .allow : .forbid }
            if actor.trains(cohort) { return action == .view ? .allow : .forbid }
            return actor.trainedCohorts.isEmpty ? .forbid : .hide
        case .user(let user, let memberships):
            if user.id == actor.user.id {
                return action == .view || action == .update ? .allow : .forbid
            }
            if actor.manages(user.id) { return action == .view ? .allow : .forbid }
            let trainsThem = memberships.contains { $0.userID == user.id && actor.trains($0.cohortID) }
            if trainsThem { return action == .view ? .allow : .forbid }
            return .hide
        case .cohort(let cohort):
            guard actor.belongs(to: cohort.id) else { return .hide }
            return action == .view ? .allow : .forbid
        case .membership(let membership):
            // Trainers see their cohorts' members; a learner sees their own place and who trains them.
            if actor.trains(membership.cohortID) || membership.userID == actor.user.id
                || (membership.part == .trainer && actor.learns(in: membership.cohortID))
            {
                return action == .view ? .allow : .forbid
            }
            return .hide
        case .exercise(let exercise):
            guard exercise.cohorts.contains(where: actor.belongs(to:)) else { return .hide }
            return action == .view ? .allow : .forbid
        case .submission(let submission, let exercise, let learnerMemberships):
            // A trainer of a cohort in which the author learns and which practises the exercise.
            let practisedIn = learnerMemberships.filter { membership in
                membership.userID == submission.learnerID && membership.part == .learner && exercise.cohorts.contains(membership.cohortID)
            }.map(\.cohortID)
            if practisedIn.contains(where: actor.trains) {
                return [.view, .watch, .review, .update].contains(action) ? .allow : .forbid
            }
            // A guest, on the one attempt their live invitation names.
            if let guest = actor.guest {
                return guest.submissionID == submission.id && [.view, .watch, .review].contains(action) ? .allow : .hide
            }
            if submission.audience >= .peers, submission.sharedWith.contains(actor.user.id) {
                return [.view, .watch, .review].contains(action) ? .allow : .forbid
            }
            if submission.isInLibrary(of: exercise), practisedIn.contains(where: actor.belongs(to:)) {
                return action == .view || action == .watch ? .allow : .forbid
            }
            // Their manager: that it exists and its scores; the recording only if shared with them,
            // or when it is a closing test, which they review too.
            if actor.manages(submission.learnerID), exercise.review.closingTest {
                return [.view, .watch, .review].contains(action) ? .allow : .forbid
            }
            if actor.manages(submission.learnerID) {
                return action == .view || (action == .watch && submission.sharedWithManager) ? .allow : .forbid
            }
            return .hide
        case .newSubmission(let learner, let exercise):
            guard exercise.cohorts.contains(where: actor.belongs(to:)) else { return .hide }
            let learnsIt = exercise.cohorts.contains(where: actor.learns(in:))
            return action == .create && learner == actor.user.id && learnsIt ? .allow : .forbid
        case .scaffolding(let learner, let exercise, let learnerMemberships):
            let trainedBy = learnerMemberships.contains { membership in
                membership.userID == learner && membership.part == .learner
                    && exercise.cohorts.contains(membership.cohortID) && actor.trains(membership.cohortID)
            }
            if trainedBy { return action == .view || action == .update ? .allow : .forbid }
            if learner == actor.user.id, exercise.cohorts.contains(where: actor.learns(in:)) { return action == .view ? .allow : .forbid }
            let learnsIt = learnerMemberships.contains { $0.userID == learner && $0.part == .learner && exercise.cohorts.contains($0.cohortID) }
            if actor.manages(learner), learnsIt { return action == .view ? .allow : .forbid }
            return .hide
        case .scaffoldingMatrix(let exercise):
            if exercise.cohorts.contains(where: actor.trains) { return action == .view ? .allow : .forbid }
            return exercise.cohorts.contains(where: actor.belongs(to:)) ? .forbid : .hide
        case .invitation(let role, let cohort):
            guard let cohort, actor.trains(cohort) else { return cohort.map { actor.belongs(to: $0) ? .forbid : .hide } ?? .forbid }
            return action == .create && role == .learner ? .allow : .forbid
        }
    }
}

extension AccessPolicy {
    /// The rules for what is a person's own whatever their roles; nil for every other resource.
    static func ownership(_ actor: Actor, _ action: Action, _ resource: Resource) -> Decision? {
        switch resource {
        case .reviewQueue:
            if !actor.trainedCohorts.isEmpty { return action == .view || action == .create ? .allow : .forbid }
            return actor.user.has(.admin) && action == .view ? .allow : .forbid
        case .reviewTask(let task):
            // Trainers only while they train the cohort; peers only while they learn in it.
            let mine =
                switch task.kind {
                case .trainer: actor.trains(task.cohortID)
                case .peer: task.assignee == actor.user.id && actor.learns(in: task.cohortID)
                case .selfReview: task.assignee == actor.user.id
                case .guest: task.assignee == actor.user.id && actor.guest?.taskID == task.id
                case .manager: task.assignee == actor.user.id && actor.user.has(.manager)
                }
            return mine ? (action == .delete || action == .create ? .forbid : .allow) : .hide
        case .upload(let owner):
            return owner == actor.user.id ? .allow : .hide
        case .transferTask(let task, _, _) where action == .update:
            // The report is its learner's own, not even an administrator's to write.
            if task.learnerID == actor.user.id { return .allow }
            return actor.user.has(.admin) ? .forbid : nil
        default:
            return nil
        }
    }
}

extension AccessPolicy {
    /// The rules of a recording's audience that come before any role: its learner's own rights,
    /// and a private practice take's privacy, which not even an administrator's role opens. Nil
    /// for everything else.
    static func audience(_ actor: Actor, _ action: Action, _ resource: Resource) -> Decision? {
        if case .guestReviewers(let submission, _, _) = resource {
            // Its learner invites guests unless they keep it to themselves; nobody invites to a private take.
            if submission.audience == .onlyMe { return submission.learnerID == actor.user.id || actor.user.has(.admin) ? .forbid : .hide }
            return submission.learnerID == actor.user.id ? (action == .update ? .forbid : .allow) : nil
        }
        guard case .submission(let submission, _, _) = resource else { return nil }
        if submission.learnerID == actor.user.id { return [.view, .watch, .update].contains(action) ? .allow : .forbid }
        guard submission.audience == .onlyMe else { return nil }
        return actor.user.has(.admin) ? (action == .view ? .allow : .forbid) : .hide
    }
}

extension AccessPolicy {
    /// Which of `cohorts` `actor` may see named (all of them for an administrator).
    public static func visibleCohorts(_ cohorts: Set<CohortID>, for actor: Actor) -> Set<CohortID> {
        switch listScope(for: actor) {
        case .nothing: []
        case .everything: cohorts
        case .reach(let reach): cohorts.intersection(reach.belongs)
        }
    }
}

/// What a list may hold for an actor: the rules of ``AccessPolicy/decide(_:_:_:)`` for `view`,
/// as a description a store turns into a query.
public enum ListScope: Sendable, Equatable {
    /// Nothing at all (a disabled account).
    case nothing
    /// Every record (an admin).
    case everything
    /// What the actor can reach through their own account and cohorts.
    case reach(Reach)
}

/// The facts a store needs to list what an actor may view.
///
/// - users: the actor, and the members of cohorts they train;
/// - cohorts: those they belong to;
/// - memberships: all in cohorts they train, their own, and the trainers of cohorts they learn in;
/// - exercises: those assigned to a cohort they belong to;
/// - submissions: their own, those shared with them as an assigned peer (unless their learner
///   chose only the trainers), and those by learners of a cohort they train for an exercise
///   assigned to that cohort; never someone else's private practice take. (The cohort's library
///   is listed on its own.)
public struct Reach: Sendable, Equatable {
    /// The actor.
    public var user: UserID
    /// Cohorts the actor trains (and holds the trainer role for).
    public var trains: Set<CohortID>
    /// Cohorts the actor learns in.
    public var learnsIn: Set<CohortID>
    /// Every cohort the actor is in.
    public var belongs: Set<CohortID> { trains.union(learnsIn) }
}

extension AccessPolicy {
    /// The scope of every list `actor` asks for.
    public static func listScope(for actor: Actor) -> ListScope {
        if actor.user.isDisabled { return .nothing }
        if actor.user.has(.admin) { return .everything }
        let cohorts = Set(actor.memberships.map(\.cohortID))
        return .reach(Reach(user: actor.user.id, trains: actor.trainedCohorts, learnsIn: cohorts.filter { actor.learns(in: $0) }))
    }
}
