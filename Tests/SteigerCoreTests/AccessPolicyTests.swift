import Foundation
import Testing

@testable import SteigerCore

/// Two cohorts, A and B, each with a trainer and learners; exercises assigned to each.
struct World {
    let cohortA: Cohort, cohortB: Cohort
    let admin: User, trainerA: User, trainerB: User, learnerA1: User, learnerA2: User, learnerB: User, disabled: User
    let memberships: [Membership]
    let exerciseA: Exercise, exerciseB: Exercise
    let submissionA1: Submission, submissionB: Submission, sharedA2: Submission

    init() throws {
        cohortA = try Cohort(name: "A")
        cohortB = try Cohort(name: "B")
        admin = try User(email: "admin@example.org", displayName: "Admin", roles: [.admin])
        trainerA = try User(email: "ta@example.org", displayName: "Trainer A", roles: [.trainer])
        trainerB = try User(email: "tb@example.org", displayName: "Trainer B", roles: [.trainer])
        learnerA1 = try User(email: "a1@example.org", displayName: "Learner A1", roles: [.learner])
        learnerA2 = try User(email: "a2@example.org", displayName: "Learner A2", roles: [.learner])
        learnerB = try User(email: "b@example.org", displayName: "Learner B", roles: [.learner])
        disabled = try User(email: "gone@example.org", displayName: "Gone", roles: [.admin], isDisabled: true)
        memberships = [
            Membership(cohortID: cohortA.id, userID: trainerA.id, part: .trainer),
            Membership(cohortID: cohortA.id, userID: learnerA1.id, part: .learner),
            Membership(cohortID: cohortA.id, userID: learnerA2.id, part: .learner),
            Membership(cohortID: cohortB.id, userID: trainerB.id, part: .trainer),
            Membership(cohortID: cohortB.id, userID: learnerB.id, part: .learner),
        ]
        exerciseA = try Exercise(
            title: "A", instructions: "Do A", skillKey: "a", rubric: sampleRubric(), ladder: sampleLadder(), cohorts: [cohortA.id])
        exerciseB = try Exercise(
            title: "B", instructions: "Do B", skillKey: "b", rubric: sampleRubric(), ladder: sampleLadder(), cohorts: [cohortB.id])
        submissionA1 = try Submission(learnerID: learnerA1.id, exerciseID: exerciseA.id, attempt: 1, status: .ready, scaffoldLevel: 3)
        submissionB = try Submission(learnerID: learnerB.id, exerciseID: exerciseB.id, attempt: 1, status: .ready, scaffoldLevel: 3)
        sharedA2 = try Submission(
            learnerID: learnerA2.id, exerciseID: exerciseA.id, attempt: 1, status: .ready, scaffoldLevel: 2,
            sharedWith: [learnerA1.id])
    }

    func actor(_ user: User) -> Actor { Actor(user: user, memberships: memberships) }
    func user(_ user: User) -> Resource { .user(user, memberships: memberships) }
    func submission(_ submission: Submission) -> Resource {
        .submission(submission, exercise: submission.exerciseID == exerciseA.id ? exerciseA : exerciseB, learnerMemberships: memberships)
    }
}

