import Foundation
import Hummingbird
import ServiceLifecycle
import SteigerApp
import SteigerCore

/// The bell's pages: a person's notices (newest first, read and unread, each opening the page it
/// is about), their settings, and the live count the bell listens to (server-sent events). They
/// read and change through the `Notifications` use case.
extension WebPages {
    func registerNotifications(open: RouterGroup<AppContext>, signedIn: RouterGroup<AppContext>) {
        signedIn.get("/notifications") { request, context in try await pages(request, context).noticesPage(request) }
        signedIn.get("/notifications/live") { request, context in try pages(request, context).liveCount() }
        signedIn.get("/notifications/:noticeId") { request, context in try await pages(request, context).openNotice(context) }
        signedIn.post("/notifications/read") { request, context in try await pages(request, context).readAll(request, context) }
        signedIn.get("/settings/notifications") { request, context in try await pages(request, context).settingsPage(saved: false) }
        signedIn.post("/settings/notifications") { request, context in try await pages(request, context).saveSettings(request, context) }
        registerData(signedIn: signedIn)
        registerTeam(signedIn: signedIn)
    }

    /// The one-click unsubscribe of mails (RFC 8058): the mail provider POSTs from its own
    /// servers, so these routes take no session and no same-site check; the link's signature is
    /// the proof. GET asks first (a link followed by a scanner changes nothing).
    func registerUnsubscribe(on router: Router<AppContext>) {
        router.get("/unsubscribe") { request, context in try await pages(request, context).unsubscribe(request, context, confirmed: false) }
        router.post("/unsubscribe") { request, context in try await pages(request, context).unsubscribe(request, context, confirmed: true) }
    }

    private func unsubscribe(_ request: Request, _ context: AppContext, confirmed: Bool) async throws -> Response {
        var response: Response
        do {
            guard let user = request.query("u").flatMap(UserID.init), let target = request.query("k").flatMap(UnsubscribeTarget.init(name:)),
                let signature = request.query("s")
            else { throw Problem.notFound(.notice) }
            let name: String =
                switch target {
                case .kind(let kind): words.text("noticeKind.\(kind.rawValue)")
                case .digest: words.text("delivery.digest")
                }
            var values: [String: Any] = ["user": user.description, "kind": target.name, "signature": signature]
            if confirmed {
                try await app.notifications.unsubscribe(user: user, from: target, signature: signature)
                values["done"] = true
                values["doneText"] = words.text("unsubscribeDone", ["kind": .text(name)])
            } else {
                try await app.notifications.checkUnsubscribe(user: user, from: target, signature: signature)
                values["question"] = words.text("unsubscribeQuestion", ["kind": .text(name)])
            }
            response = try html("unsubscribe", title: words.text("unsubscribeTitle"), actor: nil, secret: nil, values)
        } catch {
            let problem = Problem(from: error)
            response = try html(
                "error", title: problem.title(in: words), actor: nil, secret: nil, ["detail": problem.detail(in: words)], status: problem.status)
        }
        response.headers[.contentLanguage] = words.language.rawValue
        for (name, value) in WebPages.securityHeaders where response.headers[name] == nil { response.headers[name] = value }
        return response
    }

    private func noticesPage(_ request: Request) async throws -> Response {
        let (actor, secret) = try signedIn()
        let page = try await app.notifications.list(actor, page: try request.pageRequest())
        let items: [[String: Any]] = page.items.map { notice in
            var values: [String: Any] = [
                "id": notice.id.description, "text": words.sentence(notice.message), "when": words.dateTime(notice.createdAt),
                "unread": !notice.isRead, "kind": notice.kind.rawValue,
            ]
            if let detail = notice.detail { values["detail"] = words.sentence(detail) }
            return values
        }
        var values: [String: Any] = ["notices": items, "anyNotices": !items.isEmpty, "anyUnread": unread > 0]
        if let next = page.next { values["next"] = "/notifications?cursor=" + next.text }
        return try html("notifications", title: words.text("notifications"), actor: actor, secret: secret, values)
    }

    /// Opens the page a notice is about and marks it read (a notice of someone else is not found).
    private func openNotice(_ context: AppContext) async throws -> Response {
        let (actor, _) = try signedIn()
        guard let id = context.parameters.get("noticeId").flatMap(NoticeID.init) else { throw Problem.notFound(.notice) }
        let notice = try await app.notifications.open(actor, id)
        return redirect(notice.link)
    }

    private func readAll(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let (actor, secret) = try signedIn()
        let form = try await Self.form(&request, context)
        try requireToken(form, session: secret)
        try await app.notifications.markRead(actor, ids: nil)
        return redirect("/notifications")
    }

