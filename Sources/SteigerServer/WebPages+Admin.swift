import Foundation
import Hummingbird
import SteigerApp
import SteigerCore

/// The administrator's pages: people, cohorts and memberships, exercises with their rubric,
/// ladder and fading policy. The forms call the API (through `admin.js`), so every rule and
/// every field-by-field error is the API's own.
extension WebPages {
    func registerAdmin(open: RouterGroup<AppContext>, signedIn: RouterGroup<AppContext>) {
        signedIn.get("/admin") { request, context in try await pages(request, context).adminPage(request) }
        signedIn.post("/admin/demo/load") { request, context in try await pages(request, context).loadDemo(request, context) }
        signedIn.post("/admin/demo/remove") { request, context in try await pages(request, context).removeDemo(request, context) }
        registerBuilder(signedIn: signedIn)
        registerPeople(signedIn: signedIn)
        registerLibrary(signedIn: signedIn)
        signedIn.get("/admin/audit") { request, context in try await pages(request, context).auditPage(request) }
        registerRetention(signedIn: signedIn)
    }

    /// An audit entry's note in the page's words: the log keeps it in its own terms (audiences,
    /// fields, cohorts by id), the same in every language; a consent's wording is shown as given.
    func auditDetail(_ entry: AuditEntry, cohorts: [String: String]) -> String {
        let detail = entry.detail
        let parts = detail.split(separator: ":").map(String.init)
        func cohort(_ id: String) -> String { cohorts[id] ?? String(id.prefix(8)) }
        func role(_ name: String) -> String { words.text("role." + name) }
        switch entry.action {
        case .audienceChanged:
            return detail.components(separatedBy: " → ").compactMap(Audience.init(rawValue:)).map { words.text("audience." + $0.rawValue) }
                .joined(separator: " → ")
        case .exerciseChanged:
            return words.text("auditDetail." + detail)
        case .membershipChanged where parts.count == 3 && parts[0] == "in":
            return words.text("auditDetail.in", ["cohort": .text(cohort(parts[1])), "part": .text(role(parts[2]))])
        case .membershipChanged where parts.count == 3 && parts[0] == "moved":
            return words.text("auditDetail.moved", ["from": .text(cohort(parts[1])), "to": .text(cohort(parts[2]))])
        case .membershipChanged where parts.count == 2 && parts[0] == "out":
            return words.text("auditDetail.out", ["cohort": .text(cohort(parts[1]))])
        case .accountCreated, .accountChanged:
            return detail.components(separatedBy: "; ").filter { !$0.isEmpty }.map { field in
                let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
                let name = words.text("auditField." + pair[0])
                guard pair.count == 2 else { return name }
                let value =
                    pair[0] == "roles"
                    ? words.list(pair[1].split(separator: ",").map { role(String($0)) })
                    : words.text(pair[1] == "true" ? "auditValue.yes" : "auditValue.no")
                return "\(name): \(value)"
            }.joined(separator: "; ")
        case .retentionChanged, .mediaRemoved:
            // `90d:reviewed`, `keep`, then ` ends:2027-06-30` or ` cohort:<name>`.
            let policy = detail.prefix { $0 != " " }
            var text = RetentionPolicy(auditText: policy).map { words.format($0.message) } ?? words.text("retention.keep")
            let rest = detail.dropFirst(policy.count).trimmingCharacters(in: .whitespaces)
            if rest.hasPrefix("ends:"), let ends = try? Date(String(rest.dropFirst(5)), strategy: Date.ISO8601FormatStyle().year().month().day()) {
                text += "; " + words.text("retention.endsOn", ["date": .date(ends)])
            } else if rest.hasPrefix("cohort:") {
                text += " (" + rest.dropFirst(7) + ")"
            }
            return text
        case .personErased:
            let fields = entry.detailFields
            return words.text(
                "auditDetail.erased",
                [
                    "attempts": .integer(fields["attempts"].flatMap(Int.init) ?? 0),
                    "contributions": .text(
                        words.text(fields["contributions"] == "kept" ? "auditDetail.contributionsKept" : "auditDetail.contributionsEmptied")),
                ])
        case .retentionRan:
            let fields = entry.detailFields
            return words.text(
                "retention.ranDetail",
                [
                    "removed": .integer(fields["removed"].flatMap(Int.init) ?? 0), "held": .integer(fields["held"].flatMap(Int.init) ?? 0),
                    "freed": .text(words.bytes(fields["freed"].flatMap(Int64.init) ?? 0)),
                ])
        default:
            return detail
        }
    }

