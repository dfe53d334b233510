import Foundation
import Testing

@testable import SteigerCore

/// The kick-off criteria of the stories below, in the rubric's order.
private func scores(_ opening: Double, _ empathy: Double, _ closing: Double) -> [ScaffoldCriterionScore] {
    [.init(key: "opening", score: opening), .init(key: "empathy", score: empathy), .init(key: "closing", score: closing)]
}

@Suite("Scaffolding: the kick-off and rechecks for lasting change")
struct KickOffRecheckTests {
    @Test("Noor already shows the skill at the kick-off: she starts at level 1, with her development points named")
    func kickOffPassStartsLower() throws {
        var noor = try Story(startingOn: "2026-09-01")
        let step = noor.attempt(0.84, lowest: 0.5, purpose: .kickOff, criteria: scores(1, 0.5, 0.67))
        #expect(step.transition?.rule == .kickOff)
        #expect(noor.level == 1)
        #expect(noor.sentences == ["Started at level 1 (Checklist) on 1 September 2026: the kick-off attempt scored 84 %."])
        #expect(noor.dutchSentences == ["Gestart op niveau 1 (Checklist) op 1 september 2026: de startpoging scoorde 84 %."])
        // The criteria she scored lowest, lowest first; what she did perfectly is not a point.
        #expect(noor.history.state.developmentPoints == ["empathy", "closing"])
        #expect(step.transition?.developmentPoints == ["empathy", "closing"])
        // From there the ordinary rules: two passes and she is on her own.
        noor.attempt(0.8)
        noor.attempt(0.9)
        #expect(noor.level == 0)
        // The development points stay with her standing whatever the level does.
        #expect(noor.history.state.developmentPoints == ["empathy", "closing"])
    }

    @Test("Bram and Eva: a weak kick-off keeps every support, a middling one starts one level lower")
    func kickOffBelowMastery() throws {
        var bram = try Story(startingOn: "2026-09-01")
        bram.attempt(0.3, purpose: .kickOff, criteria: scores(0.3, 0.3, 0.3))
        #expect(bram.level == 3)
        #expect(bram.history.transitions.map(\.rule) == [.kickOff])
        var eva = try Story(startingOn: "2026-09-01")
        eva.attempt(0.65, purpose: .kickOff, criteria: scores(0.67, 0.67, 0.6))
        #expect(eva.level == 2)
        #expect(eva.history.state.developmentPoints == ["closing", "opening"])
    }

    @Test("Where a kick-off score starts a learner, on ladders of every height")
    func kickOffLevels() {
        let policy = ScaffoldPolicy()  // support threshold 50 %, mastery 75 %, floor 50 %
        #expect([0.2, 0.55, 0.63, 0.74, 0.8].map { policy.kickOffLevel(total: $0, lowest: $0, top: 3) } == [3, 3, 2, 2, 1])
        // A pass on the total with a criterion below the floor is not a pass.
        #expect(policy.kickOffLevel(total: 0.9, lowest: 0.2, top: 3) == 2)
        #expect([0.2, 0.55, 0.6, 0.7, 0.8].map { policy.kickOffLevel(total: $0, lowest: $0, top: 5) } == [5, 5, 4, 2, 1])
        #expect(policy.kickOffLevel(total: 0.9, lowest: 0.9, top: 1) == 1)
        #expect(policy.kickOffLevel(total: 0.9, lowest: 0.9, top: 0) == 0)
    }

    @Test("A kick-off reviewed after the level already moved informs and sets nothing; a peer's review of it waits for the trainer's")
    func lateKickOff() throws {
        var tim = try Story(startingOn: "2026-09-01")
        tim.attempt(0.4, by: .peer, purpose: .kickOff, criteria: scores(0.4, 0.4, 0.4))
        #expect(tim.history.steps.last?.outcome == .informs && tim.level == 3)
        var late = tim
        late.attempt(0.9)
        late.attempt(0.9)
        #expect(late.level == 2)
        let step = late.attempt(0.95, purpose: .kickOff, criteria: scores(1, 0.9, 0.9))
        #expect(step.outcome == .informs && late.level == 2)
        #expect(ScaffoldExplanation.note(step, ladder: late.ladder, in: Catalogues.english).hasPrefix("Kick-off attempt 4 scored 95 %"))
        // The trainer's review of the kick-off after the peer's does place him.
        tim.attempt(0.7, purpose: .kickOff, criteria: scores(0.7, 0.7, 0.7))
        #expect(tim.level == 2 && tim.history.transitions.map(\.rule) == [.kickOff])
    }

