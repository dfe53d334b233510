import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

struct CohortBody: RequestBody {
    var name: String?
    var description: String?
    /// Whether `description` was sent at all (null clears it; leaving it out keeps it).
    var descriptionGiven = false

    private enum CodingKeys: String, CodingKey { case name, description }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        descriptionGiven = container.contains(.description)
    }

    static let properties: [String: JSONValue] = [
        "name": ["type": "string", "minLength": 1, "maxLength": 200],
        "description": ["type": ["string", "null"], "maxLength": 10000],
    ]
    static let createSchema = object(properties, optional: ["description"])
    static let changeSchema = object(properties, optional: Set(properties.keys))
}

struct MembersBody: RequestBody {
    var users: [String]
    var part: Membership.Part
    static let properties: [String: JSONValue] = [
        "users": ["type": "array", "minItems": 1, "maxItems": 500, "items": ["type": "string", "format": "uuid"]],
        "part": ["type": "string", "enum": ["trainer", "learner"]],
    ]
    static let schema = object(properties)
}

struct MoveBody: RequestBody {
    var to: String
    static let properties: [String: JSONValue] = ["to": ["type": "string", "format": "uuid", "description": "The cohort the learner moves to."]]
    static let schema = object(properties)
}

struct MembershipBody: RequestBody {
    var part: Membership.Part
    static let properties: [String: JSONValue] = ["part": ["type": "string", "enum": ["trainer", "learner"]]]
    static let schema = object(properties)
}