@Suite("Access policy")
struct AccessPolicyTests {
    /// Rows: resource; columns: admin, trainerA, learnerA1, learnerB, disabled. View decisions.
    @Test func viewMatrix() throws {
        let w = try World()
        let actors = [w.admin, w.trainerA, w.learnerA1, w.learnerB, w.disabled]
        let rows: [(String, Resource, [Decision])] = [
            ("cohort A", .cohort(w.cohortA), [.allow, .allow, .allow, .hide, .hide]),
            ("cohort B", .cohort(w.cohortB), [.allow, .hide, .hide, .allow, .hide]),
            ("exercise A", .exercise(w.exerciseA), [.allow, .allow, .allow, .hide, .hide]),
            ("exercise B", .exercise(w.exerciseB), [.allow, .hide, .hide, .allow, .hide]),
            ("user A1", w.user(w.learnerA1), [.allow, .allow, .allow, .hide, .hide]),
            ("user B", w.user(w.learnerB), [.allow, .hide, .hide, .allow, .hide]),
            ("submission A1", w.submission(w.submissionA1), [.allow, .allow, .allow, .hide, .hide]),
            ("submission B", w.submission(w.submissionB), [.allow, .hide, .hide, .allow, .hide]),
            ("A2's, shared with A1", w.submission(w.sharedA2), [.allow, .allow, .allow, .hide, .hide]),
            ("membership A1", .membership(w.memberships[1]), [.allow, .allow, .allow, .hide, .hide]),
        ]
        for (name, resource, expected) in rows {
            let decisions = actors.map { AccessPolicy.decide(w.actor($0), .view, resource) }
            #expect(decisions == expected, "\(name): \(decisions)")
        }
    }

    @Test func changesAreForAdminsAndReviewsForTrainersAndPeers() throws {
        let w = try World()
        for action in [Action.update, .delete] {
            #expect(AccessPolicy.decide(w.actor(w.admin), action, .cohort(w.cohortA)) == .allow)
            #expect(AccessPolicy.decide(w.actor(w.trainerA), action, .cohort(w.cohortA)) == .forbid)
            #expect(AccessPolicy.decide(w.actor(w.learnerA1), action, .exercise(w.exerciseA)) == .forbid)
            #expect(AccessPolicy.decide(w.actor(w.trainerB), action, .exercise(w.exerciseA)) == .hide)
        }
        #expect(AccessPolicy.decide(w.actor(w.trainerA), .create, .newRecord) == .forbid)
        #expect(AccessPolicy.decide(w.actor(w.admin), .create, .newRecord) == .allow)
        // Reviews: the cohort's trainer and a peer it is shared with; not the author, not another trainer.
        #expect(AccessPolicy.decide(w.actor(w.trainerA), .review, w.submission(w.submissionA1)) == .allow)
        #expect(AccessPolicy.decide(w.actor(w.learnerA1), .review, w.submission(w.sharedA2)) == .allow)
        #expect(AccessPolicy.decide(w.actor(w.learnerA1), .review, w.submission(w.submissionA1)) == .forbid)
        #expect(AccessPolicy.decide(w.actor(w.trainerB), .review, w.submission(w.submissionA1)) == .hide)
        #expect(AccessPolicy.decide(w.actor(w.learnerA2), .view, w.submission(w.submissionA1)) == .hide)
        // Own account: view and update, not delete.
        #expect(AccessPolicy.decide(w.actor(w.learnerA1), .update, w.user(w.learnerA1)) == .allow)
        #expect(AccessPolicy.decide(w.actor(w.learnerA1), .delete, w.user(w.learnerA1)) == .forbid)
        #expect(AccessPolicy.decide(w.actor(w.trainerA), .update, w.user(w.learnerA1)) == .forbid)
    }

    @Test func learnersSubmitOnlyTheirOwnAttemptsAtTheirExercises() throws {
        let w = try World()
        #expect(AccessPolicy.decide(w.actor(w.learnerA1), .create, .newSubmission(learner: w.learnerA1.id, exercise: w.exerciseA)) == .allow)
        #expect(AccessPolicy.decide(w.actor(w.learnerA1), .create, .newSubmission(learner: w.learnerA2.id, exercise: w.exerciseA)) == .forbid)
        #expect(AccessPolicy.decide(w.actor(w.learnerA1), .create, .newSubmission(learner: w.learnerA1.id, exercise: w.exerciseB)) == .hide)
        #expect(AccessPolicy.decide(w.actor(w.trainerA), .create, .newSubmission(learner: w.trainerA.id, exercise: w.exerciseA)) == .forbid)
    }

