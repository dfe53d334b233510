import Foundation
import Testing

@testable import SteigerCore

@Suite("Who may watch a recording")
struct AudienceTests {
    /// Learner A2's ready attempt at exercise A (which keeps a library), shared with A1 as a peer.
    func attempt(_ w: World, _ audience: Audience, approved: Bool = false) throws -> Submission {
        try Submission(
            learnerID: w.learnerA2.id, exerciseID: w.exerciseA.id, attempt: 1, status: .ready, scaffoldLevel: 2, sharedWith: [w.learnerA1.id],
            audience: audience, libraryApprovedAt: approved ? Date() : nil)
    }

    func library(_ w: World, approval: Bool) -> Exercise {
        var exercise = w.exerciseA
        exercise.review.cohortLibrary = true
        exercise.review.libraryApproval = approval
        return exercise
    }

    @Test("every audience × role × cohort: who views, who watches, who reviews")
    func matrix() throws {
        let w = try World()
        let a3 = try User(email: "a3@example.org", displayName: "Learner A3", roles: [.learner])
        // Columns: admin, trainer A, trainer B, A1 (the assigned peer), A3 (in cohort A, not assigned), B (cohort B), A2 (the author).
        let actors = [
            w.actor(w.admin), w.actor(w.trainerA), w.actor(w.trainerB), w.actor(w.learnerA1),
            Actor(user: a3, memberships: [Membership(cohortID: w.cohortA.id, userID: a3.id, part: .learner)]), w.actor(w.learnerB),
            w.actor(w.learnerA2),
        ]
        let open = library(w, approval: false), approving = library(w, approval: true)
        let rows: [(String, Exercise, Submission, Action, [Decision])] = [
            ("private, view", open, try attempt(w, .onlyMe), .view, [.allow, .hide, .hide, .hide, .hide, .hide, .allow]),
            ("private, watch", open, try attempt(w, .onlyMe), .watch, [.forbid, .hide, .hide, .hide, .hide, .hide, .allow]),
            ("private, review", open, try attempt(w, .onlyMe), .review, [.forbid, .hide, .hide, .hide, .hide, .hide, .forbid]),
            ("trainers, watch", open, try attempt(w, .trainers), .watch, [.allow, .allow, .hide, .hide, .hide, .hide, .allow]),
            ("trainers, review", open, try attempt(w, .trainers), .review, [.allow, .allow, .hide, .hide, .hide, .hide, .forbid]),
            ("peers, watch", open, try attempt(w, .peers), .watch, [.allow, .allow, .hide, .allow, .hide, .hide, .allow]),
            ("peers, review", open, try attempt(w, .peers), .review, [.allow, .allow, .hide, .allow, .hide, .hide, .forbid]),
            ("library, watch", open, try attempt(w, .cohort), .watch, [.allow, .allow, .hide, .allow, .allow, .hide, .allow]),
            ("library, review", open, try attempt(w, .cohort), .review, [.allow, .allow, .hide, .allow, .forbid, .hide, .forbid]),
            ("library, approve", approving, try attempt(w, .cohort), .update, [.allow, .allow, .hide, .forbid, .hide, .hide, .allow]),
            ("library awaiting approval, watch", approving, try attempt(w, .cohort), .watch, [.allow, .allow, .hide, .allow, .hide, .hide, .allow]),
            (
                "library approved, watch", approving, try attempt(w, .cohort, approved: true), .watch,
                [.allow, .allow, .hide, .allow, .allow, .hide, .allow]
            ),
            // An exercise that keeps no library shows nobody else an attempt marked for it.
            ("library not kept, watch", w.exerciseA, try attempt(w, .cohort), .watch, [.allow, .allow, .hide, .allow, .hide, .hide, .allow]),
        ]
        for (name, exercise, submission, action, expected) in rows {
            let resource = Resource.submission(submission, exercise: exercise, learnerMemberships: w.memberships)
            let decisions = actors.map { AccessPolicy.decide($0, action, resource) }
            #expect(decisions == expected, "\(name): \(decisions)")
        }
        // An attempt still being processed is in nobody's library yet.
        var processing = try attempt(w, .cohort)
        processing.status = .processing
        #expect(AccessPolicy.decide(actors[4], .watch, .submission(processing, exercise: open, learnerMemberships: w.memberships)) == .hide)
    }

    @Test("a learner chooses within what the exercise offers, the library with consent, and never below what was sent")
    func choosing() throws {
        let w = try World()
        let everything = library(w, approval: false)
        #expect(everything.audiences == [.onlyMe, .trainers, .peers, .cohort])
        #expect(try everything.startingAudience(nil) == .peers)
        #expect(try everything.startingAudience(.onlyMe) == .onlyMe)
        #expect(throws: AudienceRefusal.needsConsent) { try everything.startingAudience(.cohort) }
        var plain = w.exerciseA
        plain.review.privatePractice = false
        plain.review.peerReviewers = 0
        #expect(plain.audiences == [.trainers])
        #expect(try plain.startingAudience(nil) == .trainers)
        #expect(throws: AudienceRefusal.notOffered) { try plain.startingAudience(.onlyMe) }

        // A practice take goes anywhere offered; the library only with consent.
        let practice = try attempt(w, .onlyMe)
        #expect(throws: AudienceRefusal.needsConsent) { try everything.checkAudienceChange(of: practice, to: .cohort, consented: false) }
        try everything.checkAudienceChange(of: practice, to: .cohort, consented: true)
        try everything.checkAudienceChange(of: practice, to: .trainers, consented: false)
        #expect(throws: AudienceRefusal.notOffered) { try plain.checkAudienceChange(of: practice, to: .peers, consented: false) }
        // Once sent it stays with its reviewers: not back to private, not away from an assigned peer.
        let sent = try attempt(w, .peers)
        #expect(throws: AudienceRefusal.alreadySent) { try everything.checkAudienceChange(of: sent, to: .onlyMe, consented: false) }
        #expect(throws: AudienceRefusal.alreadySent) { try everything.checkAudienceChange(of: sent, to: .trainers, consented: false) }
        var unassigned = sent
        unassigned.sharedWith = []
        try everything.checkAudienceChange(of: unassigned, to: .trainers, consented: false)
        // Leaving the library is always possible, down to the reviewers it was sent to.
        let shared = try attempt(w, .cohort)
        try everything.checkAudienceChange(of: shared, to: .peers, consented: false)
        try plain.checkAudienceChange(of: shared, to: .cohort, consented: false)
    }
}
