import Foundation
import HTTPTypes
import Hummingbird
import SteigerApp
import SteigerCore

/// A learner's result page: where they started on each skill, what changed and why, their
/// reports from work and the scores of their closing tests; printable, and as a PDF.
extension WebPages {
    func registerJourney(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/journey/:learnerId") { request, context in
            let pages = pages(request, context)
            return try await pages.journeyPage(try context.id("learnerId", of: .learner))
        }
        signedIn.get("/journey/:learnerId/pdf") { request, context in
            let pages = pages(request, context)
            return try await pages.journeyPDF(try context.id("learnerId", of: .learner))
        }
    }

    /// One skill's part of the page, as words.
    struct JourneySection {
        var title: String
        var closing: Bool
        var now: String
        var start: String
        var steps: [String]
        var transfers: String?
        var results: [String]
    }

    func journeySections(_ journey: Journeys.Journey) -> [JourneySection] {
        // A closing test of a skill practised in another exercise shows its scores alone (the journey is told once).
        let practisedSkills = Set(journey.skills.filter { !$0.track.exercise.review.closingTest }.map(\.track.exercise.skillKey))
        return journey.skills.map { skill in
            let track = skill.track
            let exercise = track.exercise
            let names = ScaffoldNames(track.naming, words: words)
            let ladder = exercise.ladder
            let level = track.history.state.level(top: ladder.top)
            var steps: [String] = []
            var start = words.text("journeyNotYet")
            for (index, step) in track.history.steps.enumerated() {
                if index == 0 {
                    start = words.text(
                        "journeyStart", ["name": .text(ladder.level(ladder.top).name), "date": .date(step.event.at)])
                }
                switch step.outcome {
                case .transition(let transition):
                    if transition.rule == .kickOff && index == 0 {
                        start = names.sentence(transition)
                    } else {
                        steps.append(names.sentence(transition))
                    }
                case .checkPassed:
                    steps.append(names.note(step))
                default:
                    break
                }
            }
            let reviewed = skill.transfers.compactMap(\.review)
            let transfers: String? =
                reviewed.isEmpty
                ? nil
                : words.text(
                    "journeyTransfers",
                    [
                        "count": .integer(reviewed.count),
                        "average": .integer(Int((reviewed.map(\.result.total).reduce(0, +) / Double(reviewed.count) * 100).rounded())),
                    ])
            let results: [String] = skill.closing.map { attempt, reviews in
                let scores = reviews.map { review in
                    let points = exercise.rubric.breakdown(review.scores)
                    return words.text(
                        review.kind == .manager ? "journeyByManager" : "journeyByTrainer",
                        [
                            "name": .text(journey.names[review.reviewerID] ?? ""),
                            "total": .text(scoreTotal(points: points.points, possible: points.possible)),
                        ])
                }
                return words.text(
                    "journeyClosingAttempt",
                    [
                        "date": .date(attempt.createdAt),
                        "scores": .text(scores.isEmpty ? words.text("journeyNotReviewed") : scores.joined(separator: "; ")),
                    ])
            }
            if exercise.review.closingTest, practisedSkills.contains(exercise.skillKey) {
                return JourneySection(
                    title: exercise.title, closing: true, now: "", start: "", steps: [], transfers: nil,
                    results: results.isEmpty ? [words.text("journeyNoClosingYet")] : results)
            }
            return JourneySection(
                title: exercise.title, closing: exercise.review.closingTest,
                now: words.text(
                    "supportLevel", ["name": .text(ladder.level(level).name), "level": .integer(level), "top": .integer(ladder.top)]),
                start: start, steps: steps, transfers: transfers, results: results)
        }
    }

    private func journeyPage(_ learner: UserID) async throws -> Response {
        let (actor, secret) = try signedIn()
        let journey = try await app.journeys.journey(actor, learner: learner)
        let sections = journeySections(journey).map { section -> [String: Any] in
            [
                "title": section.title, "closing": section.closing, "now": section.now, "start": section.start, "steps": section.steps,
                "hasSteps": !section.steps.isEmpty, "transfers": section.transfers ?? false, "results": section.results,
                "hasResults": !section.results.isEmpty,
            ]
        }
        return try html(
            "journey", title: words.text("journeyTitle", ["name": .text(journey.learner.displayName)]), actor: actor, secret: secret,
            [
                "learnerId": learner.description, "sections": sections, "hasSections": !sections.isEmpty,
                "printedOn": words.text("journeyPrinted", ["date": .date(app.settings.now())]),
            ])
    }

    private func journeyPDF(_ learner: UserID) async throws -> Response {
        let (actor, _) = try signedIn()
        let journey = try await app.journeys.journey(actor, learner: learner)
        var pdf = SimplePDF()
        pdf.blocks.append(.title(words.text("journeyTitle", ["name": .text(journey.learner.displayName)])))
        pdf.blocks.append(.muted(words.text("journeyPrinted", ["date": .date(app.settings.now())])))
        for section in journeySections(journey) {
            pdf.blocks.append(.heading(section.closing ? "\(section.title) · \(words.text("journeyClosingTag"))" : section.title))
            if !section.now.isEmpty { pdf.blocks.append(.text(section.now)) }
            if !section.start.isEmpty { pdf.blocks.append(.muted(section.start)) }
            for step in section.steps { pdf.blocks.append(.text("• " + step)) }
            if let transfers = section.transfers { pdf.blocks.append(.text(transfers)) }
            for result in section.results { pdf.blocks.append(.text(result)) }
        }
        let name =
            "journey-" + String(journey.learner.displayName.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.prefix(40)) + ".pdf"
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/pdf", .contentDisposition: ContentDisposition.attachment(name),
                .cacheControl: "private, no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: pdf.data())))
    }
}
