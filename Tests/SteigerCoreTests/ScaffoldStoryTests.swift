import Foundation
import Testing

@testable import SteigerCore

/// A learner's practice written out attempt by attempt: each attempt is made at the learner's
/// current level and reviewed an hour later; the clock then moves on a day (or as asked).
struct Story {
    let ladder: ScaffoldLadder
    let exercise = ExerciseID()
    let trainer = UserID()
    var policy = ScaffoldPolicy()
    var policyVersion = 1
    var clock: Date
    var events: [ScaffoldEvent] = []
    var attempts = 0

    init(startingOn day: String) throws {
        ladder = try sampleLadder()
        clock = try Date(day + "T09:00:00Z", strategy: .iso8601)
    }

    var history: ScaffoldHistory { ScaffoldEngine.replay(events) }
    var level: Int { history.state.level(top: ladder.top) }
    var sentences: [String] { history.transitions.map { ScaffoldExplanation.sentence($0, ladder: ladder, in: Catalogues.english) } }
    var dutchSentences: [String] { history.transitions.map { ScaffoldExplanation.sentence($0, ladder: ladder, in: Catalogues.dutch) } }

    /// An attempt scoring `total` (every criterion at least `lowest`), reviewed by `kind`.
    @discardableResult
    mutating func attempt(
        _ total: Double, lowest: Double? = nil, by kind: ReviewTask.Kind = .trainer, purpose: AttemptPurpose? = nil,
        criteria: [ScaffoldCriterionScore]? = nil, thenWait days: Double = 1
    ) -> ScaffoldStep {
        attempts += 1
        let made = clock
        var assessment = ScaffoldAssessment(
            reviewerKind: kind, exerciseID: exercise, attempt: attempts, attemptLevel: level, attemptMadeAt: made,
            top: ladder.top, total: total, lowest: lowest ?? total, policy: policy,
            policyVersion: policyVersion, at: made.addingTimeInterval(3600))
        assessment.purpose = purpose
        assessment.criteria = criteria
        events.append(.assessed(assessment))
        clock = made.addingTimeInterval(days * 86_400)
        return history.steps.last!
    }

    /// A trainer sets the level.
    mutating func override(to level: Int, reason: String) throws {
        events.append(
            .override(
                try ScaffoldOverride(
                    trainerID: trainer, exerciseID: exercise, level: level, top: ladder.top, reason: reason,
                    at: clock)))
        clock = clock.addingTimeInterval(3600)
    }

    /// An administrator changes the exercise's policy: it applies from the next review on.
    mutating func change(_ change: (inout ScaffoldPolicy) -> Void) {
        change(&policy)
        policyVersion += 1
    }
}

