import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// A word of encouragement as asked.
struct EncouragementBody: RequestBody {
    var text: String
    static let properties: [String: JSONValue] = [
        "text": [
            "type": "string", "minLength": 1, "maxLength": .number(Double(Encouragement.maxCharacters)),
            "description": "A short word to one of your people; it reaches them as a notice with your name.",
        ]
    ]
}

/// A list of managers to link, as asked.
struct ManagerLinksBody: RequestBody {
    var csv: String
    static let properties: [String: JSONValue] = [
        "csv": [
            "type": "string", "maxLength": .number(Double(Team.linkListLength)),
            "description":
                "One link per line: the person's e-mail address, their manager's e-mail address; commas or semicolons; a first line of column names is skipped.",
        ]
    ]
}

/// What came of one line of a list of managers, with the reason in the caller's language when it was refused.
struct ManagerLinkResultView: JSONView {
    let result: Team.LinkResult
    let problem: String?

    init(_ result: Team.LinkResult, words: Localizer) {
        self.result = result
        problem = result.problem.map { $0.lineProblem(in: words) }
    }

    static let fields: [JSONField<Self>] = [
        .init("line", ["type": "integer", "minimum": 1]) { $0.result.line },
        .init("person", ["type": "string"]) { $0.result.person },
        .init("manager", ["type": "string"]) { $0.result.manager },
        .init("outcome", ["type": "string", "enum": ["linked", "unchanged", "refused"]]) { $0.result.outcome.rawValue },
        .nullable("problem", ["type": "string", "description": "Why the line was refused."]) { $0.problem },
    ]
}

/// Managers and their teams over HTTP.
struct TeamController: Sendable {
    let team: Team

    var operations: [Operation] {
        let managersReply = Operation.Reply(
            status: 200, description: "The person's managers.",
            schema: ["type": "object", "properties": ["items": ["type": "array", "items": PersonView.schema]], "required": ["items"]])
        return [
            Operation(
                method: .get, path: "/api/v1/team", operationID: "listTeam", tag: "team",
                summary:
                    "Your team (managers): each person's skills with their level, explanation and development points, and when they last practised",
                replies: [
                    .init(
                        status: 200, description: "The people you manage, by name.",
                        schema: ["type": "object", "properties": ["items": ["type": "array", "items": ref("TeamMember")]], "required": ["items"]])
                ], handler: list),
            Operation(
                method: .get, path: "/api/v1/team/{userId}", operationID: "getTeamMember", tag: "team",
                summary: "One person you manage", replies: [.init(status: 200, description: "The person.", schema: ref("TeamMember"))],
                handler: member),
            Operation(
                method: .post, path: "/api/v1/team/{userId}/encouragements", operationID: "encourage", tag: "team",
                summary: "Send one of your people a word of encouragement; it reaches them as a notice",
                body: object(EncouragementBody.properties),
                replies: [.init(status: 201, description: "Sent.", schema: EncouragementView.schema)],
                errors: [422: "The text is empty or longer than 500 characters."], handler: encourage),
            Operation(
                method: .get, path: "/api/v1/users/{userId}/managers", operationID: "listManagers", tag: "team",
                summary: "Who manages a person (administrators, their managers and the person)", replies: [managersReply],
                handler: managers),
            Operation(
                method: .put, path: "/api/v1/users/{userId}/managers/{managerId}", operationID: "addManager", tag: "team",
                summary: "Make someone with the manager role one of a person's managers (administrators)", replies: [managersReply],
                errors: [422: "The manager does not hold the manager role, or is the person."], handler: addManager),
            Operation(
                method: .post, path: "/api/v1/manager-links", operationID: "linkManagers", tag: "team",
                summary: "Link managers to people from a CSV list (administrators); each line succeeds or is refused on its own",
                body: object(ManagerLinksBody.properties),
                replies: [
                    .init(
                        status: 200, description: "What came of each line.",
                        schema: [
                            "type": "object", "properties": ["results": ["type": "array", "items": ManagerLinkResultView.schema]],
                            "required": ["results"],
                        ])
                ], errors: [422: "The list is empty or too long."], handler: linkManagers),
            Operation(
                method: .delete, path: "/api/v1/users/{userId}/managers/{managerId}", operationID: "removeManager", tag: "team",
                summary: "Take a manager away from a person (administrators)", replies: [managersReply], handler: removeManager),
        ]
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(["items": try await team.members(try context.requireActor()).map { TeamMemberView($0, words: context.words) }])
    }

