import SteigerCore

/// Scores in words and numbers, as every page writes them: a step as its label and place on the
/// scale ("Partly — 2 of 3"), a total as a percentage and in points ("40 % · 2 of 5 points"), and
/// the pass mark beside it. Page scripts write the same from the same catalogue texts.
extension WebPages {
    /// "Partly — 2 of 3".
    func scoreStep(label: String, step: Int, steps: Int) -> String {
        words.text("scoreStep", ["label": .text(label), "step": .integer(step), "steps": .integer(steps)])
    }

    /// "40 % · 2 of 5 points".
    func scoreTotal(points: Double, possible: Double) -> String {
        words.text(
            "scoreTotal",
            [
                "percent": .integer(Self.percent(possible > 0 ? points / possible : 0)), "points": .text(self.points(points)),
                "possible": .text(self.points(possible)), "count": .integer(possible == 1 ? 1 : 2),
            ])
    }

    /// "pass mark 75 %".
    func passMark(_ fraction: Double) -> String {
        words.text("scorePassMark", ["percent": .integer(Self.percent(fraction))])
    }

    /// A fraction as a whole percentage.
    static func percent(_ fraction: Double) -> Int { Int((fraction * 100).rounded()) }

    /// Points with one decimal when they have one: "2", "2,5".
    func points(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? words.integer(Int(tenths / 10)) : words.decimal(tenths / 10, places: 1)
    }
}
