import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// A ready-made exercise the builder can start from, in one language (`Web/exercise-templates/`).
/// Reading one checks it as the API would, so a broken template stops the service at start.
struct ExerciseTemplate: Codable, Sendable {
    /// The parts of an exercise a template fills in.
    struct Content: Codable, Sendable {
        var title: String
        var instructions: String
        var skillName: String
        var rubric: Rubric
        var ladder: ScaffoldLadder
    }

    /// The same in every language, e.g. "sales-call".
    var id: String
    /// What the administrator picks, e.g. "Sales call".
    var name: String
    /// One sentence on the situation it practises.
    var summary: String
    var exercise: Content
}

/// The exercise builder: an exercise's text, skill, cohorts, rubric, ladder of supports, fading
/// policy and review settings as rows and sentences, saved through the exercises API (so every
/// rule and error is the API's), with a preview of what a learner sees at each level rendered by
/// the learner page's own template.
extension WebPages {
    func registerBuilder(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/admin/exercises/new") { request, context in try await pages(request, context).builder(request, context, new: true) }
        signedIn.get("/admin/exercises/:exerciseId") { request, context in
            try await pages(request, context).builder(request, context, new: false)
        }
        signedIn.post("/admin/exercises/preview") { request, context in
            var request = request
            return try await pages(request, context).preview(&request, context)
        }
    }

    /// What the builder starts from: everything an exercise has, in the API's own form.
    private struct Draft: Encodable {
        var title = ""
        var instructions = ""
        var stimulus = ""
        var skillName = ""
        var skillKey = ""
        var cohorts: [String] = []
        var rubric: Rubric?
        var ladder: ScaffoldLadder?
        var policy = ScaffoldPolicy()
        var review = ReviewSettings()

        init() {}

        init(_ exercise: Exercise) {
            title = exercise.title
            instructions = exercise.instructions
            stimulus = exercise.stimulus ?? ""
            skillName = exercise.skill
            skillKey = exercise.skillKey
            cohorts = exercise.cohorts.map(\.description).sorted()
            rubric = exercise.rubric
            ladder = exercise.ladder
            policy = exercise.policy
            review = exercise.review
        }
    }

    private func builder(_ request: Request, _ context: AppContext, new: Bool) async throws -> Response {
        let (actor, secret) = try signedIn()
        try app.administration.open(actor)
        var draft = Draft()
        var heading = words.text("newExercise")
        var exerciseID: String?
        if new {
            if let from = request.uri.queryParameters.get("from"), let id = UUID(uuidString: from) {
                // A copy starts in no cohort, so no learner meets it before it is changed.
                let original = try await app.exercises.exercise(actor, ExerciseID(id), for: .update)
                draft = Draft(original)
                draft.title = words.text("copyOf", ["title": .text(original.title)])
                draft.cohorts = []
            }
        } else {
            let exercise = try await app.exercises.exercise(actor, try context.id("exerciseId", of: .exercise), for: .update)
            draft = Draft(exercise)
            heading = exercise.title
            exerciseID = exercise.id.description
        }
        let cohorts = try await app.cohorts.list(actor, page: PageRequest(limit: 200)).items
        var skills: [String: String] = [:]
        for exercise in try await app.exercises.all(actor) where skills[exercise.skill] == nil { skills[exercise.skill] = exercise.skillKey }
        let templates = resources.exerciseTemplates[words.language] ?? []
        let policy = draft.policy, review = draft.review
        return try html(
            "exercise-edit", title: new ? words.text("newExercise") : words.text("editExercise"), actor: actor, secret: secret,
            [
                "heading": heading, "isNew": new, "exerciseId": exerciseID ?? "",
                "api": exerciseID.map { "PATCH /api/v1/exercises/\($0)" } ?? "POST /api/v1/exercises",
                "title": draft.title, "instructions": draft.instructions, "skillName": draft.skillName,
                "cohorts": cohorts.map { ["id": $0.id.description, "name": $0.name, "selected": draft.cohorts.contains($0.id.description)] },
                "hasCohorts": !cohorts.isEmpty,
                "skills": skills.keys.sorted(),
                "templates": templates.map { ["id": $0.id, "name": $0.name, "summary": $0.summary] },
                "policyWithdraw": sentence(
                    "builderWithdraw",
                    [
                        "attempts": number("policy.withdrawAfter", policy.withdrawAfter, 1...20, label: "builderWithdrawAttempts"),
                        "mastery": number(
                            "policy.masteryThreshold", Self.percent(policy.masteryThreshold), 0...100, label: "builderMastery", percent: true),
                        "floor": number("policy.criterionFloor", Self.percent(policy.criterionFloor), 0...100, label: "builderFloor", percent: true),
                    ]),
                "policyReinstate": sentence(
                    "builderReinstate",
                    [
                        "attempts": number("policy.reinstateAfter", policy.reinstateAfter, 1...20, label: "builderReinstateAttempts"),
                        "support": number(
                            "policy.supportThreshold", Self.percent(policy.supportThreshold), 0...100, label: "builderSupport", percent: true),
                    ]),
                "policyRechecks": sentence(
                    "builderRechecks",
                    [
                        "days": [
                            "name": "policy.rechecks", "isList": true, "value": policy.rechecks.map(String.init).joined(separator: ", "),
                            "label": words.text("builderRechecksDays"), "id": "p-rechecks",
                        ]
                    ]),
                "policyStall": sentence(
                    "builderStall", ["attempts": number("policy.stallAfter", policy.stallAfter, 0...100, label: "builderStallAttempts")]),
                "peerReviewsMoveLevels": policy.peerReviewsMoveLevels, "guestReviewsMoveLevels": policy.guestReviewsMoveLevels,
                "peerReviewers": review.peerReviewers, "anonymousPeers": review.anonymousPeers,
                "selfReviewRequired": review.selfReviewRequired, "dueHours": review.dueHours.map(String.init) ?? "",
                "showCommentsBeforeSubmit": review.showCommentsBeforeSubmit,
                "timeLimit": review.timeLimitSeconds.map(String.init) ?? "", "retakes": review.retakes.map(String.init) ?? "",
                "privatePractice": review.privatePractice, "cohortLibrary": review.cohortLibrary, "libraryApproval": review.libraryApproval,
                "kickOff": review.kickOff, "closingTest": review.closingTest, "transferAfterWithdrawal": review.transferAfterWithdrawal,
                "transferEveryDays": review.transferEveryDays.map(String.init) ?? "", "transferPrompt": review.transferPrompt,
                "draftJSON": try Self.json(draft),
                "templatesJSON": try Self.json(Dictionary(templates.map { ($0.id, $0.exercise) }) { first, _ in first }),
                "skillsJSON": try Self.json(skills),
                // The library's videos that can be played or soon can, to choose a model video from.
                "libraryJSON": try Self.json(
                    try await app.mediaLibrary.items(actor).filter { $0.status != .failed }.map {
                        [
                            "reference": $0.reference,
                            "title": $0.status == .ready ? $0.title : "\($0.title) (\(words.text("libraryProcessing").lowercased()))",
                        ]
                    }),
                "builderText": try Self.json(words.messages.filter { $0.key.hasPrefix("builder") || $0.key.hasPrefix("upload") }),
            ])
    }

