import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SteigerApp
import SteigerCore

/// The web app: server-rendered pages over the same use cases as the API, with small
/// scripts served from `/static` (no inline script, so the Content Security Policy forbids any).
/// Every form carries a CSRF token: the session's (derived from its secret) once signed in, a
/// random one tied to a cookie on the sign-in page.
struct WebPages: Sendable {
    /// The use cases: pages add no rules of their own and never touch the store.
    let app: Services
    let auth: AuthController
    let cookies: SessionCookies
    let localization: Localization
    let resources: WebResources
    /// Where this service's links start (`--public-url`, or the address it listens on); nil: as
    /// the browser reached it.
    var publicURL: String? = nil
    /// A video to make the sample programme from (nil: none is offered).
    var demoVideo: String? = nil
    /// The language of the page being answered (``pages(_:_:)`` sets it per request).
    var words = AppContext.untranslated
    /// The signed-in person and their session secret, once looked up for this request.
    var session: (actor: Actor, secret: String)?
    /// The address of the page being answered, where the language switch comes back to.
    var here = "/"
    /// The person's unread notices, the bell's number.
    var unread = 0
    static let loginCookie = "steiger_login_csrf"
    static let securityHeaders: [(HTTPField.Name, String)] = [
        (
            HTTPField.Name("Content-Security-Policy")!,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "media-src 'self' blob: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        ),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("Referrer-Policy")!, "same-origin"),
        (.cacheControl, "no-store"),
    ]

    /// Adds the pages and static files to `router`: the sign-in, language and sign-out pages for
    /// anyone, every other page behind the sign-in (``PageMiddleware``).
    func register(on router: Router<AppContext>) {
        let open = router.group().add(middleware: PageMiddleware(pages: self, signInRequired: false))
        let signedIn = router.group().add(middleware: PageMiddleware(pages: self, signInRequired: true))
        signedIn.get("/") { request, context in try await pages(request, context).home(request, context) }
        open.get("/login") { request, context in try await pages(request, context).loginForm(request, error: nil, email: "") }
        open.post("/login") { request, context in try await pages(request, context).login(request, context) }
        open.post("/language") { request, context in try await pages(request, context).chooseLanguage(request, context) }
        open.post("/logout") { request, context in try await pages(request, context).logout(request, context) }
        signedIn.get("/learn") { request, context in try await pages(request, context).learnerHome(request, context) }
        signedIn.get("/learn/exercises/:exerciseId") { request, context in try await pages(request, context).exercisePage(request, context) }
        signedIn.get("/learn/submissions/:submissionId") { request, context in try await pages(request, context).submissionPage(request, context) }
        signedIn.post("/learn/submissions/:submissionId/remove") { request, context in
            try await pages(request, context).removeAttempt(request, context)
        }
        signedIn.post("/learn/submissions/:submissionId/manager") { request, context in
            try await pages(request, context).shareWithManager(request, context)
        }
        signedIn.post("/learn/submissions/:submissionId/audience") { request, context in
            try await pages(request, context).setAudience(request, context)
        }
        registerExamples(signedIn: signedIn)
        registerReview(open: open, signedIn: signedIn)
        registerGuests(open: open, signedIn: signedIn)
        registerTransfers(signedIn: signedIn)
        registerJourney(signedIn: signedIn)
        registerDashboard(signedIn: signedIn)
        registerScaffolding(open: open, signedIn: signedIn)
        registerAdmin(open: open, signedIn: signedIn)
        registerWebhooks(open: open, signedIn: signedIn)
        registerNotifications(open: open, signedIn: signedIn)
        registerAccounts(open: open, signedIn: signedIn)
        registerUnsubscribe(on: router)
        router.get("/static/:name") { request, context in staticFile(request, context) }
    }

    // MARK: - Pages

    private func home(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        if Self.landing(for: actor) != "/" { return redirect(Self.landing(for: actor)) }
        var values: [String: Any] = [:]
        if actor.user.has(.admin) {
            // A new administrator's first steps, each ticked off once it is done.
            let overview = try await app.administration.overview(actor)
            let assigned = overview.exercises.first { !$0.cohorts.isEmpty }
            let steps: [(done: Bool, key: String, link: String)] = [
                (!overview.cohorts.isEmpty, "startCohort", "/admin#cohorts-title"),
                (!overview.exercises.isEmpty, "startExercise", "/admin/exercises/new"),
                (assigned != nil, "startAssign", overview.exercises.first.map { "/admin/exercises/\($0.id)" } ?? "/admin/exercises/new"),
                (overview.users.count > 1, "startInvite", "/invite"),
            ]
            if steps.contains(where: { !$0.done }) {
                values["steps"] = steps.map { ["done": $0.done, "text": words.text($0.key), "link": $0.link] }
                values["hasSteps"] = true
            }
        }
        if actor.user.has(.trainer), !actor.memberships.contains(where: { $0.part == .trainer }) { values["trainsNoCohort"] = true }
        return try html("home", title: words.text("welcome"), actor: actor, secret: secret, values)
    }

    private func loginForm(_ request: Request, error: String?, email: String, status: HTTPResponse.Status = .ok) async throws -> Response {
        let kept = request.cookies[Self.loginCookie]?.value.nonEmpty
        let token = if let kept, try await app.accounts.isFormToken(kept) { kept } else { try await app.accounts.formToken() }
        var values: [String: Any] = ["csrf": token, "email": email]
        if let error { values["error"] = error }
        var response = try html("login", title: words.text("signIn"), actor: nil, secret: nil, values, status: status)
        let cookie = Cookie(
            name: Self.loginCookie, value: token, maxAge: 3600, path: "/login", secure: cookies.secure,
            httpOnly: true, sameSite: .strict)
        response.headers.append(HTTPField(name: .setCookie, value: cookie.description))
        return response
    }

    private func login(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let email = form["email"] ?? ""
        // The form's token must be one this service issued, and the one this browser was given.
        guard let expected = request.cookies[Self.loginCookie]?.value.nonEmpty, form["_csrf"] == expected,
            try await app.accounts.isFormToken(expected)
        else {
            return try await loginForm(request, error: words.text("formExpired"), email: email, status: .forbidden)
        }
        do {
            let (secret, actor) = try await auth.signIn(email: email, password: form["password"] ?? "", request: request, context: context)
            var response = redirect(Self.landing(for: actor))
            response.headers.append(contentsOf: cookies.fields(secret))
            return response
        } catch let error as AppError {
            let problem = Problem(error)
            let key =
                switch problem.status.code {
                case 429: "signInThrottled"
                case 403: "signInDisabled"
                default: "signInFailed"
                }
            return try await loginForm(request, error: words.text(key), email: email, status: problem.status)
        }
    }

    /// The language switch: kept with the person's account once signed in (the form carries the
    /// session's token), and in a cookie for this browser either way; then back to the page.
    private func chooseLanguage(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let language = form["language"].flatMap(Language.init(code:))
        guard language != nil || form["language"] == "auto" else {
            throw Problem.invalid(ValidationError(field: "language", Message("validation.language")))
        }
        if let (actor, secret) = session {
            try requireToken(form, session: secret)
            try await app.accounts.setLanguage(actor, language)
        }
        let back = form["back"].flatMap(Self.localPath) ?? "/"
        var response = redirect(back)
        let cookie = Cookie(
            name: Localization.cookie, value: language?.rawValue ?? "", maxAge: language == nil ? 0 : 365 * 24 * 3600, path: "/",
            secure: cookies.secure, httpOnly: true, sameSite: .lax)
        response.headers.append(HTTPField(name: .setCookie, value: cookie.description))
        return response
    }

    private func logout(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        guard let secret = request.cookies[SessionCookies.session]?.value.nonEmpty else { return redirect("/login") }
        try requireToken(form, session: secret)
        try await app.accounts.signOut(session: secret)
        var response = redirect("/login")
        response.headers.append(contentsOf: cookies.fields(""))
        return response
    }

    private func learnerHome(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let items = MyScaffoldingView.list(try await app.scaffolding.overview(actor), words: words)
        let exercises: [[String: Any]] = items.map { item in
            var values: [String: Any] = [
                "id": item.exerciseId, "title": item.title, "flagged": item.standing.flagged,
                // How much help, not a mark: "Support: Checklist — 1 of 3 levels of help", drawn as rungs.
                "supportLine": words.text(
                    "supportLevel",
                    ["name": .text(item.standing.levelName), "level": .integer(item.standing.level), "top": .integer(item.standing.top)]),
                "rungs": (0..<item.standing.top).map { ["on": $0 < item.standing.level] },
            ]
            if let sentence = item.standing.lastTransition?.sentence { values["lastChange"] = sentence }
            if let note = purposeNote(item.purpose, days: item.standing.checkDays) { values["purposeNote"] = note }
            return values
        }
        let tasks: [[String: Any]] = try await app.reviewDesk.assignedEntries(actor).map { entry in
            var values: [String: Any] = [
                "id": entry.task.id.description, "exercise": entry.exerciseTitle,
                "learner": entry.task.kind == .selfReview ? words.text("selfReview") : entry.learnerName,
            ]
            if let due = entry.task.dueAt { values["due"] = words.dateTime(due) }
            return values
        }
        // Until the first attempt, a short guide to how practising goes.
        let made =
            exercises.isEmpty
            ? [] : try await app.submissions.list(actor, filter: SubmissionFilter(learner: actor.user.id), page: PageRequest(limit: 1)).items
        let firstSteps = !exercises.isEmpty && made.isEmpty
        // Peers give as well as take: what they gave and received, once there is any.
        let peers = try await app.reviewDesk.peerBalance(actor)
        let arguments: [String: Message.Argument] = [
            "count": .integer(peers.given), "received": .integer(peers.received), "owed": .integer(-peers.balance),
        ]
        let balance: Any =
            if peers.given + peers.received == 0 {
                false
            } else if peers.balance < 0 {
                words.text("peerBalanceOwed", arguments)
            } else {
                words.text("peerBalanceEven", arguments)
            }
        let transfers = transferItems(try await app.transfers.mine(actor, reviewed: false), withNames: false)
        return try html(
            "learn", title: words.text("myExercises"), actor: actor, secret: secret,
            [
                "exercises": exercises, "tasks": tasks, "hasTasks": !tasks.isEmpty, "firstSteps": firstSteps, "peerBalance": balance,
                "transfers": transfers, "hasTransfers": !transfers.isEmpty,
            ])
    }

    private func exercisePage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let exercise = try await app.exercises.practised(actor, try context.id("exerciseId", of: .exercise))
        let supports = SupportsView(try await app.scaffolding.supports(actor, on: exercise), words: words)
        let attempts = try await app.submissions.attempts(actor, at: exercise.id)
        // What the exercise allows before recording: a time limit, how many takes.
        let rules = exercise.review
        var ruleLines: [String] = []
        if let limit = rules.timeLimitSeconds { ruleLines.append(words.text("attemptRulesLimit", ["time": .text(Self.clock(limit))])) }
        if let retakes = rules.retakes {
            ruleLines.append(retakes == 0 ? words.text("attemptRulesNoRetake") : words.text("attemptRulesRetakes", ["count": .integer(retakes)]))
        }
        var values: [String: Any] = [
            "id": exercise.id.description, "title": exercise.title, "instructions": exercise.instructions,
            "stimulus": Self.stimulus(exercise.stimulus),
            "levelName": supports.purpose == .kickOff ? words.text("kickOffLevel") : supports.standing.levelName,
            "supports": supports.current.supports.map(Self.support),
            "purposeNote": purposeNote(supports.purpose, days: supports.standing.checkDays) ?? false,
            "developmentPoints": supports.standing.developmentPoints.isEmpty
                ? false
                : words.text(
                    "developmentPointsLine", ["points": .list(supports.standing.developmentPoints.map { .text($0.title) })]),
            "attempts": attempts.map { attempt in
                [
                    "id": attempt.id.description, "attempt": attempt.attempt, "statusText": statusText(attempt.status),
                    "failed": attempt.status == .failed, "audienceTag": audienceTag(attempt.audience),
                    "purposeTag": attempt.purpose == .practice ? false : words.text("purposeTag." + attempt.purpose.rawValue),
                    "removeLabel": words.text("removeAttemptOf", ["attempt": .integer(attempt.attempt)]),
                ] as [String: Any]
            },
            "nextAttempt": (attempts.map(\.attempt).max() ?? 0) + 1, "ruleLines": ruleLines,
            // Who may watch the take, chosen before it is sent when the exercise offers a choice
            // (the library comes afterwards, with consent, on the attempt itself).
            "audienceChoices": exercise.audiences.filter { !$0.needsConsent }.map { audience in
                [
                    "value": audience.rawValue, "label": words.text("audience." + audience.rawValue),
                    "hint": words.text("audienceHint." + audience.rawValue), "checked": audience == exercise.defaultAudience,
                ] as [String: Any]
            },
            "hasAudienceChoice": exercise.audiences.filter { !$0.needsConsent }.count > 1,
            "timeLimit": rules.timeLimitSeconds.map(String.init) ?? "", "retakes": rules.retakes.map(String.init) ?? "",
            "history": supports.history, "hasHistory": !supports.history.isEmpty,
            "uploadText": try Self.json(words.messages.filter { $0.key.hasPrefix("upload") || $0.key == "modelVideoUnavailable" }),
        ]
        let removed = request.uri.queryParameters["removed"].flatMap { Int(String($0)) }
        if let removed { values["message"] = words.text("attemptRemoved", ["attempt": .integer(removed)]) }
        return try html("exercise", title: exercise.title, actor: actor, secret: secret, values)
    }

