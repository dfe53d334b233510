import Foundation
import Testing

@testable import SteigerCore

@Suite("How long recordings are kept")
struct RetentionTests {
    let day: TimeInterval = 86400
    let recorded = Date(timeIntervalSince1970: 1_800_000_000)

    func candidate(
        status: Submission.Status = .reviewed, audience: Audience = .trainers, reviewedAfter days: Double? = 2, held: Bool = false,
        places: [Retention.Place] = []
    ) -> Retention.Candidate {
        Retention.Candidate(
            submissionID: SubmissionID(), status: status, audience: audience, recordedAt: recorded,
            lastReviewAt: days.map { recorded.addingTimeInterval($0 * day) }, learnerHeld: held, places: places)
    }

    func place(_ name: String, _ policy: RetentionPolicy?, endsAfter days: Double? = nil, held: Bool = false) -> Retention.Place {
        Retention.Place(
            cohortID: CohortID(), cohortName: name, policy: policy, endsAt: days.map { recorded.addingTimeInterval($0 * day) }, held: held)
    }

    @Test("media go the given days after the last review, and not a moment before")
    func afterReview() throws {
        let policy = try RetentionPolicy(days: 30, start: .reviewed)
        let attempt = candidate()
        #expect(Retention.decision(for: attempt, organisation: policy, now: recorded.addingTimeInterval(31 * day)) == .keep)
        let due = recorded.addingTimeInterval(32 * day)
        #expect(Retention.decision(for: attempt, organisation: policy, now: due) == .remove(MediaRemoval(at: due, policy: policy, cohortName: nil)))
        // No policy: kept until removed by hand.
        #expect(Retention.decision(for: attempt, organisation: nil, now: due.addingTimeInterval(3650 * day)) == .keep)
    }

    @Test("an attempt waiting for its review is kept; a practice take or an unusable attempt counts from its recording")
    func unreviewed() throws {
        let policy = try RetentionPolicy(days: 10, start: .reviewed)
        let later = recorded.addingTimeInterval(400 * day)
        #expect(Retention.decision(for: candidate(status: .ready, reviewedAfter: nil), organisation: policy, now: later) == .keep)
        #expect(Retention.decision(for: candidate(status: .processing, reviewedAfter: nil), organisation: policy, now: later) == .keep)
        let practice = candidate(status: .ready, audience: .onlyMe, reviewedAfter: nil)
        #expect(Retention.decision(for: practice, organisation: policy, now: recorded.addingTimeInterval(9 * day)) == .keep)
        #expect(Retention.decision(for: practice, organisation: policy, now: recorded.addingTimeInterval(11 * day)) != .keep)
        #expect(Retention.decision(for: candidate(status: .failed, reviewedAfter: nil), organisation: policy, now: later) != .keep)
    }

    @Test("a cohort's own policy replaces the organisation's; in several cohorts the longest keeping wins")
    func cohorts() throws {
        let short = try RetentionPolicy(days: 10, start: .reviewed)
        let long = try RetentionPolicy(days: 90, start: .reviewed)
        let now = recorded.addingTimeInterval(60 * day)
        #expect(
            Retention.decision(for: candidate(places: [place("Spring", short)]), organisation: long, now: now)
                == .remove(
                    MediaRemoval(at: now, policy: short, cohortName: "Spring")))
        #expect(Retention.decision(for: candidate(places: [place("Spring", short), place("Autumn", nil)]), organisation: long, now: now) == .keep)
        // A cohort that follows the organisation, where the organisation keeps everything, keeps it.
        #expect(Retention.decision(for: candidate(places: [place("Spring", short), place("Autumn", nil)]), organisation: nil, now: now) == .keep)
        let end = try RetentionPolicy(days: 30, start: .programmeEnded)
        #expect(Retention.decision(for: candidate(places: [place("Spring", end)]), organisation: nil, now: now) == .keep, "no end date: kept")
        #expect(
            Retention.decision(for: candidate(places: [place("Spring", end, endsAfter: 20)]), organisation: nil, now: now)
                == .remove(
                    MediaRemoval(at: now, policy: end, cohortName: "Spring")))
    }

    @Test("a legal hold on the learner or on any of the cohorts keeps what a policy would remove")
    func holds() throws {
        let policy = try RetentionPolicy(days: 10, start: .reviewed)
        let now = recorded.addingTimeInterval(60 * day)
        #expect(Retention.decision(for: candidate(held: true), organisation: policy, now: now) == .held)
        #expect(
            Retention.decision(for: candidate(places: [place("Spring", nil), place("Autumn", nil, held: true)]), organisation: policy, now: now)
                == .held)
        #expect(Retention.decision(for: candidate(held: true), organisation: policy, now: recorded.addingTimeInterval(5 * day)) == .keep)
    }

    @Test("a policy keeps 1 to 36,500 days; a hold says why; the audit text reads back")
    func validation() throws {
        #expect(throws: ValidationError.self) { try RetentionPolicy(days: 0, start: .reviewed) }
        #expect(throws: ValidationError.self) { try RetentionPolicy(days: 36_501, start: .reviewed) }
        #expect(throws: ValidationError.self) { try LegalHold(subject: .person(UserID()), reason: "  ", placedAt: Date(), placedBy: nil) }
        let policy = try RetentionPolicy(days: 90, start: .programmeEnded)
        #expect(RetentionPolicy.auditText(policy) == "90d:programmeEnded")
        #expect(RetentionPolicy(auditText: "90d:programmeEnded") == policy)
        #expect(RetentionPolicy(auditText: "keep") == nil && RetentionPolicy.auditText(nil) == "keep")
    }
}