    @Test("administrators invite anyone anywhere; a trainer invites learners into their own cohorts; learners no one")
    func invitations() throws {
        let w = try World()
        func decide(_ user: User, _ role: Role, _ cohort: Cohort?) -> Decision {
            AccessPolicy.decide(w.actor(user), .create, .invitation(role: role, cohort: cohort?.id))
        }
        for role in Role.allCases {
            #expect(decide(w.admin, role, nil) == .allow && decide(w.admin, role, w.cohortB) == .allow)
        }
        #expect(decide(w.trainerA, .learner, w.cohortA) == .allow)
        #expect(decide(w.trainerA, .trainer, w.cohortA) == .forbid && decide(w.trainerA, .admin, w.cohortA) == .forbid)
        #expect(decide(w.trainerA, .learner, nil) == .forbid)
        #expect(decide(w.trainerA, .learner, w.cohortB) == .hide)
        #expect(decide(w.learnerA1, .learner, w.cohortA) == .forbid && decide(w.learnerA1, .learner, w.cohortB) == .hide)
        #expect(decide(w.disabled, .learner, nil) == .hide)
    }

    @Test func theTrainerRoleIsNeededToTrain() throws {
        let w = try World()
        // A learner listed as a cohort's trainer by mistake does not gain a trainer's reach.
        let impostor = try User(email: "imp@example.org", displayName: "Imp", roles: [.learner])
        let actor = Actor(user: impostor, memberships: [Membership(cohortID: w.cohortA.id, userID: impostor.id, part: .trainer)])
        #expect(AccessPolicy.decide(actor, .view, w.submission(w.submissionA1)) == .hide)
    }

    @Test("review tasks, uploads and the queue are their people's own, even against an administrator")
    func ownership() throws {
        let w = try World()
        let trainerTask = ReviewTask(submissionID: w.submissionA1.id, cohortID: w.cohortA.id, kind: .trainer)
        let peerTask = ReviewTask(submissionID: w.sharedA2.id, cohortID: w.cohortA.id, kind: .peer, assignee: w.learnerA1.id)
        // Columns: admin, trainerA, learnerA1, learnerB, disabled.
        let actors = [w.admin, w.trainerA, w.learnerA1, w.learnerB, w.disabled]
        let rows: [(String, Action, Resource, [Decision])] = [
            ("a trainer task", .review, .reviewTask(trainerTask), [.hide, .allow, .hide, .hide, .hide]),
            ("a peer task", .review, .reviewTask(peerTask), [.hide, .hide, .allow, .hide, .hide]),
            ("A1's upload", .update, .upload(owner: w.learnerA1.id), [.hide, .hide, .allow, .hide, .hide]),
            ("claiming from the queue", .create, .reviewQueue, [.forbid, .allow, .forbid, .forbid, .hide]),
            ("seeing the queue", .view, .reviewQueue, [.allow, .allow, .forbid, .forbid, .hide]),
            ("A's score sheet", .view, .scoreSheet(cohort: w.cohortA.id), [.allow, .allow, .forbid, .hide, .hide]),
            ("exercise A's ladder", .view, .ladder(w.exerciseA), [.allow, .allow, .forbid, .hide, .hide]),
            ("the admin fields of an account", .update, .accountSettings, [.allow, .forbid, .forbid, .forbid, .hide]),
            ("the administration pages", .view, .administration, [.allow, .forbid, .forbid, .forbid, .hide]),
        ]
        for (name, action, resource, expected) in rows {
            let decisions = actors.map { AccessPolicy.decide(w.actor($0), action, resource) }
            #expect(decisions == expected, "\(name): \(decisions)")
        }
        // A task is nobody's to delete or create, not even its reviewer's.
        #expect(AccessPolicy.decide(w.actor(w.trainerA), .delete, .reviewTask(trainerTask)) == .forbid)
        // Cohorts are named to those in them.
        #expect(AccessPolicy.visibleCohorts([w.cohortA.id, w.cohortB.id], for: w.actor(w.learnerB)) == [w.cohortB.id])
        #expect(AccessPolicy.visibleCohorts([w.cohortA.id, w.cohortB.id], for: w.actor(w.admin)).count == 2)
    }
}

