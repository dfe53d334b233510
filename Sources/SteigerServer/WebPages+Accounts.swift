import Foundation
import HTTPTypes
import Hummingbird
import SteigerApp
import SteigerCore

/// Accounts by e-mail: inviting people (one, or a list), accepting an invitation, "forgot
/// password", and confirming a new address. A link's page only shows what it will do; the link
/// is used by the form's POST, so a mail scanner that opens links does not spend it.
extension WebPages {
    func registerAccounts(open: RouterGroup<AppContext>, signedIn: RouterGroup<AppContext>) {
        signedIn.get("/invite") { request, context in try await pages(request, context).invitePage(request, results: nil) }
        signedIn.post("/invite") { request, context in try await pages(request, context).invite(request, context) }
        open.get("/password/forgot") { request, context in try await pages(request, context).forgotPage(sent: false) }
        open.post("/password/forgot") { request, context in try await pages(request, context).forgot(request, context) }
        for (path, purpose) in [("/welcome", AccountLinkPurpose.invitation), ("/password/reset", .passwordReset)] {
            open.get(RouterPath(path)) { request, context in
                try await pages(request, context).passwordLinkPage(purpose, secret: request.uri.queryParameters["t"].map(String.init) ?? "")
            }
            open.post(RouterPath(path)) { request, context in try await pages(request, context).usePasswordLink(purpose, request, context) }
        }
        open.get("/email/confirm") { request, context in
            try await pages(request, context).emailPage(secret: request.uri.queryParameters["t"].map(String.init) ?? "")
        }
        open.post("/email/confirm") { request, context in try await pages(request, context).confirmEmail(request, context) }
    }

    // MARK: - Inviting

    private func invitePage(_ request: Request, results: [InvitationResult]?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (actor, secret) = try signedIn()
        let choices = try await app.accounts.invitationChoices(actor)
        var values: [String: Any] = [
            "roles": choices.roles.map { ["value": $0.rawValue, "label": words.text("role.\($0.rawValue)")] },
            "cohorts": choices.cohorts.map { ["id": $0.id.description, "name": $0.name] },
            "anyCohort": choices.withoutCohort, "mailOff": !app.accounts.sendsMail,
            "languages": Language.allCases.map { ["code": $0.rawValue, "name": words.text("language.\($0.rawValue)")] },
        ]
        if let results {
            let origin = publicOrigin(request)
            values["results"] = results.map { result in
                var row: [String: Any] = [
                    "name": result.displayName, "email": result.email,
                    "refused": result.outcome == .refused,
                    "outcome": result.problem.map { words.format($0.message) + fieldProblems($0) }
                        ?? words.text("invitation.\(result.outcome.rawValue)"),
                ]
                if let line = result.line { row["line"] = line }
                if let link = result.link { row["link"] = origin + link }
                if let expires = result.expiresAt { row["expires"] = words.dateTime(expires) }
                return row
            }
            let refused = results.filter { $0.outcome == .refused }.count
            values["summary"] = words.text("invitationSummary", ["done": .integer(results.count - refused), "refused": .integer(refused)])
            values["hasLinks"] = results.contains { $0.link != nil }
        }
        return try html("invite", title: words.text("inviteTitle"), actor: actor, secret: secret, values, status: status)
    }

    /// The field problems of a refusal, after its text ("— e-mail: not an e-mail address").
    private func fieldProblems(_ error: AppError) -> String {
        error.errors.isEmpty ? "" : ": " + error.errors.map { words.format($0.message) }.joined(separator: "; ")
    }

    private func invite(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let (actor, secret) = try signedIn()
        let form = try await Self.form(&request, context, upTo: 1 << 20)
        try requireToken(form, session: secret)
        let cohort = form["cohort"].flatMap(CohortID.init)
        if form["mode"] == "list" {
            do {
                let results = try await app.accounts.invite(actor, csv: form["csv"] ?? "", defaultCohort: cohort)
                return try await invitePage(request, results: results)
            } catch let error as AppError where error.kind == .invalid {
                let result = InvitationResult(line: nil, email: "", displayName: "", outcome: .refused, problem: error)
                return try await invitePage(request, results: [result], status: .unprocessableContent)
            }
        }
        let invitee = Invitee(
            email: form["email"] ?? "", displayName: form["displayName"] ?? "", role: form["role"].flatMap(Role.init) ?? .learner,
            cohort: cohort, language: try? Accounts.language(named: form["language"] ?? ""))
        do {
            return try await invitePage(request, results: [try await app.accounts.invite(actor, invitee)])
        } catch {
            let problem = try Self.refusal(error, among: [.invalid, .emailTaken, .accountDisabled, .hasAccount])
            let result = InvitationResult(
                line: nil, email: invitee.email, displayName: invitee.displayName, outcome: .refused, problem: problem)
            return try await invitePage(request, results: [result], status: .unprocessableContent)
        }
    }

