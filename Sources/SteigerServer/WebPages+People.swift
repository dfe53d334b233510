import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// The administrator's pages for one person and one cohort: details, disabling and re-enabling,
/// memberships, adding several people at once, moving a learner. Their forms call the API
/// (through `admin.js`), so every rule and every field's error is the API's own.
extension WebPages {
    func registerPeople(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/admin/people/:userId") { request, context in try await pages(request, context).personPage(request, context) }
        signedIn.get("/admin/cohorts/:cohortId") { request, context in try await pages(request, context).cohortPage(request, context) }
    }

    /// A role's name in the page's language.
    func roleName(_ role: Role) -> String {
        switch role {
        case .admin: words.text("role.admin")
        case .trainer: words.text("role.trainer")
        case .manager: words.text("role.manager")
        case .learner: words.text("role.learner")
        }
    }

    /// A person's roles, in words.
    func roleNames(_ user: User) -> String {
        words.list(Role.allCases.filter { user.roles.contains($0) }.map(roleName))
    }

    private func personPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let person = try await app.administration.person(actor, try context.id("userId", of: .user))
        let user = person.user
        var state = user.isDisabled ? words.text("accountDisabled") : words.text("accountActive")
        if let until = person.invitedUntil { state = words.text("invitedUntil", ["date": .dateTime(until)]) }
        let part = { (part: Membership.Part) in part == .trainer ? words.text("role.trainer") : words.text("role.learner") }
        var values: [String: Any] = [
            "id": user.id.description, "name": user.displayName, "email": user.email, "disabled": user.isDisabled, "state": state,
            "isSelf": user.id == actor.user.id, "adminText": adminText,
            "roles": Role.allCases.reversed().map { ["value": $0.rawValue, "name": roleName($0), "checked": user.roles.contains($0)] },
            "languageChoices":
                ([("auto", words.text("languageAuto"), user.language == nil)]
                + Language.allCases.map { ($0.rawValue, words.text("language.\($0.rawValue)"), user.language == $0) })
                .map { ["value": $0.0, "name": $0.1, "chosen": $0.2] as [String: Any] },
            "memberships": person.memberships.map {
                ["cohortId": $0.cohort.id.description, "cohort": $0.cohort.name, "part": part($0.part)] as [String: Any]
            },
            "otherCohorts": person.otherCohorts.map { ["id": $0.id.description, "name": $0.name] },
            "hasOtherCohorts": !person.otherCohorts.isEmpty, "parts": parts(person.parts),
            "eraseButton": words.text("eraseButton", ["name": .text(user.displayName)]),
            "eraseConfirm": words.text("eraseConfirm", ["name": .text(user.displayName)]),
        ]
        values.merge(
            holdCard(
                try await app.retention.hold(actor, on: .person(user.id)), api: "/api/v1/users/{id}/legal-hold", field: "id",
                value: user.id.description, explained: words.text("legalHoldPerson"))
        ) { _, new in new }
        // Their managers, and the people with the manager role who could be one.
        let managers = try await app.team.managers(actor, of: user.id)
        let candidates = try await app.accounts.users(actor, role: .manager, page: PageRequest(limit: 200)).items.filter { candidate in
            candidate.id != user.id && !candidate.isDisabled && !managers.contains { $0.id == candidate.id }
        }
        values["managers"] = managers.map { manager -> [String: Any] in
            [
                "name": manager.displayName, "managerId": manager.id.description, "personId": user.id.description,
                "removeLabel": words.text("removeManager", ["name": .text(manager.displayName)]),
            ]
        }
        values["managerChoices"] = candidates.map { ["id": $0.id.description, "name": $0.displayName] }
        values["hasManagerChoices"] = !candidates.isEmpty
        return try html("person", title: user.displayName, actor: actor, secret: secret, values)
    }

    /// The parts a person can have in a cohort, learner chosen; trainer only with the role (when known).
    private func parts(_ parts: [Membership.Part]) -> [[String: Any]] {
        parts.enumerated().map { index, part in
            ["value": part.rawValue, "name": part == .trainer ? words.text("role.trainer") : words.text("role.learner"), "checked": index == 0]
        }
    }

    private func cohortPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let roster = try await app.administration.roster(actor, try context.id("cohortId", of: .cohort))
        let person = { (user: User) -> [String: Any] in
            ["id": user.id.description, "name": user.displayName, "email": user.email, "roles": roleNames(user), "disabled": user.isDisabled]
        }
        var values: [String: Any] = [
            "id": roster.cohort.id.description, "name": roster.cohort.name, "description": roster.cohort.description ?? "",
            "adminText": adminText, "trainers": roster.trainers.map(person), "learners": roster.learners.map(person),
            "others": roster.others.map(person), "hasOthers": !roster.others.isEmpty,
            "otherCohorts": roster.otherCohorts.map { ["id": $0.id.description, "name": $0.name] },
            "canMove": !roster.otherCohorts.isEmpty, "parts": parts([.learner, .trainer]),
            "counts": words.text("trainerCount", ["count": .integer(roster.trainers.count)]) + ", "
                + words.text("learnerCount", ["count": .integer(roster.learners.count)]),
        ]
        values.merge(try await cohortRetentionCard(actor, roster.cohort.id)) { _, new in new }
        return try html("cohort", title: roster.cohort.name, actor: actor, secret: secret, values)
    }
}