    /// A number field inside a sentence: its name in the API body, value, bounds and label.
    private func number(_ name: String, _ value: Int, _ range: ClosedRange<Int>, label: String, percent: Bool = false) -> [String: Any] {
        [
            "name": name, "value": value, "min": range.lowerBound, "max": range.upperBound, "label": words.text(label),
            "percent": percent, "id": "p-" + name.split(separator: ".").last!.lowercased(),
        ]
    }

    /// A catalogue sentence with number fields where it names them (`{attempts}`): its parts in
    /// order, each a text or a field, so the sentence reads the same in every language.
    private func sentence(_ key: String, _ fields: [String: [String: Any]]) -> [[String: Any]] {
        var parts: [[String: Any]] = []
        var rest = Substring(words.text(key))
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let name = String(rest[rest.index(after: open)..<close])
            if !rest[..<open].isEmpty { parts.append(["text": String(rest[..<open])]) }
            if let field = fields[name] { parts.append(["field": field]) } else { parts.append(["text": String(rest[open...close])]) }
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(["text": String(rest)]) }
        return parts
    }

    /// What a learner at one level of a draft would see: the learner page's supports, rendered
    /// by its own template. The draft comes as a form (`draft`: title, instructions and ladder as
    /// JSON; `level`), so a ladder still being written is checked as the API would check it.
    private func preview(_ request: inout Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        try app.administration.open(actor)
        let form = try await Self.form(&request, context, upTo: 1024 * 1024)
        try requireToken(form, session: secret)
        struct Shown: Decodable {
            var title: String?
            var instructions: String?
            var stimulus: String?
            var ladder: ScaffoldLadder
        }
        let shown: Shown
        do {
            shown = try JSONDecoder().decode(Shown.self, from: Data((form["draft"] ?? "").utf8))
        } catch {
            return try html(
                "exercise-preview", title: words.text("builderPreview"), actor: actor, secret: secret,
                ["problem": words.text("builderPreviewLadder")], status: .unprocessableContent)
        }
        let level = shown.ladder.level(Int(form["level"] ?? "") ?? shown.ladder.top)
        return try html(
            "exercise-preview", title: words.text("builderPreview"), actor: actor, secret: secret,
            [
                "title": shown.title ?? "", "instructions": shown.instructions ?? "", "levelName": level.name,
                "stimulus": Self.stimulus(shown.stimulus),
                "supports": level.supports.map(Self.support),
                "note": words.text("builderPreviewNote", ["level": .integer(level.number), "name": .text(level.name)]),
            ])
    }
}