    /// What the learner's next attempt is for, when it is not practice: the kick-off, or a recheck.
    func purposeNote(_ purpose: AttemptPurpose, days: Int?) -> String? {
        switch purpose {
        case .practice: nil
        case .kickOff: words.text("purposeNote.kick-off")
        case .recheck: days.map { words.text("purposeNote.recheck", ["days": .integer($0)]) } ?? words.text("purposeNote.recheckSoon")
        }
    }

    /// The word beside an attempt in a list for an audience worth pointing out: practice, or in the library.
    func audienceTag(_ audience: Audience) -> Any {
        switch audience {
        case .onlyMe: words.text("audienceTag.private")
        case .cohort: words.text("audienceTag.cohort")
        case .trainers, .peers: false
        }
    }

    /// "2:00" for 120 seconds.
    static func clock(_ seconds: Int) -> String { "\(seconds / 60):" + String(format: "%02d", seconds % 60) }

    private func removeAttempt(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        let (submission, exercise) = try await app.submissions.own(actor, try context.id("submissionId", of: .attempt))
        try await app.submissions.removeFailed(actor, submission.id)
        return redirect("/learn/exercises/\(exercise.id)?removed=\(submission.attempt)")
    }

    private func submissionPage(_ request: Request, _ context: AppContext) async throws -> Response {
        let (actor, secret) = try signedIn()
        let saved = request.uri.queryParameters["audience"] == "saved"
        return try await attemptPage(
            actor, secret, try context.id("submissionId", of: .attempt), message: saved ? words.text("audienceSaved") : nil)
    }