@Suite("Access policy for guest reviewers")
struct GuestAccessPolicyTests {
    @Test("a guest reaches the one attempt of their live invitation, to watch and review it, and nothing else")
    func guestReachesOneAttempt() throws {
        let world = try World()
        let guestID = UserID()
        let task = ReviewTask(submissionID: world.submissionA1.id, cohortID: world.cohortA.id, kind: .guest, assignee: guestID)
        let invitation = try GuestInvitation(
            submissionID: world.submissionA1.id, taskID: task.id, guestID: guestID, invitedBy: world.trainerA.id, name: "Dana", email: nil,
            days: 3, now: Date())
        let guest = Actor(user: try invitation.guestAccount(language: nil), memberships: [], guest: invitation)
        #expect(guest.user.isGuest && guest.user.roles.isEmpty)
        for action in [Action.view, .watch, .review] {
            #expect(AccessPolicy.decide(guest, action, world.submission(world.submissionA1)) == .allow, "\(action)")
        }
        #expect(AccessPolicy.decide(guest, .update, world.submission(world.submissionA1)) == .hide)
        #expect(AccessPolicy.decide(guest, .review, .reviewTask(task)) == .allow)
        // Another guest's task on the same attempt is not theirs.
        let other = ReviewTask(submissionID: world.submissionA1.id, cohortID: world.cohortA.id, kind: .guest, assignee: UserID())
        #expect(AccessPolicy.decide(guest, .view, .reviewTask(other)) == .hide)
        // Nothing else: other attempts, the people, the cohort, the exercise, the queue, further guests.
        for resource: Resource in [
            world.submission(world.submissionB), world.submission(world.sharedA2), world.user(world.learnerA1), .cohort(world.cohortA),
            .exercise(world.exerciseA), .scaffolding(learner: world.learnerA1.id, exercise: world.exerciseA, learnerMemberships: world.memberships),
        ] {
            #expect(AccessPolicy.decide(guest, .view, resource) == .hide, "\(resource)")
        }
        #expect(AccessPolicy.decide(guest, .view, .reviewQueue) != .allow)
        let guests = Resource.guestReviewers(world.submissionA1, exercise: world.exerciseA, learnerMemberships: world.memberships)
        #expect(AccessPolicy.decide(guest, .create, guests) == .forbid)
        // Its learner and trainer invite; an assigned peer and someone else's trainer do not.
        #expect(AccessPolicy.decide(world.actor(world.learnerA1), .create, guests) == .allow)
        #expect(AccessPolicy.decide(world.actor(world.trainerA), .create, guests) == .allow)
        let sharedGuests = Resource.guestReviewers(world.sharedA2, exercise: world.exerciseA, learnerMemberships: world.memberships)
        #expect(AccessPolicy.decide(world.actor(world.learnerA1), .create, sharedGuests) == .forbid)
        #expect(AccessPolicy.decide(world.actor(world.trainerB), .create, guests) == .hide)
        // Never to a private practice take, not even by an administrator.
        var practice = world.submissionA1
        practice.audience = .onlyMe
        let privateGuests = Resource.guestReviewers(practice, exercise: world.exerciseA, learnerMemberships: world.memberships)
        #expect(AccessPolicy.decide(world.actor(world.learnerA1), .create, privateGuests) == .forbid)
        #expect(AccessPolicy.decide(world.actor(world.admin), .create, privateGuests) == .forbid)
        #expect(AccessPolicy.decide(world.actor(world.trainerA), .create, privateGuests) == .hide)
        // Once the invitation has ended the account stands for nobody.
        #expect(!invitation.isLive(at: invitation.expiresAt))
    }
}
