import Foundation
import HTTPTypes
import Hummingbird
import SteigerApp
import SteigerCore

/// The trainer's scaffolding pages: an exercise's learners × levels, and one learner's timeline
/// drawn as a chart, with the form to set the level by hand.
extension WebPages {
    func registerScaffolding(open: RouterGroup<AppContext>, signedIn: RouterGroup<AppContext>) {
        signedIn.get("/train/exercises/:exerciseId") { request, context in try await pages(request, context).matrixPage(request, context) }
        signedIn.get("/train/exercises/:exerciseId/learners/:learnerId") { request, context in
            try await pages(request, context).timelinePage(request, context, error: nil)
        }
        signedIn.post("/train/exercises/:exerciseId/learners/:learnerId") { request, context in
            try await pages(request, context).setLevel(request, context)
        }
    }

    /// The exercises of the cohorts `actor` trains, for the queue page's links.
    func trainedExercises(_ actor: Actor) async throws -> [[String: Any]] {
        try await app.exercises.trained(actor).map { ["id": $0.id.description, "title": $0.title] }
    }

    private func matrixPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let found = try await app.scaffolding.matrix(actor, exercise: try context.id("exerciseId", of: .exercise))
        let exercise = found.exercise
        let matrix = ScaffoldMatrixView(found, words: words)
        let rows: [[String: Any]] = matrix.rows.map { row in
            var values: [String: Any] = [
                "id": row.learner.id, "name": row.learner.displayName, "flagged": row.standing.flagged,
                "attemptsText": words.text("attemptsCount", ["count": .integer(row.attempts)]),
                "levelName": row.standing.levelName,
                "cells": matrix.levels.reversed().map { level in ["here": level.level == row.standing.level, "name": level.name] },
            ]
            if let sentence = row.standing.lastTransition?.sentence { values["lastChange"] = sentence }
            values["lastScore"] =
                UserID(row.learner.id).flatMap { found.lastReviews[$0] }.map { scoreWords($0, exercise) } ?? words.text("notReviewedYet")
            return values
        }
        return try html(
            "matrix", title: "\(exercise.title) · \(words.text("scaffolding"))", actor: actor, secret: secret,
            [
                "exerciseId": exercise.id.description, "exercise": exercise.title, "rows": rows,
                "levels": matrix.levels.reversed().map { ["level": $0.level, "name": $0.name] },
            ])
    }

    /// A review's score in words and points, with each criterion's step: "83 % · 2.5 of 3 points
    /// (pass mark 75 %): Empathy: Yes — 3 of 3; Next step: Partly — 2 of 3".
    func scoreWords(_ review: Review, _ exercise: Exercise) -> String {
        let points = exercise.rubric.breakdown(review.scores)
        let lines = points.lines.map { scoreStep(label: "\($0.title): \($0.label)", step: $0.step, steps: $0.steps) }
        return words.text(
            "scoreInWords",
            [
                "total": .text(scoreTotal(points: points.points, possible: points.possible)),
                "pass": .text(passMark(exercise.policy.masteryThreshold)), "criteria": .text(lines.joined(separator: "; ")),
            ])
    }

    private func timelinePage(_ request: Request, _ context: AppContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (actor, secret) = try signedIn()
        let found = try await app.scaffolding.track(
            actor, exercise: try context.id("exerciseId", of: .exercise), learner: try context.id("learnerId", of: .learner))
        let (exercise, learner) = (found.exercise, found.learner)
        let track = ScaffoldTrackView(found, words: words)
        var values: [String: Any] = [
            "exerciseId": exercise.id.description, "exercise": exercise.title, "learnerId": learner.id.description, "learner": learner.displayName,
            "levelName": track.standing.levelName, "level": track.standing.level, "flagged": track.standing.flagged,
            "chart": ScaffoldChart.svg(track, ladder: exercise.ladder, mastery: exercise.policy.masteryThreshold, labels: words.messages),
            "steps": track.timeline.map { ["at": words.dateTime($0.at), "note": $0.note] },
            "attempts": found.attempts.sorted { $0.attempt < $1.attempt }.map { attempt in
                [
                    "attempt": attempt.attempt, "at": words.dateTime(attempt.createdAt),
                    "level": exercise.ladder.level(attempt.scaffoldLevel).name,
                    "score": found.reviews[attempt.id].map { scoreWords($0, exercise) } ?? words.text("notReviewedYet"),
                ] as [String: Any]
            },
            "canSet": found.canSetLevel,
            "levels": exercise.ladder.levels.reversed().map { ["number": $0.number, "name": $0.name, "current": $0.number == track.standing.level] },
        ]
        if let error { values["error"] = error }
        return try html("timeline", title: "\(learner.displayName) · \(exercise.title)", actor: actor, secret: secret, values, status: status)
    }

    private func setLevel(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        let exercise: ExerciseID = try context.id("exerciseId", of: .exercise)
        let learner: UserID = try context.id("learnerId", of: .learner)
        do {
            _ = try await app.scaffolding.setLevel(
                actor, exercise: exercise, learner: learner, level: Int(form["level"] ?? "") ?? -1, reason: form["reason"] ?? "")
        } catch let error as ValidationError {
            let message = error.problems.map { "\($0.field): \(words.format($0.message))" }.joined(separator: "; ")
            return try await timelinePage(request, context, error: message, status: .unprocessableContent)
        }
        return redirect("/train/exercises/\(exercise)/learners/\(learner)")
    }
}

