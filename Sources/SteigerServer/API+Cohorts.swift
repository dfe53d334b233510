import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore
import SteigerStore

struct CohortBody: RequestBody {
    static let fields: Set<String> = ["name", "description"]
    static let nullableFields: Set<String> = ["description"]
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

    static let createSchema = object(
        [
            "name": ["type": "string", "minLength": 1, "maxLength": 200],
            "description": ["type": ["string", "null"], "maxLength": 10000],
        ], optional: ["description"])
    static let changeSchema = object(
        [
            "name": ["type": "string", "minLength": 1, "maxLength": 200],
            "description": ["type": ["string", "null"], "maxLength": 10000],
        ], optional: ["name", "description"])
}

struct MembershipBody: RequestBody {
    static let fields: Set<String> = ["part"]
    var part: Membership.Part
    static let schema = object(["part": ["type": "string", "enum": ["trainer", "learner"]]])
}

extension SteigerAPI {
    var cohortOperations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/cohorts", operationID: "listCohorts", tag: "cohorts",
                summary: "Cohorts the caller belongs to (admins: all)", query: [.limit, .cursor],
                replies: [.init(status: 200, description: "Cohorts, newest first.", schema: PageView<CohortView>.schema(of: "Cohort"))],
                handler: { request, context in
                    let actor = try context.requireActor()
                    return try .json(
                        PageView(
                            try await self.store.cohorts(scope: AccessPolicy.listScope(for: actor), page: try request.pageRequest()),
                            CohortView.init))
                }),
            Operation(
                method: .post, path: "/api/v1/cohorts", operationID: "createCohort", tag: "cohorts", summary: "Add a cohort (admins)",
                body: CohortBody.createSchema, replies: [.init(status: 201, description: "The new cohort.", schema: ref("Cohort"))],
                handler: { request, context in
                    try AccessPolicy.decide(try context.requireActor(), .create, .newRecord).require(.cohort)
                    let body = try await request.decodeJSON(as: CohortBody.self, context: context)
                    guard let name = body.name else { throw Problem.invalid(ValidationError(field: "name", Message("validation.required"))) }
                    let cohort = try Cohort(name: name, description: body.description, createdAt: self.configuration.now())
                    try await self.store.createCohort(cohort)
                    return try .json(CohortView(cohort), status: .created)
                }),
            Operation(
                method: .get, path: "/api/v1/cohorts/{cohortId}", operationID: "getCohort", tag: "cohorts", summary: "One cohort",
                replies: [.init(status: 200, description: "The cohort.", schema: ref("Cohort"))],
                handler: { _, context in try .json(CohortView(try await self.reachableCohort(context, .view).0)) }),
            Operation(
                method: .patch, path: "/api/v1/cohorts/{cohortId}", operationID: "updateCohort", tag: "cohorts",
                summary: "Rename or describe a cohort (admins)", body: CohortBody.changeSchema,
                replies: [.init(status: 200, description: "The changed cohort.", schema: ref("Cohort"))],
                handler: { request, context in
                    let (cohort, _) = try await self.reachableCohort(context, .update)
                    let body = try await request.decodeJSON(as: CohortBody.self, context: context)
                    let changed = try Cohort(
                        id: cohort.id, name: body.name ?? cohort.name, description: body.descriptionGiven ? body.description : cohort.description,
                        createdAt: cohort.createdAt)
                    try await self.store.updateCohort(changed)
                    return try .json(CohortView(changed))
                }),
            Operation(
                method: .delete, path: "/api/v1/cohorts/{cohortId}", operationID: "deleteCohort", tag: "cohorts",
                summary: "Remove a cohort and its memberships (admins); users, exercises and submissions stay",
                replies: [.init(status: 204, description: "Removed.")],
                errors: [409: "The cohort has submitted reviews."],
                handler: { _, context in
                    let (cohort, _) = try await self.reachableCohort(context, .delete)
                    do {
                        try await self.store.deleteCohort(cohort.id)
                    } catch StoreError.reference {
                        throw Problem(.cohortHasReviews)
                    }
                    return .noContent()
                }),
            Operation(
                method: .get, path: "/api/v1/cohorts/{cohortId}/members", operationID: "listMembers", tag: "cohorts",
                summary: "A cohort's members the caller may see (trainers: all; learners: themselves and their trainers)",
                replies: [.init(status: 200, description: "Members, trainers first.", schema: PageView<MembershipView>.schema(of: "Membership"))],
                handler: { _, context in
                    let (cohort, actor) = try await self.reachableCohort(context, .view)
                    let members = try await self.store.members(of: cohort.id, scope: AccessPolicy.listScope(for: actor))
                    return try .json(
                        PageView(
                            items: members.map { member in
                                let visible = AccessPolicy.decide(actor, .view, .user(member.user, memberships: [member.membership])) == .allow
                                return MembershipView(member.membership, displayName: member.user.displayName, user: visible ? member.user : nil)
                            }))
                }),
            Operation(
                method: .put, path: "/api/v1/cohorts/{cohortId}/members/{userId}", operationID: "putMember", tag: "cohorts",
                summary: "Put a user in a cohort as trainer or learner (admins)", body: MembershipBody.schema,
                replies: [.init(status: 200, description: "The membership.", schema: ref("Membership"))],
                handler: { request, context in
                    // Changing who is in a cohort is changing the cohort.
                    let (cohort, _) = try await self.reachableCohort(context, .update)
                    let userID: UserID = try context.id("userId", of: .user)
                    guard let user = try await self.store.user(userID) else { throw Problem.notFound(.user) }
                    let body = try await request.decodeJSON(as: MembershipBody.self, context: context)
                    let membership = Membership(cohortID: cohort.id, userID: user.id, part: body.part)
                    if body.part == .trainer, !user.has(.trainer) {
                        throw Problem.invalid(ValidationError(field: "part", Message("validation.notTrainer", ["name": .text(user.displayName)])))
                    }
                    try await self.store.putMembership(membership)
                    return try .json(MembershipView(membership, user: user))
                }),
            Operation(
                method: .delete, path: "/api/v1/cohorts/{cohortId}/members/{userId}", operationID: "deleteMember", tag: "cohorts",
                summary: "Take a user out of a cohort (admins)", replies: [.init(status: 204, description: "Removed.")],
                handler: { _, context in
                    let (cohort, actor) = try await self.reachableCohort(context, .view)
                    let userID: UserID = try context.id("userId", of: .member)
                    let membership = try await self.store.members(of: cohort.id, scope: AccessPolicy.listScope(for: actor))
                        .first { $0.membership.userID == userID }?.membership
                    guard let membership else { throw Problem.notFound(.member) }
                    try AccessPolicy.decide(actor, .delete, .membership(membership)).require(.membership)
                    try await self.store.deleteMembership(cohort: cohort.id, user: userID)
                    return .noContent()
                }),
        ]
    }

    /// The cohort named in the path, if the caller may do `action` to it.
    func reachableCohort(_ context: AppContext, _ action: Action) async throws -> (Cohort, Actor) {
        let actor = try context.requireActor()
        let id: CohortID = try context.id("cohortId", of: .cohort)
        guard let cohort = try await store.cohort(id) else { throw Problem.notFound(.cohort) }
        try AccessPolicy.decide(actor, action, .cohort(cohort)).require(.cohort)
        return (cohort, actor)
    }
}
