import Foundation
import SteigerApp
import SteigerCore

/// Steiger's mails in the reader's language and time zone, from the catalogues and the mail
/// templates (`mail-notice.mustache` for the HTML; the text part is the same words, plain).
public struct WebMailTexts: MailTexts {
    let resources: WebResources
    let localization: Localization

    /// Reads the web app's files as the pages do.
    public init(defaultLanguage: Language) throws {
        resources = try WebResources.bundled()
        localization = resources.localization(defaultLanguage: defaultLanguage)
    }

    /// The reader's words: their language, their time zone.
    func words(for user: User) -> Localizer {
        var words = localization.words(user.language ?? localization.defaultLanguage)
        if let zone = TimeZone(identifier: user.timeZone) { words.timeZone = zone }
        return words
    }

    public func digest(_ notices: [(notice: Notice, page: String)], to user: User, links: MailLinks) -> MailContent {
        let words = words(for: user)
        let subject = words.text("digestSubject", ["count": .integer(notices.count)])
        let greeting = words.text("mailGreeting", ["name": .text(user.displayName)])
        let items: [[String: Any]] = notices.map { item in
            var values: [String: Any] = [
                "text": words.sentence(item.notice.message), "when": words.dateTime(item.notice.createdAt), "link": item.page,
            ]
            if let detail = item.notice.detail { values["detail"] = words.sentence(detail) }
            return values
        }
        var plain = [greeting, "", subject, ""]
        for item in items {
            plain.append("- \(item["text"] as? String ?? "") (\(item["when"] as? String ?? ""))")
            if let detail = item["detail"] as? String { plain.append("  \(detail)") }
            plain.append("  \(item["link"] as? String ?? "")")
        }
        plain += ["", "-- ", words.text("mailWhy"), "\(words.text("mailSettings")): \(links.settings)"]
        if let unsubscribe = links.unsubscribe { plain.append("\(words.text("digestUnsubscribe")): \(unsubscribe)") }
        var values: [String: Any] = [
            "language": words.language.rawValue, "greeting": greeting, "subject": subject, "items": items, "link": links.page,
            "settings": links.settings,
        ]
        if let unsubscribe = links.unsubscribe { values["unsubscribe"] = unsubscribe }
        return MailContent(
            subject: subject, text: plain.joined(separator: "\n") + "\n", html: resources.render("mail-digest", values, in: words) ?? "")
    }

    public func notice(_ notice: Notice, to user: User, links: MailLinks) -> MailContent {
        let words = words(for: user)
        let text = words.sentence(notice.message)
        let detail = notice.detail.map(words.sentence)
        let greeting = words.text("mailGreeting", ["name": .text(user.displayName)])
        let open = words.text("mailOpen")
        var plain = [greeting, "", text]
        if let detail { plain.append(detail) }
        plain += ["", "\(open): \(links.page)", "", "-- ", words.text("mailWhy"), "\(words.text("mailSettings")): \(links.settings)"]
        if let unsubscribe = links.unsubscribe { plain.append("\(words.text("mailUnsubscribe")): \(unsubscribe)") }
        var values: [String: Any] = [
            "language": words.language.rawValue, "greeting": greeting, "text": text, "link": links.page, "settings": links.settings,
        ]
        if let detail { values["detail"] = detail }
        if let unsubscribe = links.unsubscribe { values["unsubscribe"] = unsubscribe }
        let html = resources.render("mail-notice", values, in: words) ?? ""
        return MailContent(subject: text, text: plain.joined(separator: "\n") + "\n", html: html)
    }

    public func account(_ purpose: AccountLinkPurpose, to user: User, link: String, expires: Date, inviter: String?) -> MailContent {
        let keys =
            switch purpose {
            case .invitation:
                (
                    subject: "invitationSubject", text: inviter == nil ? "invitationTextNoInviter" : "invitationText", action: "invitationAction",
                    ignore: "invitationIgnore"
                )
            case .passwordReset: (subject: "resetSubject", text: "resetText", action: "resetAction", ignore: "resetIgnore")
            case .emailChange: (subject: "emailChangeSubject", text: "emailChangeText", action: "emailChangeAction", ignore: "emailChangeIgnore")
            }
        return linkMail(
            (keys.subject, keys.text, keys.action, "mailLinkExpires", keys.ignore), to: user, link: link,
            ["name": .text(user.displayName), "inviter": .text(inviter ?? ""), "expires": .dateTime(expires)])
    }

    public func guestInvitation(to guest: User, link: String, expires: Date, inviter: String, exercise: String) -> MailContent {
        linkMail(
            ("guestMailSubject", "guestMailText", "guestMailAction", "guestMailExpires", "guestMailIgnore"), to: guest, link: link,
            ["name": .text(guest.displayName), "inviter": .text(inviter), "expires": .dateTime(expires), "exercise": .text(exercise)])
    }

    /// A mail whose point is one link: its subject, text, the link under its action, until when
    /// it works, and what to do with an unexpected one.
    private func linkMail(
        _ keys: (subject: String, text: String, action: String, expiry: String, ignore: String), to user: User, link: String,
        _ arguments: [String: Message.Argument]
    ) -> MailContent {
        let words = words(for: user)
        let subject = words.text(keys.subject, arguments)
        let greeting = words.text("mailGreeting", ["name": .text(user.displayName)])
        let text = words.text(keys.text, arguments)
        let action = words.text(keys.action)
        let expiry = words.text(keys.expiry, arguments)
        let ignore = words.text(keys.ignore)
        let plain = [greeting, "", text, "", "\(action): \(link)", "", expiry, "", "-- ", ignore]
        let html = resources.render(
            "mail-account",
            [
                "language": words.language.rawValue, "subject": subject, "greeting": greeting, "text": text, "action": action, "link": link,
                "expiry": expiry, "ignore": ignore,
            ], in: words)
        return MailContent(subject: subject, text: plain.joined(separator: "\n") + "\n", html: html ?? "")
    }
}