@Suite("Scaffolding: learner stories")
struct ScaffoldStoryTests {
    @Test("Sanne, the steady learner, is on her own after six good attempts")
    func steadyLearner() throws {
        var sanne = try Story(startingOn: "2026-04-28")
        #expect(sanne.level == 3)  // everyone starts with full support
        for score in [0.80, 0.85, 0.78, 0.88, 0.82, 0.90] { sanne.attempt(score) }
        #expect(sanne.level == 0)
        #expect(sanne.history.transitions.map(\.rule) == [.withdrawal, .withdrawal, .withdrawal])
        #expect(sanne.history.transitions.map(\.to) == [2, 1, 0])
        #expect(
            sanne.sentences == [
                "Model video and script withdrawn on 29 April 2026 after two attempts scoring 80 % and 85 %.",
                "Prompts withdrawn on 1 May 2026 after two attempts scoring 78 % and 88 %.",
                "Checklist withdrawn on 3 May 2026 after two attempts scoring 82 % and 90 %.",
            ])
        // The same decisions in Dutch: dates, decimal commas, number words and list joints.
        #expect(
            sanne.dutchSentences == [
                "Voorbeeldvideo en script weggenomen op 29 april 2026 na twee pogingen met scores van 80 % en 85 %.",
                "Hulpzinnen weggenomen op 1 mei 2026 na twee pogingen met scores van 78 % en 88 %.",
                "Checklist weggenomen op 3 mei 2026 na twee pogingen met scores van 82 % en 90 %.",
            ])
        let last = try #require(sanne.history.transitions.last)
        #expect(last.evidence.map(\.attempt) == [5, 6])
        #expect(last.policy == ScaffoldPolicy() && last.policyVersion == 1)
        // A week later comes the delayed check.
        let due = try #require(sanne.history.state.delayedCheck)
        #expect(due.dueAt == last.at.addingTimeInterval(7 * 86_400) && due.previousLevel == 1)
    }

    @Test("Daan drops back a level after one poor attempt, and a weak criterion breaks his streak")
    func dropsBack() throws {
        var daan = try Story(startingOn: "2026-05-04")
        daan.attempt(0.80)
        daan.attempt(0.90)
        #expect(daan.level == 2)
        // A good total with one criterion under the floor is not a pass…
        #expect(daan.attempt(0.90, lowest: 0.30).outcome == .counted)
        daan.attempt(0.80)
        #expect(daan.level == 2)
        // …and one attempt under 0.5 brings the model video and script back.
        let step = daan.attempt(0.40)
        #expect(step.transition?.rule == .reinstatement && daan.level == 3)
        #expect(daan.sentences.last == "Model video and script put back on 8 May 2026 after one attempt scoring 40 %.")
        #expect(daan.dutchSentences.last == "Voorbeeldvideo en script teruggezet op 8 mei 2026 na één poging met een score van 40 %.")
        // Between the thresholds nothing moves.
        #expect(daan.attempt(0.60).outcome == .counted && daan.level == 3)
    }

    @Test("Fatima passes everything but fails the delayed check a week later")
    func failsDelayedCheck() throws {
        var fatima = try Story(startingOn: "2026-05-01")
        for score in [0.9, 0.9, 0.9, 0.9, 0.9, 0.9] { fatima.attempt(score) }
        #expect(fatima.level == 0)
        // The next day: a good attempt, but not yet the check.
        #expect(fatima.attempt(0.95, thenWait: 7).outcome == .counted)
        #expect(fatima.history.state.delayedCheck != nil)
        // Eight days after the checklist went: the check, and it scores 0.65.
        let step = fatima.attempt(0.65)
        #expect(step.transition?.rule == .delayedCheckFailed && fatima.level == 1)
        #expect(fatima.sentences.last == "Checklist put back on 14 May 2026: the 7-day recheck scored 65 %.")
        #expect(fatima.dutchSentences.last == "Checklist teruggezet op 14 mei 2026: de hercontrole na 7 dagen scoorde 65 %.")
        #expect(fatima.history.state.delayedCheck == nil)
    }

    @Test("Joost passes the delayed check and stays on his own")
    func passesDelayedCheck() throws {
        var joost = try Story(startingOn: "2026-05-01")
        for score in [0.9, 0.9, 0.9, 0.9, 0.9, 0.9] { joost.attempt(score, thenWait: 1) }
        joost.clock = joost.clock.addingTimeInterval(7 * 86_400)
        #expect(joost.attempt(0.88).outcome == .checkPassed)
        // The week's recheck passed; the month's is next.
        #expect(joost.level == 0 && joost.history.state.checkPassedAt != nil && joost.history.state.delayedCheck?.days == 30)
        // Later slips are still caught by the support threshold.
        #expect(joost.attempt(0.45).transition?.rule == .reinstatement && joost.level == 1)
    }

    @Test("Lotte stalls: five attempts at one level without progress flag her and bring full support back")
    func stalls() throws {
        var lotte = try Story(startingOn: "2026-05-04")
        lotte.attempt(0.8)
        lotte.attempt(0.8)
        #expect(lotte.level == 2)
        for score in [0.6, 0.7, 0.8, 0.6] { #expect(lotte.attempt(score).outcome == .counted) }
        #expect(!lotte.history.state.flagged)
        let step = lotte.attempt(0.65)
        #expect(step.transition?.rule == .stalled && step.transition?.evidence.count == 5)
        #expect(lotte.level == 3 && lotte.history.state.flagged)
        #expect(
            lotte.sentences.last
                == "Full support put back on 10 May 2026 after five attempts scoring 60 %, 70 %, 80 %, 60 % and 65 % at level 2 (Prompts and checklist) without moving down; a trainer has been asked to look."
        )
        // The trainer talks it through and places her on the checklist: the flag clears and the
        // placement holds until a rule fires.
        try lotte.override(to: 1, reason: "Discussed the opening; ready to try with the checklist.")
        #expect(lotte.level == 1 && !lotte.history.state.flagged)
        #expect(
            lotte.sentences.last == "Set to level 1 (Checklist) by a trainer on 11 May 2026: Discussed the opening; ready to try with the checklist.")
        #expect(lotte.attempt(0.6).outcome == .counted && lotte.level == 1)
        #expect(lotte.attempt(0.3).transition?.rule == .reinstatement && lotte.level == 2)
    }

    @Test("Mees's exercise changes policy halfway; earlier decisions keep the policy they were made under")
    func policyChangesMidway() throws {
        var mees = try Story(startingOn: "2026-05-04")
        mees.attempt(0.80)
        mees.attempt(0.80)
        #expect(mees.level == 2)
        mees.change {
            $0.withdrawAfter = 3
            $0.masteryThreshold = 0.85
        }
        // 0.80 passed before; under version 2 it does not.
        #expect(mees.attempt(0.80).outcome == .counted && mees.attempt(0.90).passStreak == 1)
        mees.attempt(0.90)
        #expect(mees.level == 2)
        #expect(mees.attempt(0.95).transition?.rule == .withdrawal && mees.level == 1)
        let transitions = mees.history.transitions
        #expect(transitions.map(\.policyVersion) == [1, 2])
        #expect(transitions[0].policy?.withdrawAfter == 2 && transitions[0].evidence.count == 2)
        #expect(transitions[1].policy?.withdrawAfter == 3 && transitions[1].evidence.map(\.total) == [0.90, 0.90, 0.95])
    }

    @Test("Peer reviews inform but move levels only when the exercise says so")
    func peersInform() throws {
        var noor = try Story(startingOn: "2026-05-04")
        #expect(noor.attempt(0.9, by: .peer).outcome == .informs)
        #expect(noor.attempt(0.9, by: .peer).outcome == .informs)
        #expect(noor.attempt(0.9, by: .selfReview).outcome == .informs)
        #expect(noor.level == 3)
        noor.change { $0.peerReviewsMoveLevels = true }
        noor.attempt(0.9, by: .peer)
        noor.attempt(0.9, by: .peer)
        #expect(noor.level == 2)
        #expect(noor.attempt(0.9, by: .selfReview).outcome == .informs)
    }

    @Test("A second review of the same attempt, and attempts made before the level changed, do not count")
    func onlyFirstReviewAtCurrentLevelCounts() throws {
        var story = try Story(startingOn: "2026-05-04")
        let made = story.clock, exercise = story.exercise, policy = story.policy
        func review(_ attempt: Int, _ submission: SubmissionID, level: Int, _ total: Double) -> ScaffoldAssessment {
            ScaffoldAssessment(
                submissionID: submission, exerciseID: exercise, attempt: attempt, attemptLevel: level, attemptMadeAt: made,
                top: 3, total: total, lowest: total, policy: policy, policyVersion: 1, at: made.addingTimeInterval(Double(attempt) * 60))
        }
        let (first, second, third) = (SubmissionID(), SubmissionID(), SubmissionID())
        story.events = [
            .assessed(review(1, first, level: 3, 0.9)), .assessed(review(1, first, level: 3, 0.9)),
            .assessed(review(2, second, level: 3, 0.9)), .assessed(review(3, third, level: 3, 0.2)),
        ]
        let outcomes = story.history.steps.map(\.outcome.name)
        #expect(outcomes == ["counted", "already-assessed", "transition", "other-level"])
        #expect(story.level == 2)
    }

    @Test("Ilse's attempt started before she came back to a level does not count at it")
    func staleAttemptAfterReturning() throws {
        var ilse = try Story(startingOn: "2026-05-04")
        ilse.attempt(0.9)
        ilse.attempt(0.9)
        #expect(ilse.level == 2)
        // She records an attempt at level 2 that waits for review…
        let waiting = ScaffoldAssessment(
            exerciseID: ilse.exercise, attempt: 99, attemptLevel: 2, attemptMadeAt: ilse.clock, top: 3, total: 0.95,
            lowest: 0.95, policy: ilse.policy, policyVersion: 1, at: ilse.clock)
        // …then drops back to 3 and works her way down to 2 again.
        ilse.attempt(0.3)
        ilse.attempt(0.9)
        ilse.attempt(0.9)
        #expect(ilse.level == 2)
        ilse.events.append(
            .assessed(
                ScaffoldAssessment(
                    reviewID: waiting.reviewID, submissionID: waiting.submissionID, exerciseID: ilse.exercise,
                    attempt: 99, attemptLevel: 2, attemptMadeAt: waiting.attemptMadeAt, top: 3, total: 0.95,
                    lowest: 0.95, policy: ilse.policy, policyVersion: 1, at: ilse.clock)))
        #expect(ilse.history.steps.last?.outcome == .otherLevel)
        ilse.attempt(0.9)
        #expect(ilse.level == 2)  // one pass since she came back, not two
    }

    @Test("Policies are checked, with defaults for what is left out")
    func policyValidation() throws {
        let decoded = try JSONDecoder().decode(ScaffoldPolicy.self, from: Data(#"{"withdrawAfter": 3}"#.utf8))
        #expect(decoded == ScaffoldPolicy(withdrawAfter: 3))
        let bad = ScaffoldPolicy(
            withdrawAfter: 0, masteryThreshold: 0.4, criterionFloor: 2, supportThreshold: 0.5, delayedCheckDays: -1, stallAfter: 1)
        let error = try #require(throws: ValidationError.self) { try bad.check() }
        #expect(error.problems.map(\.field) == ["withdrawAfter", "criterionFloor", "supportThreshold", "rechecks"])
        #expect(throws: ValidationError.self) { try ScaffoldPolicy(withdrawAfter: 3, stallAfter: 2).check() }
        #expect(throws: ValidationError.self) {
            try ScaffoldOverride(trainerID: UserID(), exerciseID: ExerciseID(), level: 4, top: 3, reason: " ", at: Date())
        }
    }
}

