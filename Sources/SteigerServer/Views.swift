import Foundation
import Logging
import SteigerApp
import SteigerCore

// What the API answers, and the schemas the OpenAPI document gives for it, side by side.

struct UserView: JSONView {
    let user: User

    init(_ user: User) { self.user = user }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.user.id.description },
        .init("email", ["type": "string", "format": "email"]) { $0.user.email },
        .init("displayName", ["type": "string"]) { $0.user.displayName },
        .init("roles", ["type": "array", "items": ["type": "string", "enum": .array(Role.allCases.map { .string($0.rawValue) })]]) {
            $0.user.roles.sorted().map(\.rawValue)
        },
        .init("disabled", ["type": "boolean"]) { $0.user.isDisabled },
        // The browser's choice, then the server's default, when the person chose none.
        .init("language", ["type": "string", "enum": ["nl", "en", "auto"]]) { $0.user.language?.rawValue ?? "auto" },
        .init("createdAt", dateTime) { $0.user.createdAt },
    ]
}

/// A membership; `user` is the member's full record, given only when the caller may view it
/// (a learner sees their trainers' names, not their accounts).
struct MembershipView: JSONView {
    let membership: Membership
    let displayName: String?
    let user: User?

    init(_ membership: Membership, displayName: String? = nil, user: User? = nil) {
        self.membership = membership
        self.displayName = displayName ?? user?.displayName
        self.user = user
    }

    static let fields: [JSONField<Self>] = [
        .init("cohortId", uuid) { $0.membership.cohortID.description },
        .init("userId", uuid) { $0.membership.userID.description },
        .init("part", ["type": "string", "enum": ["trainer", "learner"]]) { $0.membership.part.rawValue },
        .optional("displayName", ["type": "string"]) { $0.displayName },
        .optional("user", ref("User")) { $0.user.map(UserView.init) },
    ]
}

struct MeView: JSONView {
    let actor: Actor

    static let fields: [JSONField<Self>] = [
        .init("user", ref("User")) { UserView($0.actor.user) },
        .init("memberships", ["type": "array", "items": ref("Membership")]) { $0.actor.memberships.map { MembershipView($0) } },
    ]
}

struct CohortView: JSONView {
    let cohort: Cohort

    init(_ cohort: Cohort) { self.cohort = cohort }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.cohort.id.description },
        .init("name", ["type": "string"]) { $0.cohort.name },
        .nullable("description", ["type": "string"]) { $0.cohort.description },
        .init("createdAt", dateTime) { $0.cohort.createdAt },
    ]
}

/// An exercise as `actor` sees it: only the cohorts they belong to are named (all for admins);
/// the whole ladder only for admins and its trainers (a learner gets their level's supports
/// from `/supports`, so a script withdrawn from them is not one request away).
struct ExerciseView: JSONView {
    let exercise: Exercise
    let ladder: ScaffoldLadder?
    let cohorts: [String]

    init(_ exercise: Exercise, for actor: Actor) {
        self.exercise = exercise
        ladder = AccessPolicy.decide(actor, .view, .ladder(exercise)) == .allow ? exercise.ladder : nil
        cohorts = AccessPolicy.visibleCohorts(exercise.cohorts, for: actor).map(\.description).sorted()
    }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.exercise.id.description },
        .init("title", ["type": "string"]) { $0.exercise.title },
        .init("instructions", ["type": "string"]) { $0.exercise.instructions },
        .nullable("stimulus", ["type": "string", "description": "The clip to respond to: media:<id> or an address."]) { $0.exercise.stimulus },
        .init("skillKey", ["type": "string"]) { $0.exercise.skillKey },
        .init("skillName", ["type": "string", "description": "The skill's name, or its key when it was given none."]) {
            $0.exercise.skill
        },
        .init("rubric", ref("Rubric")) { $0.exercise.rubric },
        .nullable("ladder", ref("ScaffoldLadder")) { $0.ladder },
        .init("cohorts", ["type": "array", "items": uuid]) { $0.cohorts },
        .init("review", ref("ReviewSettings")) { $0.exercise.review },
        .init(
            "audiences",
            [
                "type": "array", "items": audienceSchema,
                "description": "Who a learner may let watch an attempt, narrowest first (private: practice only they watch).",
            ]
        ) { $0.exercise.audiences.map(\.rawValue) },
        .init("policy", ref("ScaffoldPolicy")) { $0.exercise.policy },
        .init("policyVersion", ["type": "integer", "minimum": 1]) { $0.exercise.policyVersion },
        .init("createdAt", dateTime) { $0.exercise.createdAt },
    ]
}

let audienceSchema: JSONValue = ["type": "string", "enum": .array(Audience.allCases.map { .string($0.rawValue) })]

struct SubmissionView: JSONView {
    let submission: Submission
    let words: Localizer
    let size: Int64?

