import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

struct NewUserBody: RequestBody {
    var email: String
    var displayName: String
    var roles: [Role]
    var password: String?
    static let properties: [String: JSONValue] = [
        "email": ["type": "string", "format": "email"], "displayName": ["type": "string", "minLength": 1, "maxLength": 200],
        "roles": ["type": "array", "minItems": 1, "items": ["type": "string", "enum": .array(Role.allCases.map { .string($0.rawValue) })]],
        "password": ["type": "string", "minLength": 10, "maxLength": 1000],
    ]
    static let schema = object(properties, optional: ["password"])
}

struct UserChangesBody: RequestBody {
    var email: String?
    var displayName: String?
    var roles: [Role]?
    var disabled: Bool?
    var password: String?
    var currentPassword: String?
    var keepTokens: Bool?
    var language: String?
    static let properties: [String: JSONValue] = [
        "email": ["type": "string", "format": "email"], "displayName": ["type": "string", "minLength": 1, "maxLength": 200],
        "roles": ["type": "array", "minItems": 1, "items": ["type": "string", "enum": .array(Role.allCases.map { .string($0.rawValue) })]],
        "disabled": ["type": "boolean"], "password": ["type": "string", "minLength": 10, "maxLength": 1000],
        "currentPassword": [
            "type": "string", "description": "Required with `password` or `email` when changing one's own password or address.",
        ],
        "keepTokens": [
            "type": "boolean",
            "description": "With a change of one's own password: keep one's API tokens. Otherwise a new password revokes them with the sessions.",
        ],
        "language": [
            "type": "string", "enum": ["nl", "en", "auto"],
            "description": "The language of pages and messages; `auto` follows the browser's Accept-Language, then the server's default.",
        ],
    ]
    static let schema = object(properties, optional: Set(properties.keys))
}

/// Users over HTTP.
struct UsersController: Sendable {
    let accounts: Accounts

    var operations: [Operation] {
        [
            Operation(
                method: .get, path: "/api/v1/users", operationID: "listUsers", tag: "users",
                summary: "Users the caller may see (admins: everyone; trainers: their cohorts' members; others: themselves)",
                query: [
                    .limit, .cursor,
                    .init(
                        name: "role", description: "Only users holding this role.",
                        schema: ["type": "string", "enum": .array(Role.allCases.map { .string($0.rawValue) })]),
                ],
                replies: [.init(status: 200, description: "Users, newest first.", schema: PageView<UserView>.schema(of: "User"))],
                handler: list),
            Operation(
                method: .post, path: "/api/v1/users", operationID: "createUser", tag: "users", summary: "Add a user (admins)",
                body: NewUserBody.schema, replies: [.init(status: 201, description: "The new user.", schema: ref("User"))],
                errors: [409: "The email address is taken."], handler: create),
            Operation(
                method: .get, path: "/api/v1/users/{userId}", operationID: "getUser", tag: "users", summary: "One user",
                replies: [.init(status: 200, description: "The user.", schema: ref("User"))], handler: get),
            Operation(
                method: .patch, path: "/api/v1/users/{userId}", operationID: "updateUser", tag: "users",
                summary:
                    "Change a user: anyone their own name, password, language and e-mail address (with `currentPassword`; a new own address takes effect once confirmed from the link mailed to it); admins everything",
                body: UserChangesBody.schema, replies: [.init(status: 200, description: "The changed user.", schema: ref("User"))],
                errors: [
                    403: "Not allowed, or the current password is wrong.",
                    409: "The email address is taken, or (for one's own new address) the service sends no e-mail to confirm it.",
                    429: "Too many wrong passwords for the account or from the address (counted with sign-ins); see Retry-After.",
                ], handler: update),
        ]
    }

    func list(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let page = try await accounts.users(
            try context.requireActor(), role: try request.queryEnum("role", as: Role.self), page: try request.pageRequest())
        return try .json(PageView(page, UserView.init))
    }

    func create(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await request.decodeJSON(as: NewUserBody.self, context: context)
        let user = try await accounts.createUser(
            actor, email: body.email, displayName: body.displayName, roles: Set(body.roles), password: body.password)
        return try .json(UserView(user), status: .created)
    }

    func get(_ request: inout Request, _ context: AppContext) async throws -> Response {
        try .json(UserView(try await accounts.user(try context.requireActor(), try context.id("userId", of: .user))))
    }

    func update(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let actor = try context.requireActor()
        // The body first, so the checks look at the user as it is when the change is made.
        let body = try await request.decodeJSON(as: UserChangesBody.self, context: context)
        let changes = UserUpdate(
            email: body.email, displayName: body.displayName, roles: body.roles.map { Set($0) }, disabled: body.disabled,
            password: body.password, currentPassword: body.currentPassword, keepTokens: body.keepTokens, language: body.language)
        return try .json(UserView(try await accounts.update(actor, try context.id("userId", of: .user), changes, address: context.remoteAddress)))
    }
}
