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
        signedIn.get("/train/attempts") { request, context in try await pages(request, context).attemptsPage(request, context, message: nil) }
        signedIn.post("/train/attempts/:submissionId/open") { request, context in try await pages(request, context).openAttempt(request, context) }
    }

    private func queuePage(_ request: Request, _ context: AppContext, message: String?) async throws -> Response {
        let (actor, secret) = try signedIn()
        var queue: [[String: Any]] = [], mine: [[String: Any]] = []
        for entry in try await app.reviewDesk.queueEntries(actor) {
            let task = entry.task
            var state = words.text("waiting")
            if let holder = entry.holderName, let until = task.leaseExpires {
                state = words.text("heldBy", ["name": .text(holder), "time": .text(time(until))])
                if task.assignee == actor.user.id {
                    mine.append(["id": task.id.description, "exercise": entry.exerciseTitle, "learner": entry.learnerName, "until": time(until)])
                }
            }
            queue.append([
                "exercise": entry.exerciseTitle, "learner": entry.learnerName, "state": state, "overdue": task.isOverdue(at: app.settings.now()),
                "due": task.dueAt.map(words.dateTime) ?? words.text("noDue"), "submissionId": task.submissionID.description,
                "openLabel": words.text("openAttemptOf", ["learner": .text(entry.learnerName), "exercise": .text(entry.exerciseTitle)]),
            ])
        }
        let exercises = try await trainedExercises(actor)
        // Until a trainer sends their first review, a short guide to the desk.
        let reviewedByMe = exercises.isEmpty ? [] : try await app.reviewDesk.attempts(actor, AttemptFilter(reviewer: actor.user.id))
        let firstSteps = !exercises.isEmpty && reviewedByMe.isEmpty
        var values: [String: Any] = [
            "queue": queue, "mine": mine, "hasMine": !mine.isEmpty, "exercises": exercises, "hasExercises": !exercises.isEmpty,
            "firstSteps": firstSteps,
            "canInvite": (try? await app.accounts.invitationChoices(actor)) != nil,
        ]
        let transfers = transferItems(try await app.transfers.toReview(actor), withNames: true)
        values["transfers"] = transfers
        values["hasTransfers"] = !transfers.isEmpty
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

    /// "Reviewed by me" and "all attempts in my cohorts", narrowed by learner, exercise, where the
    /// review is and the day the attempt was made (in the person's time zone).
    private func attemptsPage(_ request: Request, _ context: AppContext, message: String?) async throws -> Response {
        let (actor, secret) = try signedIn()
        let query = request.uri.queryParameters
        let value = { (name: String) in query[name[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        let mine = value("show") == "mine"
        let day = { (text: String?) -> Date? in
            guard let text, let date = try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day()) else { return nil }
            // The day as the person's calendar has it.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = words.timeZone
            let utc = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
            return calendar.date(from: DateComponents(year: utc.year, month: utc.month, day: utc.day))
        }
        let filter = AttemptFilter(
            reviewer: mine ? actor.user.id : nil, exercise: value("exercise").flatMap(ExerciseID.init),
            learner: value("learner").flatMap(UserID.init),
            progress: value("progress").flatMap(ReviewProgress.init), from: day(value("from")),
            until: day(value("to")).map { $0.addingTimeInterval(24 * 3600) })
        let entries = try await app.reviewDesk.attempts(actor, filter)
        let now = app.settings.now()
        let rows: [[String: Any]] = entries.map { entry in
            let progress = ReviewProgress(entry.task, at: now)
            let name = entry.assigneeName ?? ""
            let state: String =
                switch progress {
                case .waiting: words.text("waiting")
                case .held: words.text("heldBy", ["name": .text(name), "time": .text(entry.task.leaseExpires.map(time) ?? "")])
                case .reviewed:
                    words.text("reviewedBy", ["name": .text(name), "percent": .integer(Self.percent(entry.total ?? 0))])
                }
            return [
                "submissionId": entry.submission.id.description, "learner": entry.learnerName, "exercise": entry.exerciseTitle,
                "attempt": entry.submission.attempt, "made": words.dateTime(entry.submission.createdAt), "state": state,
                "reviewed": progress == .reviewed,
                "openLabel": words.text("openAttemptOf", ["learner": .text(entry.learnerName), "exercise": .text(entry.exerciseTitle)]),
            ]
        }
        let learners = try await app.reviewDesk.learners(actor)
        let choice = { (id: String, name: String, chosen: String?) -> [String: Any] in ["id": id, "name": name, "chosen": id == chosen] }
        var values: [String: Any] = [
            "rows": rows, "mine": mine, "from": value("from") ?? "", "to": value("to") ?? "",
            "learners": learners.map { choice($0.id.description, $0.displayName, value("learner")) },
            "exercises": try await app.exercises.trained(actor).map { choice($0.id.description, $0.title, value("exercise")) },
            "progresses": ReviewProgress.allCases.map { choice($0.rawValue, progressName($0), value("progress")) },
        ]
        if let message { values["message"] = message }
        return try html("attempts", title: words.text(mine ? "reviewedByMe" : "allAttempts"), actor: actor, secret: secret, values)
    }

    private func progressName(_ progress: ReviewProgress) -> String {
        switch progress {
        case .waiting: words.text("progressWaiting")
        case .held: words.text("progressHeld")
        case .reviewed: words.text("progressReviewed")
        }
    }

    /// Opens one attempt from a list: held for the trainer and reviewed, or, once someone else
    /// reviewed it, its page with the feedback.
    private func openAttempt(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        let id: SubmissionID = try context.id("submissionId", of: .attempt)
        do {
            let task = try await app.reviewDesk.open(actor, attempt: id)
            return redirect(task.status == .done && task.assignee != actor.user.id ? "/submissions/\(id)" : "/review/\(task.id)")
        } catch let error as AppError where error.kind == .heldElsewhere {
            return try await attemptsPage(request, context, message: words.format(error.message))
        }
    }

    private func reviewPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let desk = try await app.reviewDesk.desk(actor, try context.id("taskId", of: .review))
        let (task, submission, exercise, learner) = (desk.task, desk.submission, desk.exercise, desk.learner)
        let totalWeight = exercise.rubric.criteria.reduce(0) { $0 + $1.weight }
        let sent = desk.review?.scores ?? [:]
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
                        "points": criterion.weight * criterion.normalised(level.value), "chosen": sent[criterion.key] == level.value,
                    ] as [String: Any]
                },
            ]
        }
        var texts = words.messages.filter {
            ["range", "review", "failed", "reply", "sendReply", "held", "given", "playFrom", "score", "tag."].contains(where: $0.key.hasPrefix)
        }
        // What the learner saw while recording: the exercise's instructions and the supports of
        // the level the attempt was made at.
        let ladder = exercise.ladder
        let level = ladder.level(submission.scaffoldLevel)
        // A kick-off was made without supports; the reviewer is told what the review decides.
        let kickOff = submission.purpose == .kickOff
        let supports = kickOff ? [] : level.supports
        var values: [String: Any] = [
            "taskId": task.id.description, "submissionId": submission.id.description, "exercise": exercise.title, "learner": learner.displayName,
            "attempt": submission.attempt, "criteria": criteria, "instructions": exercise.instructions,
            "stimulus": Self.stimulus(exercise.stimulus),
            "supportLine": kickOff
                ? words.text("reviewPurpose.kick-off")
                : words.text(
                    "supportLevel", ["name": .text(level.name), "level": .integer(submission.scaffoldLevel), "top": .integer(ladder.top)]),
            "purposeLine": submission.purpose == .recheck ? words.text("reviewPurpose.recheck") : false,
            "supports": supports.map(Self.support), "hasSupports": !supports.isEmpty,
            "tags": exercise.review.tags.map { ["value": $0, "name": words.messages["tag.\($0)"] ?? $0] },
            "isTrainerTask": task.kind == .trainer, "until": task.leaseExpires.map(time) ?? "", "zone": words.timeZone.identifier,
            "zoneName": words.zone(at: task.leaseExpires ?? app.settings.now()),
            "possible": totalWeight, "passMark": passMark(exercise.policy.masteryThreshold),
            "overall": desk.review?.comment ?? "", "method": "POST",
        ]
        if let review = desk.review {
            let points = exercise.rubric.breakdown(review.scores)
            values["sent"] = true
            values["total"] = scoreTotal(points: points.points, possible: points.possible)
            values["sentLine"] = words.text("reviewSentAt", ["time": .text(words.dateTime(review.submittedAt))])
            if let until = desk.editableUntil {
                values["method"] = "PUT"
                values["editable"] = true
                values["editLine"] = words.text("reviewEditableUntil", ["time": .text(words.dateTime(until))])
            } else {
                values["locked"] = true
            }
            values["versions"] = desk.versions.map { version in
                let points = exercise.rubric.breakdown(version.scores)
                return [
                    "line": words.text(
                        "reviewVersion",
                        [
                            "time": .text(words.dateTime(version.replacedAt)),
                            "total": .text(scoreTotal(points: points.points, possible: points.possible)),
                        ]),
                    "scores": points.lines.map { scoreStep(label: "\($0.title): \($0.label)", step: $0.step, steps: $0.steps) }.joined(
                        separator: "; "),
                    "comment": version.comment,
                ] as [String: Any]
            }
            values["hasVersions"] = !desk.versions.isEmpty
        }
        values["backHref"] = task.kind == .manager ? "/team" : "/learn"
        values["backText"] = task.kind == .manager ? words.text("backToTeam") : words.text("backToExercises")
        if task.kind == .trainer {
            values["guests"] = try await guestsCard(actor, secret, submission: submission.id, back: "/review/\(task.id)")
        }
        if let guest = actor.guest {
            values["guestLine"] = words.text("guestReviewing", ["name": .text(learner.displayName), "date": .dateTime(guest.expiresAt)])
        }
        texts["reviewChanged"] = words.text("reviewChanged")
        values["reviewText"] = try Self.json(texts)
        return try html("review", title: "\(exercise.title) · \(learner.displayName)", actor: actor, secret: secret, values)
    }

    /// The time of day, "14:05 UTC".
    func time(_ date: Date) -> String { words.time(date) + " " + words.zone(at: date) }
}