    /// The learner's own attempt: its recording, who may watch it, and the feedback on it.
    func attemptPage(
        _ actor: Actor, _ secret: String, _ id: SubmissionID, message: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let (submission, exercise) = try await app.submissions.own(actor, id)
        var values: [String: Any] = [
            "id": submission.id.description, "attempt": submission.attempt, "exerciseId": exercise.id.description,
            "exerciseTitle": exercise.title, "statusText": statusText(submission.status),
            "statusTexts": try Self.json(attemptTexts(exercise)),
        ]
        if submission.status != .failed {
            values["audience"] = try await audienceCard(actor, submission, exercise, message: message, error: error)
            values["guests"] = try await guestsCard(actor, secret, submission: id, back: "/learn/submissions/\(id)")
        }
        return try html(
            "submission", title: "\(exercise.title) · \(words.text("attempt")) \(submission.attempt)", actor: actor, secret: secret, values,
            status: status)
    }

    /// The texts the attempt and example pages' scripts need: statuses, review kinds, scores in words.
    func attemptTexts(_ exercise: Exercise) -> [String: String] {
        var texts = Dictionary(uniqueKeysWithValues: Submission.Status.allCases.map { ($0.rawValue, statusText($0)) })
        for key in ["trainerReview", "peerReview", "selfReview", "reply", "replyLabel", "sendReply", "playFrom"] { texts[key] = words.text(key) }
        texts["guestReview"] = words.messages["guestReview"] ?? "{name}"
        texts["managerReview"] = words.messages["managerReview"] ?? "{name}"
        texts["failedGeneric"] = words.text("failed")
        for (key, text) in words.messages where ["scoreStep", "scoreTotal.one", "scoreTotal.other"].contains(key) || key.hasPrefix("tag.") {
            texts[key] = text
        }
        texts["passMark"] = passMark(exercise.policy.masteryThreshold)
        return texts
    }