    /// The audit log, newest first, filtered by kind of action and days, with its CSV.
    private func auditPage(_ request: Request) async throws -> Response {
        let (actor, secret) = try await admin(request)
        let query = request.uri.queryParameters
        let action = query["action"].flatMap { AuditEntry.Action(rawValue: String($0)) }
        let day = Date.ISO8601FormatStyle().year().month().day()
        let from = query["from"].flatMap { try? Date(String($0), strategy: day) }
        let until = query["to"].flatMap { try? Date(String($0), strategy: day) }.map { $0.addingTimeInterval(86400) }
        let page = try await app.auditLog.lines(
            actor, filter: AuditFilter(action: action, from: from, until: until), page: PageRequest(limit: PageRequest.maximumLimit))
        let former = words.text("formerParticipant")
        var cohorts: [String: String] = [:]
        for cohort in try await app.cohorts.list(actor, page: PageRequest(limit: PageRequest.maximumLimit)).items {
            cohorts[cohort.id.description] = cohort.name
        }
        let rows: [[String: Any]] = page.items.map { line in
            [
                "at": words.dateTime(line.entry.at), "actor": line.entry.actorID == nil ? "Steiger" : line.actorName ?? former,
                "action": words.text("audit." + line.entry.action.rawValue), "owner": line.entry.ownerID == nil ? "" : line.ownerName ?? former,
                "subject": words.text("thing." + line.entry.subjectType) + " " + line.entry.subjectID.prefix(8),
                // Mustache takes an empty text for a value: none is `false`.
                "detail": { (text: String) -> Any in text.isEmpty ? false : text }(auditDetail(line.entry, cohorts: cohorts)),
            ]
        }
        var csv = URLComponents()
        csv.queryItems = [("action", action?.rawValue), ("from", query["from"].map(String.init)), ("to", query["to"].map(String.init))]
            .compactMap { name, value in value.flatMap { $0.isEmpty ? nil : URLQueryItem(name: name, value: $0) } }
        return try html(
            "audit", title: words.text("auditLog"), actor: actor, secret: secret,
            [
                "rows": rows, "hasRows": !rows.isEmpty, "more": page.next != nil,
                "kept": words.text("auditKept", ["days": .integer(app.auditLog.keepDays)]),
                "csv": "/api/v1/audit.csv" + (csv.percentEncodedQuery.map { "?" + $0 } ?? ""),
                "actions": AuditEntry.Action.allCases.map {
                    ["id": $0.rawValue, "name": words.text("audit." + $0.rawValue), "chosen": $0 == action] as [String: Any]
                },
                "from": query["from"].map(String.init) ?? "", "to": query["to"].map(String.init) ?? "",
            ])
    }

    private func admin(_ request: Request) async throws -> (Actor, String) {
        let (actor, secret) = try signedIn()
        try app.administration.open(actor)
        return (actor, secret)
    }

    var adminText: String {
        (try? Self.json(["failed": words.text("failed"), "notJSON": words.text("notJSON")])) ?? "{}"
    }

    private func loadDemo(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try await admin(request)
        try requireToken(form, session: secret)
        guard let video = demoVideo, let programme = resources.demoProgrammes[words.language] else { return redirect("/admin") }
        try app.administration.open(actor)
        let made = try await app.demo.load(programme, language: words.language, video: video)
        let message = made.map {
            words.text(
                "demoLoaded", ["password": .text($0.password), "trainer": .text($0.trainer), "learners": .text($0.learners.joined(separator: ", "))])
        }
        return try await adminPage(request, message: message)
    }

    private func removeDemo(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try await admin(request)
        try requireToken(form, session: secret)
        try await app.demo.remove(actor)
        return try await adminPage(request, message: words.text("demoRemoved"))
    }

