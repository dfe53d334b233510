import Foundation

/// Scaffolding decisions in words for learners and trainers, e.g. "Checklist withdrawn on
/// 3 May 2026 after two attempts scoring 0.82 and 0.90.", in the localizer's language. The
/// sentences are catalogue texts (`scaffold.*`, the names of supports `support.*`); dates are UTC.
public enum ScaffoldExplanation {
    /// One sentence for a transition. `ladder` is the ladder of the transition's exercise (it
    /// names the supports); `trainerName` names who made an override.
    public static func sentence(
        _ transition: ScaffoldTransition, ladder: ScaffoldLadder?, trainerName: String? = nil,
        in words: Localizer
    ) -> String {
        words.sentence(message(transition, ladder: ladder, trainerName: trainerName))
    }

    /// The sentence for a transition as a message, to be written in any reader's language later
    /// (a notice keeps it).
    public static func message(_ transition: ScaffoldTransition, ladder: ScaffoldLadder?, trainerName: String? = nil) -> Message {
        var arguments: [String: Message.Argument] = [
            "date": .date(transition.at),
            "count": .word(transition.evidence.count),
            "scores": .list(transition.evidence.map { .percent($0.total) }),
        ]
        switch transition.rule {
        case .withdrawal:
            arguments["supports"] = supports(ladder, present: transition.from, absent: transition.to)
            return Message("scaffold.withdrawn", arguments)
        case .reinstatement:
            arguments["supports"] = supports(ladder, present: transition.to, absent: transition.from)
            return Message("scaffold.reinstated", arguments)
        case .delayedCheckFailed:
            arguments["supports"] = supports(ladder, present: transition.to, absent: transition.from)
            if let days = transition.recheckDays {
                arguments["days"] = .integer(days)
                return Message("scaffold.recheckFailed", arguments)
            }
            if let days = transition.policy?.delayedCheckDays {
                arguments["days"] = .message(Message("scaffold.days", ["count": .word(days)]))
            } else {
                arguments["days"] = .message(Message("scaffold.someDays"))
            }
            return Message("scaffold.checkFailed", arguments)
        case .stalled:
            arguments["level"] = levelName(ladder, transition.from)
            return Message(transition.to == transition.from ? "scaffold.stalledKept" : "scaffold.stalledBack", arguments)
        case .kickOff:
            arguments["level"] = levelName(ladder, transition.to)
            return Message("scaffold.kickOff", arguments)
        case .override:
            arguments["level"] = levelName(ladder, transition.to)
            arguments["trainer"] = trainerName.map(Message.Argument.text) ?? .message(Message("scaffold.aTrainer"))
            if let reason = transition.reason, !reason.isEmpty {
                arguments["reason"] = .text(reason)
                return Message("scaffold.overrideReason", arguments)
            }
            return Message("scaffold.override", arguments)
        }
    }

    /// A short line for any step of a learner's timeline.
    public static func note(_ step: ScaffoldStep, ladder: ScaffoldLadder?, trainerName: String? = nil, in words: Localizer) -> String {
        switch step.event {
        case .override:
            return step.transition.map { sentence($0, ladder: ladder, trainerName: trainerName, in: words) } ?? ""
        case .assessed(let assessment):
            var arguments: [String: Message.Argument] = ["attempt": .integer(assessment.attempt), "score": .percent(assessment.total)]
            let key: String
            switch step.outcome {
            case .transition(let transition):
                return sentence(transition, ladder: ladder, trainerName: trainerName, in: words)
            case .checkPassed:
                arguments["date"] = .date(assessment.at)
                if let days = step.recheckDays {
                    arguments["days"] = .integer(days)
                    key = "scaffold.note.recheckPassed"
                } else {
                    key = "scaffold.note.checkPassed"
                }
            case .informs:
                // A review that may move levels informs only when it is a kick-off that came too late.
                key =
                    if assessment.reviewerKind == .selfReview {
                        "scaffold.note.selfInforms"
                    } else if assessment.policy.moves(assessment.reviewerKind) {
                        "scaffold.note.kickOffLate"
                    } else {
                        "scaffold.note.peerInforms"
                    }
            case .alreadyAssessed:
                key = "scaffold.note.alreadyAssessed"
            case .otherLevel:
                arguments["level"] = .integer(assessment.attemptLevel)
                key = "scaffold.note.otherLevel"
            case .counted:
                let policy = assessment.policy
                if policy.passes(total: assessment.total, lowest: assessment.lowest) {
                    if step.levelAfter == 0 {
                        key = "scaffold.note.independent"
                    } else {
                        arguments["streak"] = .integer(step.passStreak)
                        arguments["needed"] = .integer(policy.withdrawAfter)
                        key = "scaffold.note.pass"
                    }
                } else if assessment.total < policy.masteryThreshold {
                    arguments["threshold"] = .percent(policy.masteryThreshold)
                    key = "scaffold.note.belowMastery"
                } else {
                    arguments["floor"] = .percent(policy.criterionFloor)
                    key = "scaffold.note.belowFloor"
                }
            }
            return words.format(Message(key, arguments))
        }
    }

    /// The names of the kinds of support at level `present` that level `absent` lacks, e.g.
    /// "model video and script" (the sentence gives it its capital); "support" when there are
    /// none or no ladder.
    static func supports(_ ladder: ScaffoldLadder?, present: Int, absent: Int) -> Message.Argument {
        var kinds: [String] = []
        if let ladder {
            let gone = Set(ladder.level(absent).supports.map(\.kind))
            var seen = Set<String>()
            kinds = ladder.level(present).supports.map(\.kind).filter { !gone.contains($0) && seen.insert($0).inserted }
        }
        return kinds.isEmpty ? .message(Message("scaffold.support")) : .list(kinds.map { .message(Message("support.\($0)")) })
    }

    /// "level 2 (Prompts and checklist)": the number and the name the admin gave the level.
    static func levelName(_ ladder: ScaffoldLadder?, _ level: Int) -> Message.Argument {
        guard let ladder, (0...ladder.top).contains(level) else { return .message(Message("scaffold.level", ["level": .integer(level)])) }
        return .message(Message("scaffold.levelNamed", ["level": .integer(level), "name": .text(ladder.level(level).name)]))
    }
}