    /// Who may watch an attempt and the form to change it: the audiences its exercise offers
    /// (those below what it was sent for review with cannot be chosen), the consent the library
    /// needs in the words that are recorded, and the consents given so far.
    private func audienceCard(
        _ actor: Actor, _ submission: Submission, _ exercise: Exercise, message: String?, error: String?
    ) async throws
        -> [String: Any]
    {
        let offered = exercise.audiences.contains(submission.audience) ? exercise.audiences : exercise.audiences + [submission.audience]
        let options: [[String: Any]] = offered.sorted().map { audience in
            let open = audience == submission.audience || (try? exercise.checkAudienceChange(of: submission, to: audience, consented: true)) != nil
            return [
                "value": audience.rawValue, "label": words.text("audience." + audience.rawValue),
                "hint": open ? words.text("audienceHint." + audience.rawValue) : words.text("audienceHintSent"),
                "checked": audience == submission.audience, "disabled": !open,
            ]
        }
        var card: [String: Any] = [
            "now": words.text("audienceNow", ["audience": .text(words.text("audience." + submission.audience.rawValue))]),
            "options": options, "canChange": options.filter { $0["disabled"] as? Bool == false }.count > 1,
            "offersLibrary": offered.contains(.cohort), "inLibrary": submission.audience == .cohort,
            "consentText": words.consentWording(withFeedback: false), "feedbackText": words.text("consent.feedback"),
            "sharesFeedback": submission.sharesFeedback,
        ]
        if submission.audience == .cohort {
            card["libraryState"] =
                submission.isInLibrary(of: exercise)
                ? words.text("libraryShown")
                : submission.awaitsApproval(in: exercise)
                    ? words.text("libraryWaitsApproval")
                    : exercise.review.cohortLibrary ? words.text("libraryWhenReady") : words.text("libraryClosed")
        }
        let consents = try await app.submissions.consents(actor, submission.id)
        card["consents"] = consents.reversed().map { consent in
            var line = words.text("consentGiven", ["when": .text(words.dateTime(consent.givenAt)), "wording": .text(consent.wording)])
            if let withdrawn = consent.withdrawnAt {
                line += " " + words.text("consentWithdrawn", ["when": .text(words.dateTime(withdrawn))])
            }
            return line
        }
        card["hasConsents"] = !consents.isEmpty
        // The learner's managers watch it only when the learner lets them (a practice take: never).
        let managers = try await app.team.managers(actor, of: actor.user.id)
        if !managers.isEmpty, submission.audience != .onlyMe {
            let names: Message.Argument = .list(managers.map { .text($0.displayName) })
            card["managerNames"] = true
            card["managerNext"] = submission.sharedWithManager ? "false" : "true"
            card["managerState"] = words.text(submission.sharedWithManager ? "managerShared" : "managerNotShared", ["names": names])
            card["managerButton"] = words.text(submission.sharedWithManager ? "managerUnshare" : "managerShare", ["names": names])
        }
        if let message { card["message"] = message }
        if let error { card["error"] = error }
        return card
    }