    private func adminPage(_ request: Request, message: String? = nil) async throws -> Response {
        let (actor, secret) = try await admin(request)
        let overview = try await app.administration.overview(actor)
        let demoLoaded = try await app.demo.loaded() != nil
        return try html(
            "admin", title: words.text("administration"), actor: actor, secret: secret,
            [
                "users": overview.users.map { user in
                    var values: [String: Any] = [
                        "id": user.id.description, "name": user.displayName, "email": user.email, "disabled": user.isDisabled,
                        "roles": roleNames(user),
                    ]
                    if let until = overview.openInvitations[user.id] {
                        values["invited"] = words.text("invitedUntil", ["date": .dateTime(until)])
                    } else if !user.isDisabled {
                        values["active"] = true
                    }
                    return values
                },
                "cohorts": overview.cohorts.map { cohort in
                    let counts = overview.memberCounts[cohort.id] ?? [:]
                    return [
                        "id": cohort.id.description, "name": cohort.name,
                        "counts": words.text("trainerCount", ["count": .integer(counts[.trainer] ?? 0)]) + ", "
                            + words.text("learnerCount", ["count": .integer(counts[.learner] ?? 0)]),
                    ]
                },
                "roleChoices": Role.allCases.reversed().map { ["value": $0.rawValue, "name": roleName($0), "checked": $0 == .learner] },
                "exercises": overview.exercises.map {
                    ["id": $0.id.description, "title": $0.title, "skill": $0.skill]
                },
                "adminText": adminText,
                "retentionNow": words.text("retentionNow", ["policy": .text(policyText(try await app.retention.organisation(actor)))]),
                "storage": storage(overview.volume),
                "processing": processing(overview),
                "mail": mail(overview),
                "demoLoaded": demoLoaded, "demoOffered": !demoLoaded && demoVideo != nil, "message": message.map { $0 as Any } ?? false,
            ])
    }

    /// Failed processing: how many were the server's trouble and how many the recordings', and
    /// the latest few with who, what and why.
    private func processing(_ overview: Administration.Overview) -> [String: Any] {
        let server = overview.failures.filter { $0.failureKind == .server }.count
        return [
            "summary": words.text("processingFailures", ["server": .integer(server), "recording": .integer(overview.failures.count - server)]),
            "hasLatest": !overview.failures.isEmpty,
            "latest": overview.failures.prefix(Administration.namedFailures).map { failed in
                [
                    "learner": overview.failureNames[failed.learnerID] ?? "—", "exercise": overview.failureTitles[failed.exerciseID] ?? "—",
                    "when": words.date(failed.createdAt), "server": failed.failureKind == .server,
                    "reason": failed.failureReason.map(words.format(stored:)) ?? "",
                ] as [String: Any]
            },
        ]
    }

    /// E-mail in words: through which server, or that notifications stay in the app; what waits
    /// or failed; the addresses the server refused.
    private func mail(_ overview: Administration.Overview) -> [String: Any] {
        guard let server = overview.mailServer else { return ["summary": words.text("mailOffAdmin")] }
        return [
            "summary": words.text("mailOn", ["host": .text(server)]),
            "queue": words.text(
                "mailQueue", ["pending": .integer(overview.mails[.pending] ?? 0), "failed": .integer(overview.mails[.failed] ?? 0)]),
            "hasRefused": !overview.refusedAddresses.isEmpty,
            "refused": overview.refusedAddresses.map { ["address": $0.address, "reason": $0.reason, "since": words.dateTime($0.since)] },
        ]
    }

    /// The data volume in words: how much is free, and what a low volume means for people.
    private func storage(_ volume: Health.Volume) -> [String: Any] {
        let gigabytes = { (bytes: Int64) in words.decimal(Double(bytes) / 1e9, places: 1) }
        var values: [String: Any] = ["low": volume.isLow]
        if let free = volume.free, let total = volume.total {
            values["summary"] = words.text(
                "storageSummary", ["free": .text(gigabytes(free)), "total": .text(gigabytes(total)), "reserve": .text(gigabytes(volume.reserve))])
        }
        return values
    }
}
