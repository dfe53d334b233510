import Foundation
import SteigerCore
import SteigerStore

/// Attempts, their media and the feedback on them, as each person may see them.
public struct Submissions: Sendable {
    let store: Store
    var now: @Sendable () -> Date = { Date() }

    /// An attempt with what deciding about it needs: its exercise and its learner's memberships.
    public struct Reached: Sendable {
        public var submission: Submission
        public var exercise: Exercise
        public var learnerMemberships: [Membership]
    }

    /// What a person may see of an attempt's feedback: the comments and reviews visible to them,
    /// with names as they should read them (peers anonymous to the learner when the exercise
    /// says so).
    public struct Feedback: Sendable {
        public var submission: Submission
        public var annotations: [Annotation]
        public var reviews: [Review]
        public var durationMilliseconds: Int?
        /// The exercise's rubric, to read the reviews' scores by.
        public var rubric: Rubric
        var names: [UserID: String]
        /// The peers the reader knows only by number (1 is the first assigned).
        var peerNumbers: [UserID: Int]

        /// The name of a comment's author or a reviewer as the reader should see it, in `words`:
        /// "Peer 1" for a peer kept anonymous, "a former participant" for an erased account.
        public func name(_ id: UserID, in words: Localizer) -> String {
            if let number = peerNumbers[id] { return words.text("anonymousPeer", ["number": .integer(number)]) }
            return names[id] ?? words.text("formerParticipant")
        }
    }

    /// The attempts `actor` may see (their own, those shared with them, and for trainers their
    /// cohorts' attempts), newest first.
    public func list(_ actor: Actor, filter: SubmissionFilter, page: PageRequest) async throws -> Page<Submission> {
        try await store.submissions(scope: AccessPolicy.listScope(for: actor), filter: filter, page: page)
    }

    /// The actor's own attempts at `exercise`, newest first (up to 200).
    public func attempts(_ actor: Actor, at exercise: ExerciseID) async throws -> [Submission] {
        try await store.submissions(
            scope: .everything, filter: SubmissionFilter(exercise: exercise, learner: actor.user.id), page: PageRequest(limit: 200)
        ).items
    }

    /// The attempt `id`, if `actor` may do `action` to it.
    public func reach(_ actor: Actor, _ id: SubmissionID, for action: Action = .view) async throws -> Reached {
        guard let submission = try await store.submission(id), let exercise = try await store.exercise(submission.exerciseID) else {
            throw AppError.notFound(.submission)
        }
        let memberships = try await store.memberships(of: submission.learnerID)
        try AccessPolicy.require(
            actor, action, .submission(submission, exercise: exercise, learnerMemberships: memberships), .submission)
        return Reached(submission: submission, exercise: exercise, learnerMemberships: memberships)
    }

    /// One of the actor's own attempts with its exercise; anyone else's is not found.
    public func own(_ actor: Actor, _ id: SubmissionID) async throws -> (Submission, Exercise) {
        guard let submission = try await store.submission(id), submission.learnerID == actor.user.id,
            let exercise = try await store.exercise(submission.exerciseID)
        else { throw AppError.notFound(.attempt) }
        return (submission, exercise)
    }

    /// Removes one of the actor's own attempts that could not be used (its recording was empty,
    /// cut short or not a video), so it no longer stands among their attempts.
    /// - Throws: not found for anyone else's; ``ProblemKind/attemptKept`` for one that is usable.
    public func removeFailed(_ actor: Actor, _ id: SubmissionID) async throws {
        let (submission, _) = try await own(actor, id)
        guard submission.status == .failed, try await store.removeFailedSubmission(id, learner: actor.user.id) else {
            throw AppError(.attemptKept)
        }
    }

    /// The attempt `id` and its media's record, if `actor` may watch it (its media may have been
    /// removed under a retention policy: see ``SubmissionMedia/removal``).
    /// - Throws: ``ProblemKind/noRecording``.
    public func media(_ actor: Actor, _ id: SubmissionID) async throws -> (Submission, SubmissionMedia) {
        let submission = try await reach(actor, id, for: .watch).submission
        guard let media = try await store.submissionMedia(submission.id) else { throw AppError(.noRecording) }
        return (submission, media)
    }

    /// The attempt `id` and its media, to serve, if `actor` may watch it.
    /// - Throws: ``ProblemKind/mediaRemoved`` (with the note of the policy) once they were removed.
    public func servableMedia(_ actor: Actor, _ id: SubmissionID) async throws -> (Submission, SubmissionMedia) {
        let (submission, media) = try await self.media(actor, id)
        if let removal = media.removal { throw AppError(.mediaRemoved, ["note": .message(removal.message)]) }
        return (submission, media)
    }