    private func shareWithManager(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        let id: SubmissionID = try context.id("submissionId", of: .attempt)
        let shared = form["shared"] == "true"
        _ = try await app.submissions.shareWithManager(actor, id, shared: shared)
        return try await attemptPage(actor, secret, id, message: words.text(shared ? "managerSharedNow" : "managerUnsharedNow"))
    }

    private func setAudience(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let form = try await Self.form(&request, context)
        let (actor, secret) = try signedIn()
        try requireToken(form, session: secret)
        let id: SubmissionID = try context.id("submissionId", of: .attempt)
        let feedback = form["feedback"] != nil
        do {
            guard let audience = form["audience"].flatMap(Audience.init(rawValue:)) else { throw AppError(.audienceNotOffered) }
            _ = try await app.submissions.setAudience(
                actor, id,
                .init(
                    audience: audience, consented: form["consent"] != nil, wording: words.consentWording(withFeedback: feedback),
                    sharesFeedback: feedback))
        } catch let refused as AppError where [.audienceNotOffered, .consentNeeded, .audienceSent].contains(refused.kind) {
            return try await attemptPage(actor, secret, id, error: words.format(refused.message), status: .unprocessableContent)
        }
        return redirect("/learn/submissions/\(id)?audience=saved")
    }

    // MARK: - Helpers

