import Foundation
import HTTPTypes
import Hummingbird
import SteigerApp
import SteigerCore

/// Guest reviewers: the link a guest opens, and the card on an attempt where its learner or
/// trainers invite and withdraw guests.
extension WebPages {
    func registerGuests(open: RouterGroup<AppContext>, signedIn: RouterGroup<AppContext>) {
        open.get("/guest") { request, context in
            try await pages(request, context).guestWelcome(secret: request.uri.queryParameters["t"].map(String.init) ?? "")
        }
        open.post("/guest") { request, context in try await pages(request, context).openGuestLink(request, context) }
        signedIn.post("/attempts/:submissionId/guests") { request, context in try await pages(request, context).inviteGuest(request, context) }
        signedIn.post("/attempts/:submissionId/guests/:guestId/withdraw") { request, context in
            try await pages(request, context).withdrawGuest(request, context)
        }
    }

    /// What the link leads to, with a button that starts (a mail scanner's look changes nothing).
    private func guestWelcome(secret: String) async throws -> Response {
        do {
            let (invitation, inviter, exercise) = try await app.guests.welcome(secret: secret)
            return try html(
                "guest-welcome", title: words.text("guestWelcomeTitle"), actor: nil, secret: nil,
                [
                    "welcome": words.text(
                        "guestWelcome", ["name": .text(invitation.name), "inviter": .text(inviter), "exercise": .text(exercise)]),
                    "until": words.text("guestUntil", ["date": .dateTime(invitation.expiresAt)]), "token": secret,
                ])
        } catch let error as AppError where error.kind == .linkInvalid || error.kind == .guestLinkEnded {
            return try html(
                "guest-welcome", title: words.text("linkInvalidTitle"), actor: nil, secret: nil,
                ["invalid": true, "invalidText": words.format(error.message)], status: .gone)
        }
    }

    private func openGuestLink(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let secret = form["t"] ?? ""
        do {
            let (session, _, task) = try await app.guests.open(
                secret: secret, address: context.remoteAddress, userAgent: request.headers[.userAgent])
            var response = redirect("/review/\(task)")
            response.headers.append(contentsOf: cookies.fields(session))
            return response
        } catch let error as AppError where error.kind == .linkInvalid || error.kind == .guestLinkEnded {
            return try await guestWelcome(secret: secret)
        }
    }

    /// The guests card of an attempt for `actor` (false when they may not see its guests).
    func guestsCard(
        _ actor: Actor, _ secret: String, submission id: SubmissionID, back: String, error: String? = nil, form: [String: String] = [:]
    ) async throws -> Any {
        let entries: [GuestReviews.Entry]
        do {
            entries = try await app.guests.guests(actor, of: id)
        } catch let refused as AppError where refused.kind == .notAllowed || refused.kind == .notFound {
            return false
        }
        let now = app.settings.now()
        let csrf = SessionCookies.csrfToken(session: secret)
        var values: [String: Any] = [
            "submissionId": id.description, "back": back, "csrf": csrf, "hasItems": !entries.isEmpty,
            "items": entries.map { entry in
                let invitation = entry.invitation
                let state = GuestState(entry, now: now)
                var arguments: [String: Message.Argument] = [
                    "inviter": .text(entry.inviterName), "date": .dateTime(state == .withdrawn ? invitation.revokedAt ?? now : invitation.expiresAt),
                ]
                if let review = entry.review {
                    arguments["total"] = .integer(Int((review.result.total * 100).rounded()))
                    arguments["date"] = .dateTime(review.submittedAt)
                }
                return [
                    "id": invitation.id.description, "name": invitation.name, "email": invitation.email ?? false,
                    "state": words.text("guestState.\(state.rawValue)", arguments), "submissionId": id.description, "back": back, "csrf": csrf,
                    "withdrawable": invitation.isLive(at: now) && entry.review == nil,
                ] as [String: Any]
            },
            "name": form["name"] ?? "", "email": form["email"] ?? "", "days": form["days"] ?? String(GuestInvitation.defaultDays),
            "emailHint": words.text(app.guests.sendsMail ? "guestEmailHint" : "guestEmailHintNoMail"),
        ]
        if let error { values["error"] = error }
        return values
    }

    private func inviteGuest(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        var request = request
        let form = try await Self.form(&request, context)
        try requireToken(form, session: secret)
        let id: SubmissionID = try context.id("submissionId", of: .submission)
        let back = form["back"].flatMap(Self.localPath) ?? "/"
        let days = form["days"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        do {
            let (entry, path) = try await app.guests.invite(
                actor, to: id,
                .init(name: form["name"] ?? "", email: form["email"], days: days, language: actor.user.language ?? words.language))
            let invitation = entry.invitation
            let sentence = words.text(
                invitation.email != nil && app.guests.sendsMail ? "guestInvitedMailed" : "guestInvitedPassOn",
                ["name": .text(invitation.name), "email": .text(invitation.email ?? ""), "date": .dateTime(invitation.expiresAt)])
            return try html(
                "guest-invited", title: words.text("guestInvitedTitle"), actor: actor, secret: secret,
                ["sentence": sentence, "link": publicOrigin(request) + path, "back": back], status: .created)
        } catch {
            let refused = try Self.refusal(error, among: [.invalid, .tooManyGuests, .notReady])
            // Back to where they were, with what they typed and why it was refused.
            var message = words.format(refused.message)
            if refused.kind == .invalid { message = refused.lineProblem(in: words) }
            let card = try await guestsCard(actor, secret, submission: id, back: back, error: message, form: form)
            return try html(
                "guest-refused", title: words.text("guestsTitle"), actor: actor, secret: secret, ["guests": card, "back": back],
                status: .unprocessableContent)
        }
    }

    private func withdrawGuest(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        var request = request
        let form = try await Self.form(&request, context)
        try requireToken(form, session: secret)
        try await app.guests.withdraw(actor, try context.id("guestId", of: .guest), of: try context.id("submissionId", of: .submission))
        return redirect((form["back"].flatMap(Self.localPath) ?? "/") + "#guests")
    }
}
