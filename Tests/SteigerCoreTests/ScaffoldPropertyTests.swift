import Foundation
import Testing

@testable import SteigerCore

/// Random but plausible logs: several exercises of one skill with ladders of different heights,
/// mostly trainer reviews of attempts made at the current level, some peer and self reviews,
/// repeated reviews, stale attempts, overrides and policy changes, at increasing times.
enum RandomLog {
    static func make(seed: UInt64, length: Int) -> [ScaffoldEvent] {
        var random = SeededRandom(seed: seed)
        let exercises = (0..<Int.random(in: 1...3, using: &random)).map { _ in (id: ExerciseID(), top: Int.random(in: 0...5, using: &random)) }
        var policy = randomPolicy(&random), version = 1
        var clock = Date(timeIntervalSince1970: 1_780_000_000)
        var events: [ScaffoldEvent] = []
        var state = ScaffoldState()
        var reviewed: [SubmissionID] = []
        for attempt in 1...length {
            clock = clock.addingTimeInterval(Double.random(in: 60...(10 * 86_400), using: &random))
            let exercise = exercises.randomElement(using: &random)!
            let roll = Int.random(in: 0..<100, using: &random)
            let event: ScaffoldEvent
            if roll < 6 {
                event = .override(
                    try! ScaffoldOverride(
                        trainerID: UserID(), exerciseID: exercise.id, level: Int.random(in: 0...exercise.top, using: &random),
                        top: exercise.top, reason: "placed", at: clock))
            } else {
                if roll < 10 {
                    policy = randomPolicy(&random)
                    version += 1
                }
                let kind: ReviewTask.Kind = roll < 20 ? .peer : roll < 25 ? .selfReview : .trainer
                let current = state.level(top: exercise.top)
                let level = roll < 30 ? Int.random(in: 0...exercise.top, using: &random) : current
                let submission = roll > 95 && !reviewed.isEmpty ? reviewed.randomElement(using: &random)! : SubmissionID()
                reviewed.append(submission)
                let total = Double(Int.random(in: 0...20, using: &random)) / 20
                let lowest = max(0, total - Double(Int.random(in: 0...10, using: &random)) / 20)
                event = .assessed(
                    ScaffoldAssessment(
                        reviewerKind: kind, submissionID: submission, exerciseID: exercise.id, attempt: attempt,
                        attemptLevel: level, attemptMadeAt: clock.addingTimeInterval(-Double.random(in: 0...3600, using: &random)),
                        top: exercise.top, total: total, lowest: lowest, policy: policy, policyVersion: version, at: clock))
            }
            ScaffoldEngine.apply(event, to: &state)
            events.append(event)
        }
        return events
    }

    static func randomPolicy(_ random: inout SeededRandom) -> ScaffoldPolicy {
        let mastery = Double(Int.random(in: 10...20, using: &random)) / 20
        let withdraw = Int.random(in: 1...4, using: &random)
        let policy = ScaffoldPolicy(
            withdrawAfter: withdraw, masteryThreshold: mastery, criterionFloor: Double(Int.random(in: 0...10, using: &random)) / 20,
            reinstateAfter: Int.random(in: 1...3, using: &random),
            supportThreshold: min(mastery, Double(Int.random(in: 0...12, using: &random)) / 20),
            delayedCheckDays: Int.random(in: 0...10, using: &random),
            stallAfter: Bool.random(using: &random) ? 0 : Int.random(in: withdraw...8, using: &random),
            peerReviewsMoveLevels: Bool.random(using: &random))
        try! policy.check()
        return policy
    }
}

@Suite("Scaffolding: properties of the engine over random logs")
struct ScaffoldPropertyTests {
    static let seeds: [UInt64] = Array(1...400)

    @Test("replaying the same log gives the same state and the same account, event by event or all at once")
    func replayIsDeterministic() {
        for seed in Self.seeds {
            let log = RandomLog.make(seed: seed, length: 60)
            let first = ScaffoldEngine.replay(log), second = ScaffoldEngine.replay(log)
            #expect(first == second, "seed \(seed)")
            var state = ScaffoldState()
            for event in log { ScaffoldEngine.apply(event, to: &state) }
            #expect(state == first.state && ScaffoldEngine.state(after: log) == first.state, "seed \(seed)")
            // Replaying a prefix and then the rest is the same as replaying it all.
            let cut = Int(seed % 60)
            var resumed = ScaffoldEngine.state(after: log.prefix(cut))
            for event in log.dropFirst(cut) { ScaffoldEngine.apply(event, to: &resumed) }
            #expect(resumed == first.state, "seed \(seed)")
        }
    }