    /// Where a person lands after signing in: a learner and nothing else goes straight to their
    /// exercises, everyone else to the page of links for their roles.
    static func landing(for actor: Actor) -> String {
        if let guest = actor.guest { return guestPages(guest)[0] }
        if actor.user.has(.trainer) || actor.user.has(.admin) { return "/" }
        if actor.user.has(.learner) { return "/learn" }
        return actor.user.has(.manager) ? "/team" : "/"
    }

    /// The pages a guest reviewer opens: their review first, then choosing a language and leaving.
    static func guestPages(_ guest: GuestInvitation) -> [String] { ["/review/\(guest.taskID)", "/language", "/logout", "/guest"] }

    /// `path` if it is a path on this site to send a browser back to: it starts with one `/`,
    /// and holds no backslash, space or control character (browsers drop tabs and newlines from
    /// an address, so `/\t/evil.example` would take them to `//evil.example`); otherwise nil.
    static func localPath(_ path: String) -> String? {
        guard path.hasPrefix("/"), !path.hasPrefix("//"),
            path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" && !$0.properties.isWhitespace })
        else { return nil }
        return path
    }

    /// `error` as the refusal a form shows on its own page when it is one of `kinds`; any other error is thrown on (to the error page).
    static func refusal(_ error: any Error, among kinds: Set<ProblemKind>) throws -> AppError {
        let refused = AppError(from: error)
        guard kinds.contains(refused.kind) else { throw error }
        return refused
    }

    /// Refuses a form of a signed-in page that does not carry the session's token.
    func requireToken(_ form: [String: String], session secret: String) throws {
        guard form["_csrf"] == SessionCookies.csrfToken(session: secret) else { throw Problem(.formExpired) }
    }