    func member(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let member = try await team.member(try context.requireActor(), try context.id("userId", of: .member))
        return try .json(TeamMemberView(member, words: context.words))
    }

    func encourage(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let person: UserID = try context.id("userId", of: .member)
        let body = try await request.decodeJSON(as: EncouragementBody.self, context: context)
        return try .json(EncouragementView(try await team.encourage(try context.requireActor(), person, text: body.text)), status: .created)
    }

    func managers(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try managersReply(try await team.managers(try context.requireActor(), of: try context.id("userId", of: .user)))
    }

    func addManager(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await setManager(context, linked: true)
    }

    func removeManager(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await setManager(context, linked: false)
    }

    func linkManagers(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let body = try await request.decodeJSON(as: ManagerLinksBody.self, context: context)
        let results = try await team.linkManagers(try context.requireActor(), csv: body.csv)
        return try .json(["results": results.map { ManagerLinkResultView($0, words: context.words) }])
    }

    private func setManager(_ context: AppContext, linked: Bool) async throws -> Response {
        let managers = try await team.setManager(
            try context.requireActor(), of: try context.id("userId", of: .user), manager: try context.id("managerId", of: .user), linked: linked)
        return try managersReply(managers)
    }

    private func managersReply(_ managers: [User]) throws -> Response {
        try .json(["items": managers.map { PersonView(id: $0.id.description, displayName: $0.displayName) }])
    }
}

/// A word of encouragement as sent.
struct EncouragementView: JSONView {
    let encouragement: Encouragement

    init(_ encouragement: Encouragement) { self.encouragement = encouragement }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.encouragement.id.description },
        .init("text", ["type": "string"]) { $0.encouragement.text },
        .init("at", dateTime) { $0.encouragement.at },
    ]
}

/// One person of a manager's team: their skills, levels and development points, and how active they are.
struct TeamMemberView: JSONView {
    struct Skill: JSONView {
        var exerciseId: String
        var title: String
        var skill: String
        var standing: StandingView

        static let fields: [JSONField<Self>] = [
            .init("exerciseId", uuid) { $0.exerciseId },
            .init("title", ["type": "string"]) { $0.title },
            .init("skill", ["type": "string"]) { $0.skill },
            .init("standing", ref("ScaffoldStanding")) { $0.standing },
        ]
    }

    var person: PersonView
    var lastAttemptAt: Date?
    var skills: [Skill]
    var encouragements: [EncouragementView]

    init(_ member: Team.Member, words: Localizer) {
        let names = ScaffoldNames(member.naming, words: words)
        person = PersonView(id: member.user.id.description, displayName: member.user.displayName)
        lastAttemptAt = member.lastAttempt
        skills = member.practice.map { exercise, standing in
            Skill(
                exerciseId: exercise.id.description, title: exercise.title, skill: exercise.skill,
                standing: StandingView(standing, exercise: exercise, names: names))
        }
        encouragements = member.encouragements.map(EncouragementView.init)
    }

    static let fields: [JSONField<Self>] = [
        .init("person", PersonView.schema) { $0.person },
        .nullable("lastAttemptAt", dateTime) { $0.lastAttemptAt },
        .init("skills", ["type": "array", "items": Skill.schema]) { $0.skills },
        .init("encouragements", ["type": "array", "items": EncouragementView.schema, "description": "The last five, newest first."]) {
            $0.encouragements
        },
    ]
}
