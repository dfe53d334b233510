import Foundation
import HTTPTypes
import Hummingbird
import SteigerApp
import SteigerCore

/// The trainer's queue and the review page (shared with peers and self reviews).
extension WebPages {
    func registerReview(open: RouterGroup<AppContext>, signedIn: RouterGroup<AppContext>) {
        signedIn.get("/train") { request, context in try await pages(request, context).queuePage(request, context, message: nil) }
        signedIn.post("/train/claim") { request, context in try await pages(request, context).claim(request, context) }
        signedIn.get("/review/:taskId") { request, context in try await pages(request, context).reviewPage(request, context) }
    }

    private func queuePage(_ request: Request, _ context: AppContext, message: String?) async throws -> Response {
        let (actor, secret) = try signedIn()
        var queue: [[String: Any]] = [], mine: [[String: Any]] = []
        for entry in try await app.reviewDesk.queueEntries(actor) {
            let task = entry.task
            var state = words.text("open")
            if let holder = entry.holderName, let until = task.leaseExpires {
                state = words.text("heldBy", ["name": .text(holder), "time": .text(time(until))])
                if task.assignee == actor.user.id {
                    mine.append(["id": task.id.description, "exercise": entry.exerciseTitle, "learner": entry.learnerName, "until": time(until)])
                }
            }
            queue.append([
                "exercise": entry.exerciseTitle, "learner": entry.learnerName, "state": state, "overdue": task.isOverdue(at: app.settings.now()),
                "due": task.dueAt.map(words.dateTime) ?? words.text("noDue"),
            ])
        }
        let exercises = try await trainedExercises(actor)
        var values: [String: Any] = [
            "queue": queue, "mine": mine, "hasMine": !mine.isEmpty, "exercises": exercises, "hasExercises": !exercises.isEmpty,
            "canInvite": (try? await app.accounts.invitationChoices(actor)) != nil,
        ]
        if let message { values["message"] = message }
        return try html("train", title: words.text("reviewQueue"), actor: actor, secret: secret, values)
    }

    private func claim(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        guard let task = try await app.reviewDesk.claim(actor) else {
            return try await queuePage(request, context, message: words.text("claimedNothing"))
        }
        return redirect("/review/\(task.id)")
    }

    private func reviewPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let desk = try await app.reviewDesk.desk(actor, try context.id("taskId", of: .review))
        let (task, submission, exercise, learner) = (desk.task, desk.submission, desk.exercise, desk.learner)
        let totalWeight = exercise.rubric.criteria.reduce(0) { $0 + $1.weight }
        // Each step says its label and place on the scale, and carries the points it earns, so
        // the page adds up the total as the server does without knowing the rule.
        let criteria: [[String: Any]] = exercise.rubric.criteria.map { criterion in
            [
                "key": criterion.key, "title": criterion.title,
                "share": words.text("builderShare", ["share": .integer(Self.percent(criterion.weight / totalWeight))]),
                "scale": criterion.scale.enumerated().map { index, level in
                    [
                        "key": criterion.key, "value": level.value, "description": level.description,
                        "text": scoreStep(label: level.label, step: index + 1, steps: criterion.scale.count),
                        "points": criterion.weight * criterion.normalised(level.value),
                    ] as [String: Any]
                },
            ]
        }
        let texts = words.messages.filter {
            ["range", "review", "failed", "reply", "sendReply", "held", "given", "playFrom", "score", "tag."].contains(where: $0.key.hasPrefix)
        }
        return try html(
            "review", title: "\(exercise.title) · \(learner.displayName)", actor: actor, secret: secret,
            [
                "taskId": task.id.description, "submissionId": submission.id.description, "exercise": exercise.title, "learner": learner.displayName,
                "attempt": submission.attempt, "criteria": criteria,
                "tags": exercise.review.tags.map { ["value": $0, "name": words.messages["tag.\($0)"] ?? $0] },
                "isTrainerTask": task.kind == .trainer, "until": task.leaseExpires.map(time) ?? "",
                "possible": totalWeight, "passMark": passMark(exercise.policy.masteryThreshold), "reviewText": try Self.json(texts),
            ])
    }

    /// The time of day, "14:05 UTC".
    func time(_ date: Date) -> String { words.time(date) + " " + words.zone(at: date) }
}