    /// A value as JSON text, for the `data-` attributes that carry what page scripts need.
    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// These pages for one request: in the language ``PageMiddleware`` chose, for the person it
    /// found, coming back to this page after a language switch.
    func pages(_ request: Request, _ context: AppContext) -> WebPages {
        var pages = self
        // Every time on a page is in the person's own time zone.
        pages.words = context.actor.map(context.words.zoned) ?? context.words
        pages.unread = context.unreadNotices
        if case .session(let secret) = context.credential, let actor = context.actor { pages.session = (actor, secret) }
        let route = context.endpointPath ?? "/"
        pages.here =
            request.method == .get
            ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : route.contains("{") || route.contains(":") ? "/" : route
        return pages
    }

    private func staticFile(_ request: Request, _ context: AppContext) -> Response {
        guard let name = context.parameters.get("name"), let file = resources.files[name] else {
            return Response(status: .notFound)
        }
        var headers: HTTPFields = [
            .contentType: file.contentType, .eTag: file.etag, .cacheControl: "no-cache",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        if request.headers[.ifNoneMatch] == file.etag { return Response(status: .notModified, headers: headers) }
        headers[.contentLength] = String(file.bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    /// The signed-in person and their session secret (pages behind the sign-in always have them).
    func signedIn() throws(Problem) -> (Actor, String) {
        guard let session else { throw Problem.unauthenticated() }
        return session
    }

    func html(
        _ template: String, title: String, actor: Actor?, secret: String?, _ values: [String: Any],
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        var context = values
        context["pageTitle"] = title
        context["language"] = words.language.rawValue
        context["languages"] = Language.allCases.map { language in
            ["code": language.rawValue, "name": words.text("language.\(language.rawValue)"), "current": language == words.language]
        }
        context["here"] = here
        if let actor, let secret {
            context["user"] = [
                "displayName": actor.user.displayName, "isLearner": actor.user.has(.learner), "isTrainer": actor.user.has(.trainer),
                "isAdmin": actor.user.has(.admin), "isManager": actor.user.has(.manager), "csrf": SessionCookies.csrfToken(session: secret),
                "isGuest": actor.guest != nil,
                "canUseLibrary": AccessPolicy.decide(actor, .view, .mediaLibrary) == .allow,
                // Trainers reach the examples from their lists' tabs (the bar has no room for it on a phone).
                "seesExamples": actor.memberships.contains { $0.part == .learner },
            ]
            context["displayName"] = actor.user.displayName
            context["isLearner"] = actor.user.has(.learner)
            context["isTrainer"] = actor.user.has(.trainer)
            context["isAdmin"] = actor.user.has(.admin)
            if context["csrf"] == nil { context["csrf"] = SessionCookies.csrfToken(session: secret) }
            context["userId"] = actor.user.id.description
            if unread > 0 { context["unread"] = unread }
            context["bellLabel"] =
                unread > 0 ? words.text("bellLabel", ["count": .integer(unread)]) : words.text("bellLabelNone")
        }
        guard let text = resources.render(template, context, in: words) else { throw Problem(.internal) }
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    private func statusText(_ status: Submission.Status) -> String {
        switch status {
        case .uploading: words.text("statusUploading")
        case .processing: words.text("statusProcessing")
        case .ready: words.text("statusReady")
        case .reviewed: words.text("statusReviewed")
        case .failed: words.text("statusFailed")
        }
    }

    /// The clip an exercise gives to respond to, shown as a model video is (false when there is
    /// none, which a template's section skips).
    static func stimulus(_ reference: String?) -> Any {
        Exercise.clip(reference).map { support(.modelVideo($0)) } ?? false
    }

    static func support(_ support: ScaffoldLadder.Support) -> [String: Any] {
        var values: [String: Any] = ["kind": support.kind]
        switch support {
        case .modelVideo(let reference):
            if let item = MediaItem.named(by: reference) {
                // A video of the library: its rendition and poster, under the library's permissions.
                values["isModelVideo"] = true
                values["reference"] = "/api/v1/media-items/\(item)/rendition"
                values["poster"] = "/api/v1/media-items/\(item)/poster.jpg"
            } else {
                let lower = reference.lowercased()
                values[
                    lower.hasPrefix("https://") || lower.hasPrefix("http://") || (lower.hasPrefix("/") && !lower.hasPrefix("//"))
                        ? "isModelVideo" : "isText"] = true
                values["reference"] = reference
                values["text"] = reference
            }
        case .script(let text):
            values["isScript"] = true
            values["text"] = text
        case .text(let text):
            values["isText"] = true
            values["text"] = text
        case .prompts(let items):
            values["isPrompts"] = true
            values["items"] = items
        case .checklist(let items):
            values["isChecklist"] = true
            values["items"] = items
        }
        return values
    }

    /// A form body (`application/x-www-form-urlencoded`, at most `limit` bytes: 64 KiB unless
    /// the form carries a list) as fields.
    static func form(_ request: inout Request, _ context: AppContext, upTo limit: Int = 64 * 1024) async throws -> [String: String] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw Problem(.tooLarge)
        }
        return try formFields(String(buffer: buffer))
    }

    /// Decodes `a=1&b=x+y%21` with Hummingbird's form decoder. A form whose escapes are broken or
    /// that holds U+0000 (no database stores it as text) is a bad request (browsers send neither).
    static func formFields(_ text: String) throws(Problem) -> [String: String] {
        guard !text.isEmpty else { return [:] }
        guard let fields = try? URLEncodedFormDecoder().decode([String: String].self, from: text),
            !fields.contains(where: { $0.key.contains("\u{0}") || $0.value.contains("\u{0}") })
        else { throw Problem(.badRequest) }
        return fields
    }
}

extension String {
    /// The string, or nil when it is empty.
    var nonEmpty: String? { isEmpty ? nil : self }
}

/// What every page shares: the person behind the session cookie (with their own language, which
/// beats the cookie's, the browser's and the default), the sign-in for the pages that need it
/// (a redirect to `/login`), the security headers, and problems shown as a plain error page.
struct PageMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let pages: WebPages
    let signInRequired: Bool

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        var response: Response
        do {
            // A form posted from another site's page is refused, whatever token it carries.
            if request.method != .get, request.method != .head, pages.cookies.isCrossSite(request) { throw Problem(.crossSite) }
            if let secret = request.cookies[SessionCookies.session]?.value.nonEmpty, let actor = try await pages.app.accounts.actor(session: secret) {
                context.actor = actor
                context.credential = .session(secret: secret)
                if let language = actor.user.language { context.words = pages.localization.words(language) }
                context.words = context.words.zoned(actor)
                context.unreadNotices = (try? await pages.app.notifications.unreadCount(actor)) ?? 0
            }
            if signInRequired, context.actor == nil {
                response = pages.redirect("/login")
            } else if let guest = context.actor?.guest, !WebPages.guestPages(guest).contains(request.uri.path) {
                // A guest reviewer's pages are their review (and the way out); everything else leads back to it.
                response = pages.redirect(WebPages.guestPages(guest)[0])
            } else {
                response = try await next(request, context)
            }
        } catch {
            let problem = Problem(from: error)
            if problem.status.code >= 500 { context.logger.error("page failed", metadata: ["error": "\(String(reflecting: error))"]) }
            let page = pages.pages(request, context)
            response =
                (try? page.html(
                    "error", title: problem.title(in: page.words), actor: nil, secret: nil, ["detail": problem.detail(in: page.words)],
                    status: problem.status)) ?? Response(status: problem.status)
        }
        response.headers[.contentLanguage] = context.words.language.rawValue
        for (name, value) in WebPages.securityHeaders where response.headers[name] == nil { response.headers[name] = value }
        return response
    }
}
