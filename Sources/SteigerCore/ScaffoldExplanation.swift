import Foundation

/// Scaffolding decisions in words for learners and trainers, e.g. "Checklist withdrawn on
/// 3 May 2026 after two attempts scoring 0.82 and 0.90." Dates are in UTC.
public enum ScaffoldExplanation {
    /// One sentence for a transition. `ladder` is the ladder of the transition's exercise (it
    /// names the supports); `trainerName` names who made an override.
    public static func sentence(_ transition: ScaffoldTransition, ladder: ScaffoldLadder?, trainerName: String? = nil) -> String {
        let date = Self.date(transition.at)
        let scores = transition.evidence.map { score($0.total) }
        let attempts = "\(count(transition.evidence.count, "attempt")) scoring \(list(scores))"
        switch transition.rule {
        case .withdrawal:
            let what = supports(ladder, present: transition.from, absent: transition.to) ?? "Support"
            return "\(what) withdrawn on \(date) after \(attempts)."
        case .reinstatement:
            let what = supports(ladder, present: transition.to, absent: transition.from) ?? "Support"
            return "\(what) put back on \(date) after \(attempts)."
        case .delayedCheckFailed:
            let what = supports(ladder, present: transition.to, absent: transition.from) ?? "Support"
            let days = transition.policy.map { count($0.delayedCheckDays, "day") } ?? "some days"
            return "\(what) put back on \(date): the check attempt \(days) after the last support was withdrawn scored \(list(scores))."
        case .stalled:
            let level = levelName(ladder, transition.from)
            let restored = transition.to == transition.from ? "Full support kept" : "Full support put back"
            return "\(restored) on \(date) after \(attempts) at \(level) without moving down; a trainer has been asked to look."
        case .override:
            let who = trainerName.map { "by \($0)" } ?? "by a trainer"
            let reason = transition.reason.map { ": \($0)" } ?? ""
            return "Set to \(levelName(ladder, transition.to)) \(who) on \(date)\(reason)"
        }
    }

    /// A short line for any step of a learner's timeline.
    public static func note(_ step: ScaffoldStep, ladder: ScaffoldLadder?, trainerName: String? = nil) -> String {
        switch step.event {
        case .override:
            return step.transition.map { sentence($0, ladder: ladder, trainerName: trainerName) } ?? ""
        case .assessed(let assessment):
            let scored = "Attempt \(assessment.attempt) scored \(score(assessment.total))"
            switch step.outcome {
            case .transition(let transition):
                return sentence(transition, ladder: ladder, trainerName: trainerName)
            case .checkPassed:
                return "\(scored) in the delayed check on \(date(assessment.at)): support stays withdrawn."
            case .informs:
                let who = assessment.reviewerKind == .selfReview ? "Self review" : "Peer review"
                return "\(who): attempt \(assessment.attempt) scored \(score(assessment.total)); it informs but does not move the level."
            case .alreadyAssessed:
                return "Another review of attempt \(assessment.attempt) (\(score(assessment.total))); the first one counted."
            case .otherLevel:
                return "\(scored); it was made at level \(assessment.attemptLevel) and the level has changed since, so it does not count."
            case .counted:
                let policy = assessment.policy
                if policy.passes(total: assessment.total, lowest: assessment.lowest) {
                    if step.levelAfter == 0 { return "\(scored) without support." }
                    return "\(scored): a pass, \(step.passStreak) of \(policy.withdrawAfter) in a row needed to withdraw support."
                }
                let why = assessment.total < policy.masteryThreshold
                    ? "below \(score(policy.masteryThreshold))" : "a criterion was below \(score(policy.criterionFloor))"
                return "\(scored): not a pass (\(why))."
            }
        }
    }

    /// A score as shown: two decimals.
    public static func score(_ value: Double) -> String { String(format: "%.2f", value) }

    /// A date as shown, e.g. "3 May 2026" (UTC).
    public static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.day, .month, .year], from: date)
        return "\(parts.day ?? 1) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970)"
    }

    /// The names of the kinds of support at level `present` that level `absent` lacks, e.g.
    /// "Model video and script"; nil when there are none or no ladder.
    static func supports(_ ladder: ScaffoldLadder?, present: Int, absent: Int) -> String? {
        guard let ladder else { return nil }
        let gone = Set(ladder.level(absent).supports.map(\.kind))
        var seen = Set<String>()
        let names = ladder.level(present).supports.map(\.kind).filter { !gone.contains($0) && seen.insert($0).inserted }.map(supportName)
        guard !names.isEmpty else { return nil }
        let text = list(names)
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    static func levelName(_ ladder: ScaffoldLadder?, _ level: Int) -> String {
        guard let ladder, (0...ladder.top).contains(level) else { return "level \(level)" }
        return "level \(level) (\(ladder.level(level).name))"
    }

    static func supportName(_ kind: String) -> String {
        switch kind {
        case "modelVideo": "model video"
        case "text": "guidance"
        default: kind
        }
    }

    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
        }
    }

    static func count(_ n: Int, _ noun: String) -> String {
        let words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
        let number = n >= 0 && n < words.count ? words[n] : String(n)
        return "\(number) \(noun)\(n == 1 ? "" : "s")"
    }

    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                                 "November", "December"]
}