    @Test("a level never goes below 0 or above the top, and never changes without a recorded rule")
    func levelsStayOnTheLadder() {
        for seed in Self.seeds {
            let log = RandomLog.make(seed: seed, length: 60)
            for (step, event) in zip(ScaffoldEngine.replay(log).steps, log) {
                #expect((0...event.top).contains(step.levelBefore) && (0...event.top).contains(step.levelAfter), "seed \(seed)")
                if step.transition == nil { #expect(step.levelAfter == step.levelBefore, "seed \(seed)") }
                if let transition = step.transition { #expect(transition.from == step.levelBefore && transition.to == step.levelAfter) }
            }
        }
    }

    @Test("withdrawal needs the streak; reinstatement needs the drop; each records its rule, evidence and policy")
    func rulesNeedTheirEvidence() {
        for seed in Self.seeds {
            let log = RandomLog.make(seed: seed, length: 60)
            let steps = ScaffoldEngine.replay(log).steps
            // The attempts that counted, since the level last changed.
            var counted: [ScaffoldAssessment] = []
            for step in steps {
                guard case .assessed(let assessment) = step.event else {
                    counted = []
                    continue
                }
                switch step.outcome {
                case .counted, .checkPassed: counted.append(assessment)
                case .transition(let transition):
                    counted.append(assessment)
                    let policy = assessment.policy
                    #expect(transition.policy == policy && transition.policyVersion == assessment.policyVersion, "seed \(seed)")
                    switch transition.rule {
                    case .withdrawal:
                        #expect(transition.to == transition.from - 1, "seed \(seed)")
                        let streak = counted.suffix(policy.withdrawAfter)
                        #expect(streak.count == policy.withdrawAfter, "seed \(seed)")
                        #expect(streak.allSatisfy { $0.policy.passes(total: $0.total, lowest: $0.lowest) }, "seed \(seed)")
                        #expect(transition.evidence.map(\.reviewID) == streak.map(\.reviewID), "seed \(seed)")
                        // Every piece of evidence passes under the policy the transition names.
                        #expect(transition.evidence.allSatisfy { policy.passes(total: $0.total, lowest: $0.lowest) }, "seed \(seed)")
                    case .reinstatement:
                        #expect(transition.to == transition.from + 1, "seed \(seed)")
                        let drop = counted.suffix(policy.reinstateAfter)
                        #expect(drop.count == policy.reinstateAfter, "seed \(seed)")
                        #expect(drop.allSatisfy { $0.policy.needsSupport(total: $0.total) }, "seed \(seed)")
                        #expect(transition.evidence.map(\.reviewID) == drop.map(\.reviewID), "seed \(seed)")
                    case .delayedCheckFailed:
                        #expect(transition.from == 0 && !policy.passes(total: assessment.total, lowest: assessment.lowest), "seed \(seed)")
                    case .stalled:
                        #expect(policy.stallAfter > 0 && counted.count >= policy.stallAfter && transition.to == assessment.top, "seed \(seed)")
                    case .override:
                        Issue.record("a review produced an override (seed \(seed))")
                    case .kickOff:
                        Issue.record("a practice attempt set a starting level (seed \(seed))")
                    }
                    counted = []
                case .informs:
                    #expect(!assessment.policy.moves(assessment.reviewerKind), "seed \(seed)")
                case .alreadyAssessed, .otherLevel:
                    break
                }
            }
        }
    }

    @Test("an override always wins over the rules until the next rule fires")
    func overridesHoldUntilARuleFires() {
        for seed in Self.seeds {
            let log = RandomLog.make(seed: seed, length: 60)
            var state = ScaffoldState()
            var placed: Int?
            for event in log {
                let step = ScaffoldEngine.apply(event, to: &state)
                if case .override(let override) = event {
                    #expect(state.placedLevel == override.level && step.levelAfter == override.level && !state.flagged, "seed \(seed)")
                    placed = override.level
                } else if step.transition != nil {
                    placed = nil
                } else if let placed {
                    #expect(state.placedLevel == placed, "seed \(seed)")
                }
            }
        }
    }
}
