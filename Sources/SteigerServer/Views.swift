import Foundation
import Logging
import SteigerApp
import SteigerCore

// What the API answers, and the schemas the OpenAPI document gives for it, side by side.

struct UserView: Encodable {
    var id: String
    var email: String
    var displayName: String
    var roles: [String]
    var disabled: Bool
    /// `nl`, `en`, or `auto` (the browser's choice, then the server's default).
    var language: String
    var createdAt: Date

    init(_ user: User) {
        id = user.id.description
        email = user.email
        displayName = user.displayName
        roles = user.roles.sorted().map(\.rawValue)
        disabled = user.isDisabled
        language = user.language?.rawValue ?? "auto"
        createdAt = user.createdAt
    }

    static let schema: JSONValue = object([
        "id": uuid, "email": ["type": "string", "format": "email"], "displayName": ["type": "string"],
        "roles": ["type": "array", "items": ["type": "string", "enum": ["admin", "trainer", "learner"]]],
        "disabled": ["type": "boolean"], "language": ["type": "string", "enum": ["nl", "en", "auto"]], "createdAt": dateTime,
    ])
}

struct MembershipView: Encodable {
    var cohortId: String
    var userId: String
    var part: String
    var displayName: String?
    var user: UserView?

    /// A membership; `user` is the member's full record, given only when the caller may view it
    /// (a learner sees their trainers' names, not their accounts).
    init(_ membership: Membership, displayName: String? = nil, user: User? = nil) {
        cohortId = membership.cohortID.description
        userId = membership.userID.description
        part = membership.part.rawValue
        self.displayName = displayName ?? user?.displayName
        self.user = user.map(UserView.init)
    }

    static let schema: JSONValue = object(
        [
            "cohortId": uuid, "userId": uuid, "part": ["type": "string", "enum": ["trainer", "learner"]],
            "displayName": ["type": "string"], "user": ref("User"),
        ], optional: ["user", "displayName"])
}

struct MeView: Encodable {
    var user: UserView
    var memberships: [MembershipView]

    static let schema: JSONValue = object(["user": ref("User"), "memberships": ["type": "array", "items": ref("Membership")]])
}

struct CohortView: Encodable {
    var id: String
    var name: String
    @Nullable var description: String?
    var createdAt: Date

    init(_ cohort: Cohort) {
        id = cohort.id.description
        name = cohort.name
        description = cohort.description
        createdAt = cohort.createdAt
    }

    static let schema: JSONValue = object([
        "id": uuid, "name": ["type": "string"], "description": ["type": ["string", "null"]], "createdAt": dateTime,
    ])
}

struct ExerciseView: Encodable {
    var id: String
    var title: String
    var instructions: String
    var skillKey: String
    var rubric: Rubric
    @Nullable var ladder: ScaffoldLadder?
    var cohorts: [String]
    var review: ReviewSettings
    var policy: ScaffoldPolicy
    var policyVersion: Int
    var createdAt: Date

    /// An exercise as `actor` sees it: only the cohorts they belong to are named (all for admins);
    /// the whole ladder only for admins and its trainers (a learner gets their level's supports
    /// from `/supports`, so a script withdrawn from them is not one request away).
    init(_ exercise: Exercise, for actor: Actor) {
        id = exercise.id.description
        title = exercise.title
        instructions = exercise.instructions
        skillKey = exercise.skillKey
        rubric = exercise.rubric
        ladder = AccessPolicy.decide(actor, .view, .ladder(exercise)) == .allow ? exercise.ladder : nil
        cohorts = AccessPolicy.visibleCohorts(exercise.cohorts, for: actor).map(\.description).sorted()
        review = exercise.review
        policy = exercise.policy
        policyVersion = exercise.policyVersion
        createdAt = exercise.createdAt
    }

    static let schema: JSONValue = object([
        "id": uuid, "title": ["type": "string"], "instructions": ["type": "string"], "skillKey": ["type": "string"],
        "rubric": ref("Rubric"), "ladder": ["anyOf": [ref("ScaffoldLadder"), ["type": "null"]]], "cohorts": ["type": "array", "items": uuid],
        "review": ref("ReviewSettings"), "policy": ref("ScaffoldPolicy"), "policyVersion": ["type": "integer", "minimum": 1], "createdAt": dateTime,
    ])
}