    /// The bell's live count: an event `unread` with the number whenever it changes (at once for
    /// notices this process makes, within 15 seconds for others'), a comment line in between so
    /// proxies keep the connection; it ends after ten minutes, or when the server stops, and the
    /// browser reconnects.
    private func liveCount() throws -> Response {
        let (actor, _) = try signedIn()
        let notifications = app.notifications
        let bell = app.bell
        let body = ResponseBody { writer in
            let (wake, wakeUp) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { for await _ in bell.listen(actor.user.id) { wakeUp.yield() } }
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(15))
                        wakeUp.yield()
                    }
                }
                // A server that is stopping ends the stream (the browser reconnects to the next one).
                group.addTask {
                    try? await gracefulShutdown()
                    wakeUp.finish()
                }
                wakeUp.yield()
                let end = ContinuousClock.now + .seconds(600)
                var last = -1
                for await _ in wake {
                    guard ContinuousClock.now < end else { break }
                    let count = try await notifications.unreadCount(actor)
                    let text = count == last ? ": still here\n\n" : "retry: 5000\nevent: unread\ndata: \(count)\n\n"
                    last = count
                    try await writer.write(ByteBuffer(string: text))
                }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"], body: body)
    }

    private func settingsPage(saved: Bool, errors: [String: String] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let (actor, secret) = try signedIn()
        let settings = try await app.notifications.settings(actor)
        let hours = (0..<24).map { String(format: "%02d:00", $0) }
        func hourOptions(_ chosen: Int) -> [[String: Any]] {
            hours.enumerated().map { ["value": $0.offset, "label": $0.element, "selected": $0.offset == chosen] }
        }
        let kinds: [[String: Any]] = app.notifications.kinds(actor).map { kind in
            [
                "kind": kind.rawValue, "label": words.text("noticeKind.\(kind.rawValue)"),
                "choices": NoticeDelivery.allCases.map { delivery in
                    [
                        "value": delivery.rawValue, "label": words.text("delivery.\(delivery.rawValue)"),
                        "checked": settings.delivery(kind) == delivery, "id": "\(kind.rawValue)-\(delivery.rawValue)",
                    ]
                },
            ]
        }
        var values: [String: Any] = [
            "kinds": kinds, "digestHours": hourOptions(settings.digestHour), "quietStarts": hourOptions(settings.quietStart),
            "quietEnds": hourOptions(settings.quietEnd), "zones": Self.timeZones.map { ["name": $0, "isCurrent": $0 == settings.timeZone] },
            "deliveries": NoticeDelivery.allCases.map { words.text("delivery.\($0.rawValue)") },
            "saved": saved, "mailOff": app.settings.mail == nil,
        ]
        if let error = errors.values.first { values["error"] = error }
        return try html("notification-settings", title: words.text("noticeSettings"), actor: actor, secret: secret, values, status: status)
    }

    private func saveSettings(_ request: Request, _ context: AppContext) async throws -> Response {
        var request = request
        let (actor, secret) = try signedIn()
        let form = try await Self.form(&request, context)
        try requireToken(form, session: secret)
        var settings = try await app.notifications.settings(actor)
        settings.timeZone = form["timeZone"] ?? settings.timeZone
        for (field, keyPath) in [("digestHour", \NoticeSettings.digestHour), ("quietStart", \.quietStart), ("quietEnd", \.quietEnd)] {
            if let hour = form[field].flatMap(Int.init) { settings[keyPath: keyPath] = hour }
        }
        for kind in app.notifications.kinds(actor) {
            if let delivery = form["kind.\(kind.rawValue)"].flatMap(NoticeDelivery.init) { settings.deliveries[kind] = delivery }
        }
        do {
            try await app.notifications.setSettings(actor, settings)
        } catch let error as ValidationError {
            let problems = Dictionary(error.problems.map { ($0.field, words.format($0.message)) }, uniquingKeysWith: { first, _ in first })
            return try await settingsPage(saved: false, errors: problems, status: .unprocessableContent)
        }
        return try await pages(session: (actor, secret), zone: settings.timeZone).settingsPage(saved: true)
    }

    /// These pages after the person changed their time zone.
    private func pages(session: (Actor, String), zone: String) -> WebPages {
        var pages = self
        var actor = session.0
        actor.user.timeZone = zone
        pages.session = (actor, session.1)
        pages.words = words.zoned(actor)
        return pages
    }

    /// The time zones people choose from: every one the system knows, by name.
    static let timeZones: [String] = Set(TimeZone.knownTimeZoneIdentifiers + ["UTC"]).sorted()
}
