import Foundation
import HTTPTypes
import Hummingbird
import SteigerApp
import SteigerCore

/// Transfer to the job: the page of one task at work (its learner reports, their trainers and
/// managers review), and the lists that lead to it.
extension WebPages {
    func registerTransfers(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/transfer/:transferId") { request, context in
            let pages = pages(request, context)
            return try await pages.transferPage(try context.id("transferId", of: .transferTask))
        }
        signedIn.post("/transfer/:transferId/report") { request, context in try await pages(request, context).reportTransfer(request, context) }
        signedIn.post("/transfer/:transferId/review") { request, context in try await pages(request, context).reviewTransfer(request, context) }
    }

    /// One line per task for a list: the exercise, whose, and where it stands.
    func transferItems(_ entries: [Transfers.Entry], withNames: Bool) -> [[String: Any]] {
        let now = app.settings.now()
        return entries.map { entry in
            let task = entry.task
            let state =
                switch task.status {
                case .open: words.text(task.isOverdue(at: now) ? "transferStateLate" : "transferStateOpen", ["date": .dateTime(task.dueAt)])
                case .reported: words.text("transferStateReported", ["date": .dateTime(task.report?.at ?? now)])
                case .reviewed: words.text("transferStateReviewed", ["date": .dateTime(task.review?.at ?? now)])
                }
            return [
                "id": task.id.description, "exercise": entry.exercise.title, "learner": withNames ? entry.learner.displayName : false,
                "state": state, "open": task.status == .open,
            ]
        }
    }

    private func transferPage(
        _ id: TransferTaskID, error: String? = nil, text: String = "", status: HTTPResponse.Status = .ok
    ) async throws
        -> Response
    {
        let (actor, secret) = try signedIn()
        let entry = try await app.transfers.task(actor, id)
        let (task, exercise) = (entry.task, entry.exercise)
        let own = task.learnerID == actor.user.id
        var values: [String: Any] = [
            "id": task.id.description, "exercise": exercise.title, "exerciseId": exercise.id.description, "own": own,
            "learner": entry.learner.displayName,
            "cause": causeLine(task, exercise, learner: own ? nil : entry.learner.displayName),
            "reportTitle": own ? words.text("transferReportTitle") : words.text("transferReportOf", ["name": .text(entry.learner.displayName)]),
            "prompt": task.prompt.isEmpty ? words.text("transferPromptGeneral", ["exercise": .text(exercise.title)]) : task.prompt,
            "due": words.text(task.isOverdue(at: app.settings.now()) ? "transferDueLate" : "transferDue", ["date": .dateTime(task.dueAt)]),
            "mayReport": entry.mayReport, "mayReview": entry.mayReview, "text": text, "error": error ?? false,
        ]
        if let report = task.report {
            values["report"] = ["text": report.text, "line": words.text("transferReportedAt", ["date": .dateTime(report.at)])]
        }
        if let review = task.review {
            let points = exercise.rubric.breakdown(review.scores)
            values["review"] = [
                "line": words.text(
                    "transferReviewedBy",
                    [
                        "name": .text(entry.reviewerName ?? ""), "date": .dateTime(review.at),
                        "total": .text(scoreTotal(points: points.points, possible: points.possible)),
                    ]),
                "scores": points.lines.map { scoreStep(label: "\($0.title): \($0.label)", step: $0.step, steps: $0.steps) },
                "comment": review.comment.isEmpty ? false : review.comment,
            ]
        }
        if entry.mayReview {
            values["criteria"] = exercise.rubric.criteria.map { criterion in
                [
                    "key": criterion.key, "title": criterion.title,
                    "scale": criterion.scale.enumerated().map { index, level in
                        [
                            "key": criterion.key, "value": level.value,
                            "text": scoreStep(label: level.label, step: index + 1, steps: criterion.scale.count),
                        ] as [String: Any]
                    },
                ] as [String: Any]
            }
            values["passMark"] = passMark(exercise.policy.masteryThreshold)
        }
        return try html(
            "transfer", title: words.text("transferTitle", ["exercise": .text(exercise.title)]), actor: actor, secret: secret, values, status: status)
    }

    /// Why the task was given, to its learner or about them.
    private func causeLine(_ task: TransferTask, _ exercise: Exercise, learner: String?) -> String {
        let days = Message.Argument.integer(exercise.review.transferEveryDays ?? 0), level = Message.Argument.integer(task.level ?? 0)
        guard let learner else {
            return task.cause == .withdrawal
                ? words.text("transferCauseWithdrawal", ["level": level]) : words.text("transferCauseSchedule", ["days": days])
        }
        return task.cause == .withdrawal
            ? words.text("transferCauseWithdrawalOf", ["level": level, "name": .text(learner)])
            : words.text("transferCauseScheduleOf", ["days": days, "name": .text(learner)])
    }

    private func reportTransfer(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        var request = request
        let form = try await Self.form(&request, context)
        try requireToken(form, session: secret)
        let id: TransferTaskID = try context.id("transferId", of: .transferTask)
        do {
            _ = try await app.transfers.report(actor, id, text: form["text"] ?? "")
        } catch {
            // What they wrote stays, with the reason it was refused.
            let refused = try Self.refusal(error, among: [.invalid])
            let reason = refused.errors.map { words.format($0.message) }.joined(separator: "; ")
            return try await transferPage(id, error: reason, text: form["text"] ?? "", status: .unprocessableContent)
        }
        return redirect("/transfer/\(id)")
    }

    private func reviewTransfer(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        var request = request
        let form = try await Self.form(&request, context)
        try requireToken(form, session: secret)
        let id: TransferTaskID = try context.id("transferId", of: .transferTask)
        var scores: [String: Int] = [:]
        for (key, value) in form where key.hasPrefix("score.") { scores[String(key.dropFirst(6))] = Int(value) }
        do {
            _ = try await app.transfers.review(actor, id, scores: scores, comment: form["comment"])
        } catch {
            _ = try Self.refusal(error, among: [.invalid])
            return try await transferPage(id, error: words.text("transferScoreAll"), status: .unprocessableContent)
        }
        return redirect("/transfer/\(id)")
    }
}
