import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// A manager's page of their team: each person's skills with the help they still get, the
/// explanation of the last change, their development points and when they last practised; a
/// word of encouragement to each.
extension WebPages {
    func registerTeam(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/team") { request, context in try await pages(request, context).teamPage(message: nil, error: nil) }
        signedIn.post("/team/:userId/encourage") { request, context in try await pages(request, context).encourage(request, context) }
        signedIn.get("/team/attempts/:submissionId") { request, context in try await pages(request, context).sharedAttempt(context) }
        signedIn.get("/admin/managers") { request, context in try await pages(request, context).managerListPage(csv: "", results: nil) }
        signedIn.post("/admin/managers") { request, context in try await pages(request, context).linkManagers(request, context) }
    }

    /// Managers linked to people from a list: the form, and what came of each line.
    private func managerListPage(csv: String, results: [Team.LinkResult]?, error: String? = nil) async throws -> Response {
        let (actor, secret) = try signedIn()
        try app.administration.open(actor)
        let lines = (results ?? []).map { result -> [String: Any] in
            let view = ManagerLinkResultView(result, words: words)
            return [
                "line": result.line, "person": result.person, "manager": result.manager, "refused": result.outcome == .refused,
                "outcome": words.text("managerLinkOutcome." + result.outcome.rawValue), "problem": view.problem ?? "",
            ]
        }
        return try html(
            "manager-list", title: words.text("managerListTitle"), actor: actor, secret: secret,
            [
                "csv": csv, "hasResults": results != nil, "results": lines, "error": error ?? false,
                "summary": words.text(
                    "managerListSummary",
                    [
                        "linked": .integer(lines.filter { $0["refused"] as? Bool == false }.count),
                        "refused": .integer(lines.filter { $0["refused"] as? Bool == true }.count),
                    ]),
            ])
    }

    private func linkManagers(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context, upTo: 1024 * 1024)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        let csv = form["csv"] ?? ""
        do {
            return try await managerListPage(csv: csv, results: try await app.team.linkManagers(actor, csv: csv))
        } catch let error as AppError where error.kind == .invalid {
            let problem = ([words.format(error.message)] + error.errors.map { words.format($0.message) }).joined(separator: " ")
            return try await managerListPage(csv: csv, results: nil, error: problem)
        }
    }

    /// An attempt a person shared with their manager, played with its feedback (the example page's layout).
    private func sharedAttempt(_ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let entry = try await app.submissions.sharedWithManager(actor, try context.id("submissionId", of: .submission))
        let (submission, exercise) = (entry.submission, entry.exercise)
        return try html(
            "example", title: words.text("exampleTitle", ["exercise": .text(exercise.title), "learner": .text(entry.learnerName)]), actor: actor,
            secret: secret,
            [
                "id": submission.id.description, "exerciseTitle": exercise.title, "learner": entry.learnerName,
                "instructions": exercise.instructions, "made": words.dateTime(submission.createdAt), "sharesFeedback": true,
                "statusTexts": try Self.json(attemptTexts(exercise)), "awaitsApproval": false, "mayApprove": false,
                "backLink": "/team", "backText": words.text("myTeam"),
            ])
    }

    private func teamPage(message: String?, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (actor, secret) = try signedIn()
        let members = try await app.team.members(actor)
        let items = members.map { member -> [String: Any] in
            let view = TeamMemberView(member, words: words)
            return [
                "id": member.user.id.description, "name": member.user.displayName,
                "lastActivity": member.lastAttempt.map { words.text("teamLastAttempt", ["date": .date($0)]) } ?? words.text("teamNoAttempt"),
                "skills": view.skills.map { skill -> [String: Any] in
                    let standing = skill.standing
                    return [
                        "title": skill.title, "skill": skill.skill,
                        "supportLine": words.text(
                            "supportLevel", ["name": .text(standing.levelName), "level": .integer(standing.level), "top": .integer(standing.top)]),
                        "rungs": (0..<standing.top).map { ["on": $0 < standing.level] },
                        "points": standing.developmentPoints.isEmpty
                            ? false
                            : words.text("teamDevelopmentPoints", ["points": .list(standing.developmentPoints.map { .text($0.title) })]),
                        "lastChange": standing.lastTransition?.sentence ?? false,
                    ]
                },
                "hasSkills": !view.skills.isEmpty,
                "shared": member.shared.map { shared -> [String: Any] in
                    [
                        "id": shared.submission.id.description,
                        "label": words.text(
                            "teamSharedAttempt",
                            [
                                "exercise": .text(shared.exercise), "attempt": .integer(shared.submission.attempt),
                                "date": .date(shared.submission.createdAt),
                            ]),
                    ]
                },
                "hasShared": !member.shared.isEmpty,
                "encourageLabel": words.text("encourageLabel", ["name": .text(member.user.displayName)]),
                "lastEncouragement": member.encouragements.first.map {
                    words.text("teamLastEncouragement", ["date": .date($0.at), "text": .text($0.text)])
                } ?? false,
            ]
        }
        let transfers = transferItems(try await app.transfers.toReview(actor), withNames: true)
        // The closing tests of their people, theirs to review.
        let closing = try await app.reviewDesk.assignedEntries(actor).filter { $0.task.kind == .manager && $0.task.status != .done }.map {
            ["id": $0.task.id.description, "exercise": $0.exerciseTitle, "learner": $0.learnerName]
        }
        return try html(
            "team", title: words.text("myTeam"), actor: actor, secret: secret,
            [
                "members": items, "hasMembers": !items.isEmpty, "message": message ?? false, "error": error ?? false,
                "transfers": transfers, "hasTransfers": !transfers.isEmpty, "closing": closing, "hasClosing": !closing.isEmpty,
            ], status: status)
    }

    private func encourage(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        let person: UserID = try context.id("userId", of: .member)
        do {
            let sent = try await app.team.encourage(actor, person, text: form["text"] ?? "")
            let name = try await app.team.member(actor, sent.personID).user.displayName
            return try await teamPage(message: words.text("encourageSent", ["name": .text(name)]), error: nil)
        } catch let error as AppError where error.kind == .invalid {
            return try await teamPage(message: nil, error: words.text("encourageInvalid"), status: .unprocessableContent)
        }
    }
}