    /// What of a recording is fetched: its web rendition to play, or its original file.
    public enum RecordingPart: Sendable {
        case rendition, original
    }

    /// The attempt `id` and its media, to play or download `part`, if `actor` may watch it. A
    /// play or download by anyone but its learner goes to the audit log, once per viewing.
    public func recording(_ actor: Actor, _ id: SubmissionID, _ part: RecordingPart) async throws -> (Submission, SubmissionMedia) {
        let (submission, media) = try await servableMedia(actor, id)
        if submission.learnerID != actor.user.id, part == .original || media.renditionSHA256 != nil {
            try await store.recordWatch(
                viewer: actor.user.id, submission: submission.id, owner: submission.learnerID, downloaded: part == .original, now: now())
        }
        return (submission, media)
    }

    /// The feedback on attempt `id` that `actor` may see.
    public func feedback(_ actor: Actor, _ id: SubmissionID) async throws -> Feedback {
        try await feedback(actor, try await reach(actor, id, for: .watch))
    }

    /// How large a reached attempt's recording is: what anyone who may view it learns of its
    /// media (an administrator of a private practice take, no more); nil before it arrived.
    public func size(of reached: Reached) async throws -> Int64? {
        try await store.submissionMedia(reached.submission.id)?.originalSize
    }

    /// The feedback on a reached attempt that `actor` may see.
    func feedback(_ actor: Actor, _ reached: Reached) async throws -> Feedback {
        let (submission, exercise) = (reached.submission, reached.exercise)
        let tasks = try await store.reviewTasks(of: submission.id)
        var reviews = try await store.reviews(of: submission.id)
        var annotations = try await store.annotations(of: submission.id)
        let isLearner = actor.user.id == submission.learnerID
        if isLearner, !exercise.review.showCommentsBeforeSubmit {
            // The learner sees a reviewer's comments once that reviewer has submitted.
            let submitted = Set(reviews.map(\.reviewerID))
            annotations = annotations.filter { $0.authorID == actor.user.id || submitted.contains($0.authorID) }
        }
        let trainsIt = reached.learnerMemberships.contains {
            $0.part == .learner && exercise.cohorts.contains($0.cohortID) && actor.trains($0.cohortID)
        }
        let isPeerOnly = !isLearner && !actor.user.has(.admin) && !trainsIt
        // A guest reviewer sees what an assigned peer sees.
        let isAssignedPeer =
            (submission.audience >= .peers && submission.sharedWith.contains(actor.user.id)) || actor.guest?.submissionID == submission.id
        let isTheirManager = submission.sharedWithManager && actor.manages(submission.learnerID)
        if isPeerOnly, isTheirManager, !isAssignedPeer {
            // Their manager, on an attempt shared with them: the sent feedback, as the learner reads it.
            let submitted = Set(reviews.map(\.reviewerID))
            annotations = annotations.filter { submitted.contains($0.authorID) || $0.authorID == submission.learnerID }
        } else if isPeerOnly, !isAssignedPeer {
            // Someone watching it in the library: the sent feedback when its learner shared it, otherwise none.
            let submitted = Set(reviews.map(\.reviewerID))
            annotations =
                submission.sharesFeedback ? annotations.filter { submitted.contains($0.authorID) || $0.authorID == submission.learnerID } : []
            if !submission.sharesFeedback { reviews = [] }
        } else if isPeerOnly {
            // A peer sees the learner's own reflections and their own work, not the other reviewers'.
            annotations = annotations.filter { $0.authorID == actor.user.id || $0.authorID == submission.learnerID }
            reviews = reviews.filter { $0.reviewerID == actor.user.id }
        }
        // A reply whose comment is hidden is hidden too (its text may quote it).
        var visible = Set(annotations.map(\.id))
        while true {
            let kept = annotations.filter { $0.parentID.map(visible.contains) ?? true }
            if kept.count == annotations.count { break }
            annotations = kept
            visible = Set(kept.map(\.id))
        }
        var names: [UserID: String] = [:]
        var peerNumbers: [UserID: Int] = [:]
        let peers = tasks.filter { $0.kind == .peer }.compactMap(\.assignee)
        for id in Set(annotations.map(\.authorID) + reviews.map(\.reviewerID)) {
            if exercise.review.anonymousPeers, isLearner || isPeerOnly, id != actor.user.id, let index = peers.firstIndex(of: id) {
                peerNumbers[id] = index + 1
            } else {
                names[id] = try await store.user(id).flatMap { $0.isErased ? nil : $0.displayName }
            }
        }
        return Feedback(
            submission: submission, annotations: annotations, reviews: reviews,
            durationMilliseconds: try await store.submissionMedia(submission.id)?.durationMilliseconds, rubric: exercise.rubric, names: names,
            peerNumbers: peerNumbers)
    }
}