/// A learner's timeline as an SVG chart: each review's score as a dot (filled when it counted),
/// the level as a stepped line, the mastery threshold dashed. Drawn on the server; every text is
/// escaped.
enum ScaffoldChart {
    static func svg(_ track: ScaffoldTrackView, ladder: ScaffoldLadder, mastery: Double, labels: [String: String]) -> String {
        let width = 640.0, height = 240.0, left = 40.0, right = 150.0, top = 16.0, bottom = 28.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let steps = track.timeline
        let count = max(steps.count, 1)
        func x(_ index: Int) -> Double { left + (count == 1 ? plotWidth / 2 : plotWidth * Double(index) / Double(count - 1)) }
        func scoreY(_ score: Double) -> Double { top + (1 - min(max(score, 0), 1)) * plotHeight }
        func levelY(_ level: Int) -> Double { top + (1 - (ladder.top > 0 ? Double(level) / Double(ladder.top) : 0)) * plotHeight }
        let title = labels["chartTitle"] ?? "Scores and levels"
        let summary = (labels["chartSummary"] ?? "{count} events; now at {level}.")
            .replacingOccurrences(of: "{count}", with: String(steps.count)).replacingOccurrences(of: "{level}", with: track.standing.levelName)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-labelledby="chart-title chart-desc" class="chart">
            <title id="chart-title">\(escape(title))</title><desc id="chart-desc">\(escape(summary))</desc>
            """
        for tick in [0.0, 0.5, 1.0] {
            svg += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(scoreY(tick))\" y2=\"\(scoreY(tick))\" class=\"grid\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(scoreY(tick) + 4)\" text-anchor=\"end\" class=\"axis\">\(format(tick))</text>"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(scoreY(mastery))\" y2=\"\(scoreY(mastery))\" class=\"mastery\"/>"
        for level in ladder.levels {
            svg +=
                "<text x=\"\(left + plotWidth + 8)\" y=\"\(levelY(level.number) + 4)\" class=\"axis level-name\">\(level.number) \(escape(level.name))</text>"
        }
        if !steps.isEmpty {
            var path = "M \(x(0)) \(levelY(steps[0].levelBefore)) H \(x(0)) V \(levelY(steps[0].levelAfter))"
            for index in steps.indices.dropFirst() {
                path += " H \(x(index)) V \(levelY(steps[index].levelAfter))"
            }
            svg += "<path d=\"\(path)\" class=\"level\"/>"
        }
        for (index, step) in steps.enumerated() {
            guard let review = step.review else {
                svg +=
                    "<rect x=\"\(x(index) - 4)\" y=\"\(levelY(step.levelAfter) - 4)\" width=\"8\" height=\"8\" class=\"override\"><title>\(escape(step.note))</title></rect>"
                continue
            }
            let counted = ["counted", "transition", "check-passed"].contains(step.outcome)
            svg +=
                "<circle cx=\"\(x(index))\" cy=\"\(scoreY(review.total))\" r=\"5\" class=\"\(counted ? "score" : "score informs")\"><title>\(escape(step.note))</title></circle>"
        }
        return svg + "</svg>"
    }

    /// An axis mark as a percentage, which reads the same in every language ("50 %").
    private static func format(_ value: Double) -> String { "\(Int((value * 100).rounded())) %" }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
