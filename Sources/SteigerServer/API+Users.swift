import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore
import SteigerStore

struct NewUserBody: RequestBody {
    static let fields: Set<String> = ["email", "displayName", "roles", "password"]
    var email: String
    var displayName: String
    var roles: [Role]
    var password: String?
    static let schema = object(
        [
            "email": ["type": "string", "format": "email"], "displayName": ["type": "string", "minLength": 1, "maxLength": 200],
            "roles": ["type": "array", "minItems": 1, "items": ["type": "string", "enum": ["admin", "trainer", "learner"]]],
            "password": ["type": "string", "minLength": 10, "maxLength": 1000],
        ], optional: ["password"])
}

struct UserChangesBody: RequestBody {
    static let fields: Set<String> = ["email", "displayName", "roles", "disabled", "password", "currentPassword", "language"]
    var email: String?
    var displayName: String?
    var roles: [Role]?
    var disabled: Bool?
    var password: String?
    var currentPassword: String?
    var language: String?
    static let schema = object(
        [
            "email": ["type": "string", "format": "email"], "displayName": ["type": "string", "minLength": 1, "maxLength": 200],
            "roles": ["type": "array", "minItems": 1, "items": ["type": "string", "enum": ["admin", "trainer", "learner"]]],
            "disabled": ["type": "boolean"], "password": ["type": "string", "minLength": 10, "maxLength": 1000],
            "currentPassword": ["type": "string", "description": "Required with `password` when changing one's own password."],
            "language": [
                "type": "string", "enum": ["nl", "en", "auto"],
                "description": "The language of pages and messages; `auto` follows the browser's Accept-Language, then the server's default.",
            ],
        ], optional: fields)
}

extension SteigerAPI {
    var userOperations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/users", operationID: "listUsers", tag: "users",
                summary: "Users the caller may see (admins: everyone; trainers: their cohorts' members; others: themselves)",
                query: [
                    .limit, .cursor,
                    .init(
                        name: "role", description: "Only users holding this role.",
                        schema: ["type": "string", "enum": ["admin", "trainer", "learner"]]),
                ],
                replies: [.init(status: 200, description: "Users, newest first.", schema: PageView<UserView>.schema(of: "User"))],
                handler: { request, context in
                    let actor = try context.requireActor()
                    let page = try await self.store.users(
                        scope: AccessPolicy.listScope(for: actor), role: try request.queryEnum("role", as: Role.self),
                        page: try request.pageRequest())
                    return try .json(PageView(page, UserView.init))
                }),
            Operation(
                method: .post, path: "/api/v1/users", operationID: "createUser", tag: "users", summary: "Add a user (admins)",
                body: NewUserBody.schema, replies: [.init(status: 201, description: "The new user.", schema: ref("User"))],
                errors: [409: "The email address is taken."],
                handler: { request, context in try await self.createUser(&request, context) }),
            Operation(
                method: .get, path: "/api/v1/users/{userId}", operationID: "getUser", tag: "users", summary: "One user",
                replies: [.init(status: 200, description: "The user.", schema: ref("User"))],
                handler: { _, context in
                    let (user, _) = try await self.reachableUser(context, .view)
                    return try .json(UserView(user))
                }),
            Operation(
                method: .patch, path: "/api/v1/users/{userId}", operationID: "updateUser", tag: "users",
                summary: "Change a user: anyone their own name, password and language; admins everything",
                body: UserChangesBody.schema, replies: [.init(status: 200, description: "The changed user.", schema: ref("User"))],
                errors: [409: "The email address is taken."],
                handler: { request, context in try await self.updateUser(&request, context) }),
        ]
    }

    /// The user named in the path, if the caller may do `action` to them.
    func reachableUser(_ context: AppContext, _ action: Action) async throws -> (User, Actor) {
        let actor = try context.requireActor()
        let id: UserID = try context.id("userId", of: .user)
        guard let user = try await store.user(id) else { throw Problem.notFound(.user) }
        try AccessPolicy.decide(actor, action, .user(user, memberships: try await store.memberships(of: id))).require(.user)
        return (user, actor)
    }

    private func createUser(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        try AccessPolicy.decide(actor, .create, .newRecord).require(.user)
        let body = try await request.decodeJSON(as: NewUserBody.self, context: context)
        let user: User
        do {
            user = try await accounts.createUser(
                email: body.email, displayName: body.displayName, roles: Set(body.roles),
                password: body.password, by: actor.user.id, now: configuration.now())
        } catch StoreError.conflict {
            throw Problem(.emailTaken, ["email": .text(body.email.lowercased())])
        }
        return try .json(UserView(user), status: .created)
    }

    private func updateUser(_ request: inout Request, _ context: AppContext) async throws -> Response {
        // The body first, so the checks below look at the user as it is when the change is made.
        let body = try await request.decodeJSON(as: UserChangesBody.self, context: context)
        let (user, actor) = try await reachableUser(context, .update)
        let isAdmin = actor.user.has(.admin)
        let isSelf = user.id == actor.user.id
        if !isAdmin, body.email != nil || body.roles != nil || body.disabled != nil {
            throw Problem(.adminFields)
        }
        if body.disabled == true, isSelf {
            throw Problem.invalid(ValidationError(field: "disabled", Message("validation.disableSelf")))
        }
        if let roles = body.roles, isSelf, !roles.contains(.admin) {
            throw Problem.invalid(ValidationError(field: "roles", Message("validation.adminSelf")))
        }
        if let password = body.password {
            try Accounts.checkPassword(password)
            if isSelf {
                // A stolen session or token alone must not be enough to take over the account.
                guard let current = body.currentPassword else {
                    throw Problem.invalid(ValidationError(field: "currentPassword", Message("validation.currentPassword")))
                }
                let hash = try await store.userForLogin(email: user.email)?.passwordHash ?? unusableHash
                guard try await verifyPassword(current, hash: hash) else {
                    throw Problem(.wrongPassword)
                }
            }
        }
        var language: Language??
        if let code = body.language {
            guard code == "auto" || Language(rawValue: code) != nil else {
                throw Problem.invalid(ValidationError(field: "language", Message("validation.language")))
            }
            language = .some(Language(rawValue: code))
        }
        // Validated as a whole, written field by field.
        let merged = try User(
            id: user.id, email: body.email ?? user.email, displayName: body.displayName ?? user.displayName,
            roles: body.roles.map { Set($0) } ?? user.roles, isDisabled: body.disabled ?? user.isDisabled, createdAt: user.createdAt)
        let changes = UserChanges(
            email: body.email.map { _ in merged.email }, displayName: body.displayName.map { _ in merged.displayName },
            roles: body.roles.map { _ in merged.roles }, isDisabled: body.disabled, language: language)
        let stored: User
        do {
            stored = try await store.updateUser(user.id, changes: changes, by: actor.user.id, now: configuration.now())
        } catch StoreError.conflict {
            throw Problem(.emailTaken, ["email": .text(merged.email)])
        }
        if let password = body.password {
            // Ends the user's sessions, including the caller's own if it is them.
            try await accounts.setPassword(password, for: user.id)
        }
        return try .json(UserView(stored))
    }
}