extension Submissions {
    /// A learner's choice of who may watch one of their recordings: the audience, whether they
    /// consent to it (the library needs that, in the `wording` they were shown), and whether the
    /// feedback is shown with it in the library.
    public struct AudienceChoice: Sendable {
        public var audience: Audience
        public var consented: Bool
        public var wording: String
        public var sharesFeedback: Bool

        /// Creates a choice.
        public init(audience: Audience, consented: Bool = false, wording: String = "", sharesFeedback: Bool = false) {
            self.audience = audience
            self.consented = consented
            self.wording = wording
            self.sharesFeedback = sharesFeedback
        }
    }

    /// Changes who may watch `actor`'s own attempt `id`: within what its exercise offers, with
    /// consent for the library (recorded with its time and wording; a changed choice of sharing
    /// the feedback is consented to again), never below what it was sent for review with.
    /// Leaving the library withdraws the consent and hides it there at once; a practice take sent
    /// for review gets its reviews planned.
    /// - Throws: not found for anyone else's attempt; ``ProblemKind/audienceNotOffered``,
    ///   ``ProblemKind/consentNeeded``, ``ProblemKind/audienceSent``.
    public func setAudience(_ actor: Actor, _ id: SubmissionID, _ choice: AudienceChoice) async throws -> Submission {
        let (submission, exercise) = try await own(actor, id)
        do {
            try exercise.checkAudienceChange(of: submission, to: choice.audience, consented: choice.consented)
        } catch {
            throw AppError(error.kind)
        }
        let sharesFeedback = choice.audience == .cohort && choice.sharesFeedback
        let now = now()
        // A new consent when the library is chosen, or what it shows there changes.
        let consent =
            choice.audience.needsConsent && (submission.audience != choice.audience || submission.sharesFeedback != sharesFeedback)
            ? Consent(
                submissionID: id, userID: actor.user.id, audience: choice.audience, wording: choice.wording, withFeedback: sharesFeedback,
                givenAt: now) : nil
        if consent != nil, !choice.consented || choice.wording.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw AppError(.consentNeeded)
        }
        try await store.setAudience(id, to: choice.audience, sharesFeedback: sharesFeedback, consent: consent, now: now)
        if choice.audience > submission.audience { try await store.planReviews(for: id, now: now) }
        guard let updated = try await store.submission(id) else { throw AppError.notFound(.attempt) }
        return updated
    }

    /// The consents given for `actor`'s own attempt `id` (withdrawn ones too), oldest first;
    /// an administrator reads them for any attempt.
    public func consents(_ actor: Actor, _ id: SubmissionID) async throws -> [Consent] {
        let submission = try await reach(actor, id).submission
        guard submission.learnerID == actor.user.id || actor.user.has(.admin) else { throw AppError.notFound(.attempt) }
        return try await store.consents(of: id)
    }

    /// A trainer's approval of attempt `id` for the cohort's library, for an exercise that asks
    /// for it (approving one that needs none, or is not shared there, changes nothing).
    /// - Throws: not found or not allowed as the access policy decides for `update`.
    public func approveForLibrary(_ actor: Actor, _ id: SubmissionID) async throws -> Submission {
        let reached = try await reach(actor, id)
        guard Self.approves(actor, reached.submission, reached.exercise, reached.learnerMemberships) else {
            throw AppError.forbidden(.submission)
        }
        if reached.submission.audience == .cohort { try await store.approveForLibrary(id, by: actor.user.id, now: now()) }
        guard let updated = try await store.submission(id) else { throw AppError.notFound(.submission) }
        return updated
    }

    /// One attempt in a cohort's library, with what the list shows of it.
    public struct LibraryEntry: Sendable {
        public var submission: Submission
        public var exercise: Exercise
        public var learnerName: String
        /// The latest sent trainer review when its learner shares the feedback, else nil.
        public var review: Review?
        /// Who sent that review.
        public var reviewerName: String
        /// Whether the actor may approve it for the library while it waits for that.
        public var mayApprove: Bool
        /// Whether it waits for a trainer's approval before others see it.
        public var awaitsApproval: Bool { submission.awaitsApproval(in: exercise) }
    }

    /// Lets the learner's managers watch one of `actor`'s own attempts with its feedback, or no
    /// longer (`shared`); they always see that it exists and its scores.
    /// - Throws: not found for anyone else's attempt; ``ProblemKind/audienceNotOffered`` for a
    ///   private practice take (it must be sent for review first).
    public func shareWithManager(_ actor: Actor, _ id: SubmissionID, shared: Bool) async throws -> Submission {
        let (submission, _) = try await own(actor, id)
        if shared, submission.audience == .onlyMe { throw AppError(.audienceNotOffered) }
        return try await store.setSharedWithManager(id, shared: shared, now: now())
    }

    /// An attempt its learner shared with `actor`, their manager, to watch with its feedback.
    /// - Throws: not found for anything else.
    public func sharedWithManager(_ actor: Actor, _ id: SubmissionID) async throws -> LibraryEntry {
        let reached = try await reach(actor, id, for: .watch)
        let submission = reached.submission
        guard actor.manages(submission.learnerID), submission.sharedWithManager else { throw AppError.notFound(.submission) }
        return LibraryEntry(
            submission: submission, exercise: reached.exercise, learnerName: try await store.user(submission.learnerID)?.displayName ?? "",
            review: nil, reviewerName: "", mayApprove: false)
    }

    /// One attempt of the library as `actor` may watch it there. - Throws: not found for an
    /// attempt not shared there or out of the actor's reach.
    public func example(_ actor: Actor, _ id: SubmissionID) async throws -> LibraryEntry {
        let reached = try await reach(actor, id, for: .watch)
        let submission = reached.submission
        guard submission.audience == .cohort else { throw AppError.notFound(.submission) }
        let mayApprove = Self.approves(actor, submission, reached.exercise, reached.learnerMemberships)
        return LibraryEntry(
            submission: submission, exercise: reached.exercise, learnerName: try await store.user(submission.learnerID)?.displayName ?? "",
            review: nil, reviewerName: "", mayApprove: mayApprove && submission.awaitsApproval(in: reached.exercise))
    }

    /// Whether `actor` decides on `submission`'s place in the library: someone other than its
    /// learner whom the access policy lets `update` it (its trainers, administrators).
    static func approves(_ actor: Actor, _ submission: Submission, _ exercise: Exercise, _ learnerMemberships: [Membership]) -> Bool {
        submission.learnerID != actor.user.id
            && AccessPolicy.decide(actor, .update, .submission(submission, exercise: exercise, learnerMemberships: learnerMemberships)) == .allow
    }

    /// The attempts in the libraries of the cohorts `actor` is in (every cohort for an
    /// administrator), newest first: at `exercise` when named; with `criterion`, only those whose
    /// shared feedback scored it, best first. Attempts waiting for a trainer's approval are listed
    /// for the trainers who may approve them.
    public func library(_ actor: Actor, exercise: ExerciseID? = nil, criterion: String? = nil) async throws -> [LibraryEntry] {
        let cohorts: Set<CohortID>? =
            switch AccessPolicy.listScope(for: actor) {
            case .nothing: []
            case .everything: nil
            case .reach(let reach): reach.belongs
            }
        var entries: [LibraryEntry] = []
        var exercises: [ExerciseID: Exercise] = [:]
        var memberships: [UserID: [Membership]] = [:]
        var names: [UserID: String] = [:]
        func name(_ id: UserID) async throws -> String {
            if let known = names[id] { return known }
            let name = try await store.user(id)?.displayName ?? ""
            names[id] = name
            return name
        }
        // Listed as the library shows them: a peer assignment gives no place in the library, so
        // the candidates are decided on without it.
        for submission in try await store.libraryCandidates(exercise: exercise, cohorts: cohorts) {
            if exercises[submission.exerciseID] == nil { exercises[submission.exerciseID] = try await store.exercise(submission.exerciseID) }
            guard let exercise = exercises[submission.exerciseID] else { continue }
            if memberships[submission.learnerID] == nil { memberships[submission.learnerID] = try await store.memberships(of: submission.learnerID) }
            let learnerMemberships = memberships[submission.learnerID] ?? []
            let resource = Resource.submission(submission, exercise: exercise, learnerMemberships: learnerMemberships)
            let mayApprove = Self.approves(actor, submission, exercise, learnerMemberships) && submission.awaitsApproval(in: exercise)
            guard AccessPolicy.decide(actor, .watch, resource) == .allow,
                submission.learnerID == actor.user.id || submission.isInLibrary(of: exercise) || mayApprove
            else { continue }
            let review = submission.sharesFeedback ? try await store.reviews(of: submission.id).last { $0.kind == .trainer } : nil
            entries.append(
                LibraryEntry(
                    submission: submission, exercise: exercise, learnerName: try await name(submission.learnerID), review: review,
                    reviewerName: try await review.asyncMap { try await name($0.reviewerID) } ?? "", mayApprove: mayApprove))
        }
        if let criterion {
            entries = entries.compactMap { entry in entry.review?.scores[criterion].map { (entry, $0) } }.sorted { $0.1 > $1.1 }.map(\.0)
        }
        return entries
    }
}