    @Test("Mila's skill holds at 7 and 30 days; at the 90-day recheck it slips and the checklist comes back, with the rechecks starting again")
    func rechecksAtSevenThirtyNinety() throws {
        var mila = try Story(startingOn: "2026-09-01")
        #expect(mila.policy.rechecks == [7, 30, 90])
        for _ in 0..<6 { mila.attempt(0.9) }
        #expect(mila.level == 0)
        let reached = try #require(mila.history.state.delayedCheck).reachedAt
        #expect(mila.history.state.delayedCheck?.days == 7)
        // An attempt before the week is up counts, but is not the recheck.
        #expect(mila.attempt(0.9, thenWait: 7).outcome == .counted)
        let week = mila.attempt(0.8)
        #expect(week.outcome == .checkPassed && week.recheckDays == 7)
        #expect(
            ScaffoldExplanation.note(week, ladder: mila.ladder, in: Catalogues.english)
                == "Attempt 8 scored 80 % in the 7-day recheck on 14 September 2026: support stays withdrawn.")
        #expect(mila.history.state.delayedCheck?.days == 30)
        #expect(mila.history.state.delayedCheck?.dueAt == reached.addingTimeInterval(30 * 86_400))
        mila.clock = reached.addingTimeInterval(31 * 86_400)
        #expect(mila.attempt(0.85).outcome == .checkPassed)
        #expect(mila.history.state.delayedCheck?.days == 90)
        mila.clock = reached.addingTimeInterval(92 * 86_400)
        let slip = mila.attempt(0.6)
        #expect(slip.transition?.rule == .delayedCheckFailed && slip.transition?.recheckDays == 90 && mila.level == 1)
        #expect(mila.sentences.last == "Checklist put back on 7 December 2026: the 90-day recheck scored 60 %.")
        #expect(mila.history.state.delayedCheck == nil)
        // Two passes take the checklist away again, and the rechecks start over from that day.
        mila.attempt(0.9)
        mila.attempt(0.9)
        #expect(mila.level == 0 && mila.history.state.delayedCheck?.days == 7)
    }

    @Test("After a long break one passing attempt answers every recheck already due; a failing one puts the support back")
    func overdueRechecksAnsweredAtOnce() throws {
        var kees = try Story(startingOn: "2026-09-01")
        for _ in 0..<6 { kees.attempt(0.9) }
        let reached = try #require(kees.history.state.delayedCheck).reachedAt
        // Back after 40 days: the pass answers the week's and the month's rechecks; the 90-day one is next.
        kees.clock = reached.addingTimeInterval(40 * 86_400)
        #expect(kees.attempt(0.9, thenWait: 0.1).recheckDays == 7)
        #expect(kees.history.state.delayedCheck?.days == 90)
        #expect(kees.attempt(0.9).outcome == .counted)
        // Jan, back after 40 days too, fails: the checklist is back at once.
        var jan = try Story(startingOn: "2026-09-01")
        for _ in 0..<6 { jan.attempt(0.9) }
        jan.clock = try #require(jan.history.state.delayedCheck).reachedAt.addingTimeInterval(40 * 86_400)
        let slip = jan.attempt(0.4)
        #expect(slip.transition?.recheckDays == 7 && jan.level == 1)
    }

    @Test("Policies read as they were recorded: one delayed check is one recheck, and a policy without either gets 7, 30 and 90 days")
    func policiesBeforeRechecks() throws {
        let decode = { (text: String) in try JSONDecoder().decode(ScaffoldPolicy.self, from: Data(text.utf8)) }
        #expect(try decode(#"{"delayedCheckDays": 10}"#).rechecks == [10])
        #expect(try decode(#"{"delayedCheckDays": 0}"#).rechecks == [])
        #expect(try decode("{}").rechecks == [7, 30, 90])
        #expect(try decode(#"{"delayedCheckDays": 10, "rechecks": [14, 60]}"#).rechecks == [14, 60])
        // Written with both, for readers that know only the first.
        let written = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ScaffoldPolicy(rechecks: [14, 60]))) as? [String: Any]
        #expect(written?["delayedCheckDays"] as? Int == 14 && written?["rechecks"] as? [Int] == [14, 60])
        for bad in [[30, 7], [0], [400], [1, 2, 3, 4, 5, 6, 7], [7, 7]] {
            let error = try #require(throws: ValidationError.self) { try ScaffoldPolicy(rechecks: bad).check() }
            #expect(error.problems.map(\.field) == ["rechecks"])
        }
        #expect(throws: Never.self) { try ScaffoldPolicy(rechecks: []).check() }
    }

    @Test("What the next attempt is for: the kick-off until one is made or the learner is placed, a recheck when one is due")
    func nextAttemptPurpose() throws {
        let now = try Date("2026-09-10T09:00:00Z", strategy: .iso8601)
        var exercise = try Exercise(
            title: "Complaint", instructions: "Handle it.", skillKey: "complaints", rubric: sampleRubric(), ladder: sampleLadder())
        let learner = UserID()
        func standing(level: Int?, due: Date? = nil, placed: Bool = true) -> ScaffoldStanding {
            let transition = ScaffoldTransition(rule: .withdrawal, at: now, from: 1, to: level ?? 3, exerciseID: exercise.id)
            return ScaffoldStanding(
                learnerID: learner, skillKey: "complaints", level: level, flagged: false, checkDueAt: due, checkPassedAt: nil,
                lastTransition: placed ? transition : nil, events: 1)
        }
        #expect(AttemptPurpose.next(exercise: exercise, standing: nil, kickOffMade: false, now: now) == .practice)
        exercise.review.kickOff = true
        #expect(AttemptPurpose.next(exercise: exercise, standing: nil, kickOffMade: false, now: now) == .kickOff)
        #expect(AttemptPurpose.next(exercise: exercise, standing: nil, kickOffMade: true, now: now) == .practice)
        // Placed on the skill by another exercise already: no kick-off.
        #expect(AttemptPurpose.next(exercise: exercise, standing: standing(level: 2), kickOffMade: false, now: now) == .practice)
        let due = now.addingTimeInterval(-3600), later = now.addingTimeInterval(3600)
        #expect(AttemptPurpose.next(exercise: exercise, standing: standing(level: 0, due: due), kickOffMade: true, now: now) == .recheck)
        #expect(AttemptPurpose.next(exercise: exercise, standing: standing(level: 0, due: later), kickOffMade: true, now: now) == .practice)
    }
}