@Suite("A reviewer's correction of a sent score")
struct ScaffoldCorrectionTests {
    func assessment(_ review: ReviewID, _ submission: SubmissionID, total: Double, at seconds: Double, correction: Bool = false) -> ScaffoldEvent {
        var assessment = ScaffoldAssessment(
            reviewID: review, submissionID: submission, exerciseID: ExerciseID(), attempt: 1, attemptLevel: 3,
            attemptMadeAt: Date(timeIntervalSince1970: seconds - 10), top: 3, total: total, lowest: total, policy: ScaffoldPolicy(),
            policyVersion: 1, at: Date(timeIntervalSince1970: seconds))
        assessment.isCorrection = correction ? true : nil
        return .assessed(assessment)
    }

    @Test("a corrected score takes the place of the first, undoing the withdrawal it caused; a stray correction is ignored")
    func correctionStandsInPlace() {
        let (first, second) = (ReviewID(), ReviewID())
        let log = [assessment(first, SubmissionID(), total: 0.9, at: 100), assessment(second, SubmissionID(), total: 0.8, at: 200)]
        #expect(ScaffoldEngine.state(after: log).level(top: 3) == 2)
        let corrected = log + [assessment(second, SubmissionID(), total: 0.3, at: 900, correction: true)]
        let history = ScaffoldEngine.replay(corrected)
        #expect(history.state.level(top: 3) == 3 && history.steps.count == 2 && history.state.lastTransition == nil)
        // Corrected back to a pass, the withdrawal happens again at the time of the review it rests on.
        let twice = corrected + [assessment(second, SubmissionID(), total: 0.85, at: 950, correction: true)]
        let again = ScaffoldEngine.replay(twice)
        #expect(again.state.level(top: 3) == 2 && again.state.lastTransition?.at == Date(timeIntervalSince1970: 200))
        let stray = log + [assessment(ReviewID(), SubmissionID(), total: 0.1, at: 999, correction: true)]
        #expect(ScaffoldEngine.replay(stray).steps.count == 2 && ScaffoldEngine.state(after: stray).level(top: 3) == 2)
    }
}