    /// Where links to this service start, as the browser reached it.
    func publicOrigin(_ request: Request) -> String {
        if let base = publicURL { return base.hasSuffix("/") ? String(base.dropLast()) : base }
        let scheme = cookies.secure ? "https" : "http"
        return "\(scheme)://\(request.head.authority ?? "localhost")"
    }

    // MARK: - Forgot password

    private func forgotPage(sent: Bool, email: String = "") async throws -> Response {
        var values: [String: Any] = ["sent": sent, "mailOff": !app.accounts.sendsMail, "email": email]
        if !sent { values["csrf"] = try await app.accounts.formToken() }
        return try html("password-forgot", title: words.text("forgotTitle"), actor: nil, secret: nil, values)
    }

    private func forgot(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        guard let token = form["_csrf"], try await app.accounts.isFormToken(token) else { throw Problem(.formExpired) }
        let email = form["email"] ?? ""
        try await app.accounts.requestPasswordReset(email: email, address: context.remoteAddress)
        // The same page whether or not the address has an account.
        return try await forgotPage(sent: true, email: email.trimmingCharacters(in: .whitespaces))
    }

    // MARK: - Links

    /// The page of an invitation or a reset link: who it is for and the form to choose a
    /// password; a link that no longer works says so and offers a new one.
    private func passwordLinkPage(
        _ purpose: AccountLinkPurpose, secret: String, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let keys =
            purpose == .invitation
            ? (title: "welcomeTitle", heading: "welcomeHeading", intro: "welcomeIntro", button: "welcomeButton", invalid: "welcomeInvalid")
            : (title: "resetTitle", heading: "resetHeading", intro: "resetIntro", button: "resetButton", invalid: "resetInvalid")
        let found: (link: AccountLink, user: User)
        do {
            found = try await app.accounts.accountLink(secret: secret)
            guard found.link.purpose == purpose else { throw AppError(.linkInvalid) }
        } catch let error as AppError where error.kind == .linkInvalid {
            return try html(
                "password-set", title: words.text("linkInvalidTitle"), actor: nil, secret: nil,
                ["invalid": true, "invalidText": words.text(keys.invalid)], status: .gone)
        }
        var values: [String: Any] = [
            "heading": words.text(keys.heading, ["name": .text(found.user.displayName)]),
            "intro": words.text(keys.intro, ["expires": .dateTime(found.link.expiresAt)]), "email": found.user.email,
            "action": purpose == .invitation ? "/welcome" : "/password/reset", "token": secret,
            "button": words.text(keys.button),
        ]
        if let error { values["error"] = error }
        return try html("password-set", title: words.text(keys.title), actor: nil, secret: nil, values, status: status)
    }

    private func usePasswordLink(_ purpose: AccountLinkPurpose, _ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let secret = form["t"] ?? ""
        let password = form["password"] ?? ""
        guard password == form["repeat"] else {
            return try await passwordLinkPage(purpose, secret: secret, error: words.text("passwordsDiffer"), status: .unprocessableContent)
        }
        do {
            let (session, actor) = try await app.accounts.usePasswordLink(
                purpose, secret: secret, password: password, address: context.remoteAddress, userAgent: request.headers[.userAgent])
            var response = redirect(Self.landing(for: actor))
            response.headers.append(contentsOf: cookies.fields(session))
            return response
        } catch let error as ValidationError {
            let text = error.problems.map { words.format($0.message) }.joined(separator: " ")
            return try await passwordLinkPage(purpose, secret: secret, error: text, status: .unprocessableContent)
        } catch let error as AppError where error.kind == .linkInvalid {
            return try await passwordLinkPage(purpose, secret: secret)
        }
    }

    private func emailPage(secret: String) async throws -> Response {
        do {
            let (link, user) = try await app.accounts.accountLink(secret: secret)
            guard link.purpose == .emailChange else { throw AppError(.linkInvalid) }
            return try html(
                "email-confirm", title: words.text("emailConfirmTitle"), actor: nil, secret: nil,
                [
                    "question": words.text("emailConfirmQuestion", ["name": .text(user.displayName), "email": .text(link.email)]),
                    "token": secret,
                ])
        } catch let error as AppError where error.kind == .linkInvalid {
            return try html(
                "email-confirm", title: words.text("linkInvalidTitle"), actor: nil, secret: nil,
                ["invalid": true, "invalidText": words.text("emailInvalid")], status: .gone)
        }
    }

    private func confirmEmail(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let secret = form["t"] ?? ""
        do {
            let user = try await app.accounts.confirmEmail(secret: secret)
            return try html(
                "email-confirm", title: words.text("emailConfirmTitle"), actor: nil, secret: nil,
                ["done": true, "doneText": words.text("emailConfirmed", ["email": .text(user.email)])])
        } catch let error as AppError where error.kind == .linkInvalid {
            return try await emailPage(secret: secret)
        }
    }
}
