import Foundation
import HTTPTypes
import Hummingbird
import SteigerApp
import SteigerCore

/// The cohort's library of examples: attempts learners shared, with their consent, for others
/// to learn from, played with the feedback they chose to share.
extension WebPages {
    func registerExamples(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/learn/examples") { request, context in try await pages(request, context).examplesPage(request, context) }
        signedIn.get("/learn/examples/:submissionId") { request, context in try await pages(request, context).examplePage(request, context) }
        signedIn.post("/learn/examples/:submissionId/approve") { request, context in
            try await pages(request, context).approveExample(request, context)
        }
    }

    private func examplesPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let query = request.uri.queryParameters
        let exerciseID = query["exercise"].flatMap { UUID(uuidString: String($0)) }.map(ExerciseID.init)
        let criterion = query["criterion"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let all = try await app.submissions.library(actor)
        // A criterion sorts only within an exercise's examples.
        let entries = exerciseID == nil ? all : try await app.submissions.library(actor, exercise: exerciseID, criterion: criterion)
        // The exercises with examples, to choose from; the chosen one's criteria to sort by.
        var exercises: [ExerciseID: Exercise] = [:]
        for entry in all { exercises[entry.exercise.id] = entry.exercise }
        let chosen = exerciseID.flatMap { exercises[$0] }
        let rows: [[String: Any]] = entries.map { entry in
            var row: [String: Any] = [
                "id": entry.submission.id.description, "exercise": entry.exercise.title, "learner": entry.learnerName,
                "made": words.dateTime(entry.submission.createdAt), "mayApprove": entry.mayApprove,
                "watchLabel": words.text("watchExampleOf", ["learner": .text(entry.learnerName), "exercise": .text(entry.exercise.title)]),
            ]
            if entry.awaitsApproval { row["state"] = words.text("libraryWaitsApproval") }
            if let review = entry.review {
                let breakdown = entry.exercise.rubric.breakdown(review.scores)
                row["score"] = scoreTotal(points: breakdown.points, possible: breakdown.possible)
                if let criterion, let line = breakdown.lines.first(where: { $0.key == criterion }) {
                    row["criterionScore"] = "\(line.title): " + scoreStep(label: line.label, step: line.step, steps: line.steps)
                }
            }
            return row
        }
        var values: [String: Any] = [
            "rows": rows, "hasRows": !rows.isEmpty, "filtered": exerciseID != nil,
            "exercises": exercises.values.sorted { $0.title < $1.title }.map {
                ["id": $0.id.description, "name": $0.title, "chosen": $0.id == exerciseID] as [String: Any]
            },
            "hasCriteria": chosen != nil,
            "criteria": (chosen?.rubric.criteria ?? []).map { ["key": $0.key, "name": $0.title, "chosen": $0.key == criterion] as [String: Any] },
        ]
        if query["approved"] != nil { values["message"] = words.text("exampleApproved") }
        return try html("examples", title: words.text("examples"), actor: actor, secret: secret, values)
    }

    private func examplePage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let id: SubmissionID = try context.id("submissionId", of: .submission)
        let entry = try await app.submissions.example(actor, id)
        let (submission, exercise, learner) = (entry.submission, entry.exercise, entry.learnerName)
        let mine = submission.learnerID == actor.user.id
        return try html(
            "example", title: words.text("exampleTitle", ["exercise": .text(exercise.title), "learner": .text(learner)]), actor: actor,
            secret: secret,
            [
                "id": submission.id.description, "exerciseTitle": exercise.title, "learner": learner, "instructions": exercise.instructions,
                "made": words.dateTime(submission.createdAt), "sharesFeedback": submission.sharesFeedback || mine,
                "statusTexts": try Self.json(attemptTexts(exercise)),
                "awaitsApproval": entry.awaitsApproval, "mayApprove": entry.mayApprove,
            ])
    }

    private func approveExample(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        _ = try await app.submissions.approveForLibrary(actor, try context.id("submissionId", of: .submission))
        return redirect("/learn/examples?approved=1")
    }
}