/// Cohorts and their members over HTTP.
struct CohortsController: Sendable {
    let cohorts: Cohorts

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/cohorts", operationID: "listCohorts", tag: "cohorts",
                summary: "Cohorts the caller belongs to (admins: all)", query: [.limit, .cursor],
                replies: [.init(status: 200, description: "Cohorts, newest first.", schema: PageView<CohortView>.schema(of: "Cohort"))],
                handler: list),
            Operation(
                method: .post, path: "/api/v1/cohorts", operationID: "createCohort", tag: "cohorts", summary: "Add a cohort (admins)",
                body: CohortBody.createSchema, replies: [.init(status: 201, description: "The new cohort.", schema: ref("Cohort"))],
                handler: create),
            Operation(
                method: .get, path: "/api/v1/cohorts/{cohortId}", operationID: "getCohort", tag: "cohorts", summary: "One cohort",
                replies: [.init(status: 200, description: "The cohort.", schema: ref("Cohort"))], handler: get),
            Operation(
                method: .patch, path: "/api/v1/cohorts/{cohortId}", operationID: "updateCohort", tag: "cohorts",
                summary: "Rename or describe a cohort (admins)", body: CohortBody.changeSchema,
                replies: [.init(status: 200, description: "The changed cohort.", schema: ref("Cohort"))], handler: update),
            Operation(
                method: .delete, path: "/api/v1/cohorts/{cohortId}", operationID: "deleteCohort", tag: "cohorts",
                summary: "Remove a cohort and its memberships (admins); users, exercises and submissions stay",
                replies: [.init(status: 204, description: "Removed.")], errors: [409: "The cohort has submitted reviews."], handler: delete),
            Operation(
                method: .get, path: "/api/v1/cohorts/{cohortId}/members", operationID: "listMembers", tag: "cohorts",
                summary: "A cohort's members the caller may see (trainers: all; learners: themselves and their trainers)",
                replies: [.init(status: 200, description: "Members, trainers first.", schema: PageView<MembershipView>.schema(of: "Membership"))],
                handler: members),
            Operation(
                method: .put, path: "/api/v1/cohorts/{cohortId}/members/{userId}", operationID: "putMember", tag: "cohorts",
                summary: "Put a user in a cohort as trainer or learner (admins)", body: MembershipBody.schema,
                replies: [.init(status: 200, description: "The membership.", schema: ref("Membership"))], handler: putMember),
            Operation(
                method: .post, path: "/api/v1/cohorts/{cohortId}/members", operationID: "addMembers", tag: "cohorts",
                summary: "Put several people in a cohort in one part (admins): all of them, or none with a problem for each",
                body: MembersBody.schema,
                replies: [.init(status: 200, description: "Their memberships.", schema: PageView<MembershipView>.schema(of: "Membership"))],
                handler: addMembers),
            Operation(
                method: .post, path: "/api/v1/cohorts/{cohortId}/members/{userId}/move", operationID: "moveLearner", tag: "cohorts",
                summary: "Move a learner to another cohort (admins); their attempts, reviews and levels stay theirs", body: MoveBody.schema,
                replies: [.init(status: 200, description: "The membership in the new cohort.", schema: ref("Membership"))], handler: moveLearner),
            Operation(
                method: .delete, path: "/api/v1/cohorts/{cohortId}/members/{userId}", operationID: "deleteMember", tag: "cohorts",
                summary: "Take a user out of a cohort (admins)", replies: [.init(status: 204, description: "Removed.")], handler: removeMember),
        ]
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(PageView(try await cohorts.list(try context.requireActor(), page: try request.pageRequest()), CohortView.init))
    }

    func create(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: CohortBody.self, context: context)
        return try .json(CohortView(try await cohorts.create(actor, name: body.name, description: body.description)), status: .created)
    }

    func get(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(CohortView(try await cohorts.cohort(try context.requireActor(), try context.id("cohortId", of: .cohort))))
    }

    func update(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let id: CohortID = try context.id("cohortId", of: .cohort)
        let body = try await request.decodeJSON(as: CohortBody.self, context: context)
        return try .json(
            CohortView(try await cohorts.update(actor, id, name: body.name, description: body.descriptionGiven ? .some(body.description) : nil)))
    }

    func delete(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try await cohorts.delete(try context.requireActor(), try context.id("cohortId", of: .cohort))
        return .noContent()
    }

    func members(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let members = try await cohorts.members(try context.requireActor(), of: try context.id("cohortId", of: .cohort))
        return try .json(PageView(items: members.map { MembershipView($0.membership, displayName: $0.displayName, user: $0.user) }))
    }

    func putMember(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let cohort: CohortID = try context.id("cohortId", of: .cohort)
        let user: UserID = try context.id("userId", of: .user)
        let body = try await request.decodeJSON(as: MembershipBody.self, context: context)
        let (membership, member) = try await cohorts.putMember(actor, cohort: cohort, user: user, part: body.part)
        return try .json(MembershipView(membership, user: member))
    }

    func addMembers(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let cohort: CohortID = try context.id("cohortId", of: .cohort)
        let body = try await request.decodeJSON(as: MembersBody.self, context: context)
        var ids: [UserID] = []
        var problems: [ValidationError.Problem] = []
        for (index, text) in body.users.enumerated() {
            if let id = UserID(text) { ids.append(id) } else { problems.append(.init(field: "users[\(index)]", message: Message("validation.id"))) }
        }
        if !problems.isEmpty { throw Problem.invalid(ValidationError(problems)) }
        let added = try await cohorts.addMembers(actor, cohort: cohort, users: ids, part: body.part)
        return try .json(PageView(items: added.map { MembershipView($0.0, user: $0.1) }))
    }

    func moveLearner(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: MoveBody.self, context: context)
        guard let to = CohortID(body.to) else { throw Problem.invalid(ValidationError(field: "to", Message("validation.id"))) }
        let membership = try await cohorts.moveLearner(
            actor, from: try context.id("cohortId", of: .cohort), to: to, user: try context.id("userId", of: .member))
        let user = try await cohorts.members(actor, of: to).first { $0.membership.userID == membership.userID }
        return try .json(MembershipView(membership, displayName: user?.displayName ?? "", user: user?.user))
    }

    func removeMember(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        try await cohorts.removeMember(actor, cohort: try context.id("cohortId", of: .cohort), user: try context.id("userId", of: .member))
        return .noContent()
    }
}
