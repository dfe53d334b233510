import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// The administrator's pages about keeping recordings: the organisation's policy with the daily
/// run (what it did last, what it would do now), each cohort's policy and programme end, and the
/// legal holds. Their forms call the API (through `admin.js`), so every rule is the API's own.
extension WebPages {
    func registerRetention(signedIn: RouterGroup<AppContext>) {
        signedIn.get("/admin/retention") { request, context in try await pages(request, context).retentionPage() }
    }

    /// A policy in words, or "kept until removed by hand".
    func policyText(_ policy: RetentionPolicy?) -> String {
        policy.map { words.format($0.message) } ?? words.text("retention.keep")
    }

    /// The choices of a policy form: keep (`keepValue`: always, or as the organisation) or remove
    /// after days counted from a start.
    func policyForm(_ policy: RetentionPolicy?, formId: String, keepValue: String, keepLabel: String) -> [String: Any] {
        [
            "formId": formId, "keepValue": keepValue, "keepLabel": keepLabel, "removes": policy != nil, "days": policy.map { String($0.days) } ?? "",
            "starts": RetentionPolicy.Start.allCases.map { start in
                ["value": start.rawValue, "name": words.text("retentionStart." + start.rawValue), "checked": (policy?.start ?? .reviewed) == start]
                    as [String: Any]
            },
        ]
    }

    /// A legal hold's card for a cohort or a person: the hold that stands with its reason, or the form to place one.
    func holdCard(_ hold: LegalHold?, api: String, field: String, value: String, explained: String) -> [String: Any] {
        [
            "holdApi": api, "holdField": field, "holdValue": value, "holdExplained": explained,
            "hold": hold.map { ["text": words.text("legalHoldStands", ["date": .date($0.placedAt), "reason": .text($0.reason)])] } ?? false,
        ]
    }

    private func retentionPage() async throws -> Response {
        let (actor, secret) = try signedIn()
        let overview = try await app.retention.overview(actor)
        let preview = overview.preview
        var values: [String: Any] = [
            "adminText": adminText, "policyNow": words.text("retentionNow", ["policy": .text(policyText(overview.organisation))]),
            "preview": words.text(
                "retentionPreview",
                ["count": .integer(preview.removed), "size": .text(words.bytes(preview.freed)), "held": .integer(preview.held)]),
            "lastRun": overview.lastRun.map { run in
                words.text(
                    "retentionLastRun",
                    [
                        "date": .dateTime(run.at),
                        "detail": .text(
                            words.text(
                                "retention.ranDetail",
                                ["removed": .integer(run.removed), "freed": .text(words.bytes(run.freed)), "held": .integer(run.held)])),
                    ])
            } ?? words.text("retentionNeverRan"),
            "cohorts": overview.cohorts.map { cohort -> [String: Any] in
                [
                    "id": cohort.cohort.id.description, "name": cohort.cohort.name,
                    "policy": cohort.policy.map { words.text("retentionOwn", ["policy": .text(policyText($0))]) }
                        ?? words.text("retentionAsOrganisation"),
                    "ends": cohort.endsAt.map { words.date($0) } ?? "—", "hold": cohort.hold?.reason ?? false,
                ]
            },
            "hasCohorts": !overview.cohorts.isEmpty,
            "people": overview.people.map { ["id": $0.user.id.description, "name": $0.user.displayName, "reason": $0.hold.reason] },
            "hasPeople": !overview.people.isEmpty,
        ]
        values.merge(
            policyForm(overview.organisation, formId: "organisation", keepValue: "always", keepLabel: words.text("retentionKeepAlways"))
        ) { _, new in new }
        return try html("retention", title: words.text("retentionTitle"), actor: actor, secret: secret, values)
    }

    /// The cohort page's card about keeping its recordings.
    func cohortRetentionCard(_ actor: Actor, _ id: CohortID) async throws -> [String: Any] {
        let (organisation, cohort) = try await app.retention.cohort(actor, id)
        var card: [String: Any] = [
            "retentionNow": words.text(
                "retentionNow",
                ["policy": .text(cohort.policy.map { words.text("retentionOwn", ["policy": .text(policyText($0))]) } ?? policyText(organisation))]),
            "endsOn": cohort.endsAt.map { String($0.iso8601Milliseconds.prefix(10)) } ?? "",
        ]
        card.merge(
            policyForm(
                cohort.policy, formId: "cohort", keepValue: "organisation",
                keepLabel: words.text("retentionFollowOrganisation", ["policy": .text(policyText(organisation))]))
        ) { _, new in new }
        card.merge(
            holdCard(
                cohort.hold, api: "/api/v1/cohorts/{cohort}/legal-hold", field: "cohort", value: id.description,
                explained: words.text("legalHoldCohort"))
        ) { _, new in new }
        return card
    }
}