struct SubmissionView: Encodable {
    var id: String
    var learnerId: String
    var exerciseId: String
    var attempt: Int
    var status: String
    var scaffoldLevel: Int
    @Nullable var failureReason: String?
    /// The reason's stable name (`notMedia`, `tooLong`, …) for clients; nil for reasons stored as text.
    @Nullable var failureCode: String?
    var createdAt: Date

    init(_ submission: Submission, words: Localizer) {
        id = submission.id.description
        learnerId = submission.learnerID.description
        exerciseId = submission.exerciseID.description
        attempt = submission.attempt
        status = submission.status.rawValue
        scaffoldLevel = submission.scaffoldLevel
        failureReason = submission.failureReason.map(words.format(stored:))
        failureCode = submission.failureCode
        createdAt = submission.createdAt
    }

    static let schema: JSONValue = object([
        "id": uuid, "learnerId": uuid, "exerciseId": uuid, "attempt": ["type": "integer", "minimum": 1],
        "status": ["type": "string", "enum": .array(Submission.Status.allCases.map { .string($0.rawValue) })],
        "scaffoldLevel": ["type": "integer", "minimum": 0], "failureReason": ["type": ["string", "null"]],
        "failureCode": ["type": ["string", "null"]],
        "createdAt": dateTime,
    ])
}

struct TokenView: Encodable {
    var id: String
    var name: String
    var prefix: String
    var createdAt: Date
    @Nullable var expiresAt: Date?
    @Nullable var lastUsedAt: Date?
    @Nullable var revokedAt: Date?

    init(_ token: APIToken) {
        id = token.id
        name = token.name
        prefix = token.prefix
        createdAt = token.createdAt
        expiresAt = token.expiresAt
        lastUsedAt = token.lastUsedAt
        revokedAt = token.revokedAt
    }

    static let schema: JSONValue = object(
        [
            "id": uuid, "name": ["type": "string"], "prefix": ["type": "string"], "createdAt": dateTime,
            "expiresAt": nullableDateTime, "lastUsedAt": nullableDateTime, "revokedAt": nullableDateTime,
        ], optional: ["expiresAt", "lastUsedAt", "revokedAt"])
}

struct NewTokenView: Encodable {
    var token: TokenView
    var secret: String

    static let schema: JSONValue = object(["token": ref("Token"), "secret": ["type": "string", "description": "Shown once; keep it safe."]])
}

/// A page of items with the cursor of the next page (null on the last).
struct PageView<Item: Encodable>: Encodable {
    var items: [Item]
    @Nullable var next: String?

    init<Source>(_ page: Page<Source>, _ transform: (Source) -> Item) {
        items = page.items.map(transform)
        next = page.next?.text
    }

    init(items: [Item]) {
        self.items = items
        next = nil
    }

    static func schema(of item: String) -> JSONValue {
        object(["items": ["type": "array", "items": ref(item)], "next": ["type": ["string", "null"]]])
    }
}

// MARK: - Null fields

/// An optional field written as JSON `null` when it has no value (synthesized coding would
/// leave the key out), so every key the schema lists is always there.
@propertyWrapper
struct Nullable<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension Nullable: Sendable where Value: Sendable {}

/// A coding key for any field name.
struct FieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

// MARK: - Schema helpers

let uuid: JSONValue = ["type": "string", "format": "uuid"]
let dateTime: JSONValue = ["type": "string", "format": "date-time"]
let nullableDateTime: JSONValue = ["type": ["string", "null"], "format": "date-time"]

func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

/// An object schema whose properties are all required unless listed in `optional`.
func object(_ properties: [String: JSONValue], optional: Set<String> = [], additional: Bool = false) -> JSONValue {
    [
        "type": "object",
        "properties": .object(properties),
        "required": .array(properties.keys.filter { !optional.contains($0) }.sorted().map { .string($0) }),
        "additionalProperties": .bool(additional),
    ]
}