    init(_ submission: Submission, words: Localizer, size: Int64? = nil) {
        self.submission = submission
        self.words = words
        self.size = size
    }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.submission.id.description },
        .init("learnerId", uuid) { $0.submission.learnerID.description },
        .init("exerciseId", uuid) { $0.submission.exerciseID.description },
        .init("attempt", ["type": "integer", "minimum": 1]) { $0.submission.attempt },
        .init("status", ["type": "string", "enum": .array(Submission.Status.allCases.map { .string($0.rawValue) })]) {
            $0.submission.status.rawValue
        },
        .init("scaffoldLevel", ["type": "integer", "minimum": 0]) { $0.submission.scaffoldLevel },
        .init(
            "purpose",
            [
                "type": "string", "enum": .array(AttemptPurpose.allCases.map { .string($0.rawValue) }),
                "description": "practice, kick-off (its review sets the starting level) or recheck (due after the last support went).",
            ]
        ) { $0.submission.purpose.rawValue },
        .init("sharedWithManager", ["type": "boolean", "description": "Whether the learner's managers may watch it."]) {
            $0.submission.sharedWithManager
        },
        .nullable("failureReason", ["type": "string"]) { view in view.submission.failureReason.map(view.words.format(stored:)) },
        // The reason's stable name (`notMedia`, `tooLong`, …) for clients; null for reasons stored as text.
        .nullable("failureCode", ["type": "string"]) { $0.submission.failureCode },
        .nullable("failureKind", ["type": "string", "enum": ["recording", "server"]]) { $0.submission.failureKind?.rawValue },
        .init("audience", audienceSchema) { $0.submission.audience.rawValue },
        .init("sharesFeedback", ["type": "boolean", "description": "Whether the feedback is shown with it in the cohort's library."]) {
            $0.submission.sharesFeedback
        },
        .nullable("libraryApprovedAt", dateTime) { $0.submission.libraryApprovedAt },
        .nullable("size", ["type": "integer", "minimum": 0, "description": "The recording's size in bytes (null in lists)."]) { $0.size },
        .init("createdAt", dateTime) { $0.submission.createdAt },
    ]
}

/// A consent as its learner gave it.
struct ConsentView: JSONView {
    let consent: Consent

    init(_ consent: Consent) { self.consent = consent }

    static let fields: [JSONField<Self>] = [
        .init("submissionId", uuid) { $0.consent.submissionID.description },
        .init("userId", uuid) { $0.consent.userID.description },
        .init("audience", audienceSchema) { $0.consent.audience.rawValue },
        .init("wording", ["type": "string", "description": "The words the learner agreed to, in the language they read them in."]) {
            $0.consent.wording
        },
        .init("withFeedback", ["type": "boolean"]) { $0.consent.withFeedback },
        .init("givenAt", dateTime) { $0.consent.givenAt },
        .nullable("withdrawnAt", dateTime) { $0.consent.withdrawnAt },
    ]
}

/// An attempt in a cohort's library.
struct LibraryEntryView: JSONView {
    let entry: Submissions.LibraryEntry
    let words: Localizer

    init(_ entry: Submissions.LibraryEntry, words: Localizer) {
        self.entry = entry
        self.words = words
    }

    static let fields: [JSONField<Self>] = [
        .init("submission", ref("Submission")) { SubmissionView($0.entry.submission, words: $0.words) },
        .init("exerciseTitle", ["type": "string"]) { $0.entry.exercise.title },
        .init("learnerName", ["type": "string"]) { $0.entry.learnerName },
        .init("inLibrary", ["type": "boolean", "description": "False while it waits for a trainer's approval."]) {
            $0.entry.submission.isInLibrary(of: $0.entry.exercise)
        },
        .nullable("review", ref("Review")) { view in
            view.entry.review.map { ReviewView($0, reviewerName: view.entry.reviewerName, rubric: view.entry.exercise.rubric) }
        },
    ]
}

struct TokenView: JSONView {
    let token: APIToken

    init(_ token: APIToken) { self.token = token }

    static let fields: [JSONField<Self>] = [
        .init("id", uuid) { $0.token.id },
        .init("name", ["type": "string"]) { $0.token.name },
        .init("prefix", ["type": "string"]) { $0.token.prefix },
        .init("createdAt", dateTime) { $0.token.createdAt },
        .nullable("expiresAt", dateTime) { $0.token.expiresAt },
        .nullable("lastUsedAt", dateTime) { $0.token.lastUsedAt },
        .nullable("revokedAt", dateTime) { $0.token.revokedAt },
    ]
}

struct NewTokenView: JSONView {
    let token: TokenView
    let secret: String

    static let fields: [JSONField<Self>] = [
        .init("token", ref("Token")) { $0.token },
        .init("secret", ["type": "string", "description": "Shown once; keep it safe."]) { $0.secret },
    ]
}

/// A page of items with the cursor of the next page (null on the last).
struct PageView<Item: Encodable & Sendable>: JSONView {
    var items: [Item]
    var next: String?

    init<Source>(_ page: Page<Source>, _ transform: (Source) -> Item) {
        items = page.items.map(transform)
        next = page.next?.text
    }

    init(items: [Item]) {
        self.items = items
        next = nil
    }

    static var fields: [JSONField<Self>] { fields(of: ["type": "object"]) }

    static func fields(of item: JSONValue) -> [JSONField<Self>] {
        [.init("items", ["type": "array", "items": item]) { $0.items }, .nullable("next", ["type": "string"]) { $0.next }]
    }

    /// The schema of a page of the component `item`.
    static func schema(of item: String) -> JSONValue {
        object(Dictionary(uniqueKeysWithValues: fields(of: ref(item)).map { ($0.name, $0.schema) }))
    }
}

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
