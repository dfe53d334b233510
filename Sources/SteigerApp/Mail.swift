import Crypto
import Foundation
import Logging
import ServiceLifecycle
import SteigerCore
import SteigerStore

/// What a mail says: its subject, and its body as plain text and as HTML.
public struct MailContent: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String

    public init(subject: String, text: String, html: String) {
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// The words of Steiger's mails, in the reader's language (the web layer writes them from its
/// catalogues and templates).
public protocol MailTexts: Sendable {
    /// One notice as a mail to `user`; `links` are absolute addresses.
    func notice(_ notice: Notice, to user: User, links: MailLinks) -> MailContent
    /// The daily summary of `notices` (oldest first), each with the absolute address of its page.
    func digest(_ notices: [(notice: Notice, page: String)], to user: User, links: MailLinks) -> MailContent
    /// A mail with an account link (an invitation from `inviter`, a password reset, a new
    /// address to confirm) to `user`, valid until `expires`.
    func account(_ purpose: AccountLinkPurpose, to user: User, link: String, expires: Date, inviter: String?) -> MailContent
    /// The mail that invites a guest to review an attempt of `exercise` through `link`.
    func guestInvitation(to guest: User, link: String, expires: Date, inviter: String, exercise: String) -> MailContent
}

/// The addresses a mail links to.
public struct MailLinks: Sendable, Equatable {
    /// The page the mail is about.
    public var page: String
    /// The page of the person's notification settings.
    public var settings: String
    /// One click switches this kind of mail off (RFC 8058); nil for mails that cannot be switched off.
    public var unsubscribe: String?
}

/// How Steiger sends e-mail: the server, the public address links start with, and the words.
public struct MailSettings: Sendable {
    public var smtp: SMTPSettings
    /// The service's public address (`https://steiger.example.org`), without a trailing slash.
    public var publicURL: String
    public var texts: any MailTexts
    /// Mails sent per connection at most; the pause between looks when nothing is due.
    public var batch = 50
    public var pollInterval: Duration = .seconds(2)
    /// A mail not taken within this time after it was queued fails.
    public var giveUpAfter: TimeInterval = 24 * 3600
    /// The first wait before a mail is tried again (doubling after each failure, at most an hour).
    public var retryBase: TimeInterval = 60
    /// The pause between looks for daily summaries that are due.
    public var digestInterval: Duration = .seconds(30)

    public init(smtp: SMTPSettings, publicURL: String, texts: any MailTexts) {
        self.smtp = smtp
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.texts = texts
    }

    /// The wait before try `attempt` (1, 2, …): ``retryBase``, doubling, at most an hour.
    public func backoff(attempt: Int) -> TimeInterval {
        min(retryBase * pow(2, Double(max(attempt - 1, 0))), max(3600, retryBase))
    }
}

/// Messages as mail servers take them: RFC 5322 headers, a multipart/alternative body of text
/// and HTML in UTF-8 (base64), and the one-click unsubscribe headers of RFC 8058.
public enum MailMessage {
    /// The whole message with CRLF line ends; `id` becomes the Message-ID's local part.
    public static func compose(
        id: String, from: String, fromName: String, to: String, toName: String?, content: MailContent, unsubscribe: String?, date: Date
    ) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "steiger.invalid"
        let boundary = "steiger-" + id
        var headers = [
            "From: \(address(from, name: fromName))",
            "To: \(address(to, name: toName))",
            "Subject: \(encodedWord(content.subject, phrase: false))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(id)@\(domain)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        if let unsubscribe {
            headers.append("List-Unsubscribe: <\(unsubscribe)>")
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        var lines = headers + [""]
        for (type, body) in [("text/plain", content.text), ("text/html", content.html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += base64Lines(body)
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// `message` with its Date header set to `date` (the moment it is handed to the server, not
    /// the one it was queued at: a mail held over quiet hours reads as this morning's).
    public static func dated(_ message: String, _ date: Date) -> String {
        guard let end = message.range(of: "\r\n\r\n") else { return message }
        let lines = message[..<end.lowerBound].components(separatedBy: "\r\n").map {
            $0.hasPrefix("Date: ") ? "Date: \(rfc5322Date(date))" : $0
        }
        return lines.joined(separator: "\r\n") + message[end.lowerBound...]
    }

    static func address(_ address: String, name: String?) -> String {
        guard let name, !name.isEmpty else { return "<\(address)>" }
        return "\(encodedWord(name)) <\(address)>"
    }

    /// A header text as is when it is plain ASCII (in a name: without the specials of RFC 5322
    /// either), else as an RFC 2047 word.
    static func encodedWord(_ text: String, phrase: Bool = true) -> String {
        let specials = phrase ? "\"=?<>()@,;:\\".unicodeScalars : "=?".unicodeScalars
        let plain = text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 && $0.value < 127 && !specials.contains($0) }
        guard !plain else { return text }
        // Encoded words of at most 75 characters (45 bytes of text each), whole characters in
        // each, on folded lines.
        var words: [String] = []
        var chunk = ""
        for character in text {
            if chunk.utf8.count + String(character).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString()
        return stride(from: 0, to: encoded.count, by: 76).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            return String(encoded[from..<(encoded.index(from, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
        }
    }

    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(
            format: "%@, %02d %@ %04d %02d:%02d:%02d +0000", days[(parts.weekday ?? 1) - 1], parts.day ?? 1, months[(parts.month ?? 1) - 1],
            parts.year ?? 1970, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }
}

/// Signed one-click unsubscribe links: the person and the kind of mail, with an HMAC under a key
/// every server process shares, so no one can switch off another person's mail by guessing.
public struct UnsubscribeLinks: Sendable {
    let key: [UInt8]

    /// The key kept in the store under `mail-unsubscribe`, read once into `cache`.
    static func load(from store: Store, cache: SharedKey) async throws -> UnsubscribeLinks {
        UnsubscribeLinks(key: Array(try await cache.load { Data(try await store.serverKey(named: "mail-unsubscribe").utf8) }))
    }

    /// The signature of `user` and `target`.
    public func signature(user: UserID, target: UnsubscribeTarget) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("unsubscribe:\(user):\(target.name)".utf8), using: SymmetricKey(data: key))
        return SecretToken.base64URL(Data(mac))
    }

    /// The address of the link, under `base`.
    public func link(base: String, user: UserID, target: UnsubscribeTarget) -> String {
        "\(base)/unsubscribe?u=\(user)&k=\(target.name)&s=\(signature(user: user, target: target))"
    }

    /// Whether `signature` is the one of `user` and `target`.
    public func isValid(_ signature: String, user: UserID, target: UnsubscribeTarget) -> Bool {
        SecretToken.matches(signature, self.signature(user: user, target: target))
    }
}

/// What a one-click link switches off: one kind of mail, or the daily summary (every kind in it).
public enum UnsubscribeTarget: Sendable, Equatable {
    case kind(NoticeKind)
    case digest

    /// As the link names it: the kind's name, or `digest`.
    public var name: String {
        switch self {
        case .kind(let kind): kind.rawValue
        case .digest: "digest"
        }
    }

    public init?(name: String) {
        if name == "digest" {
            self = .digest
        } else if let kind = NoticeKind(rawValue: name) {
            self = .kind(kind)
        } else {
            return nil
        }
    }
}

/// Sends the queued mails: claims those that are due, sends them over one connection, and
/// records each one's outcome as soon as the server answered it, so a mailer that stops
/// mid-batch sends again only what the server had not taken (a mail whose answer was lost is
/// sent again with the same Message-ID). A server that cannot be reached or answers 4xx is tried
/// again after a minute, doubling up to an hour, for a day; a 5xx for an address marks the
/// address refused (the administrator sees it) and fails the mails to it.
public struct Mailer: Service {
    let store: Store
    let settings: MailSettings
    let logger: Logger
    let now: @Sendable () -> Date
    let owner: String

    public init(store: Store, settings: MailSettings, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.now = now
        owner = "mailer-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var busy = false
            do {
                // A server that is stopping does not wait for a slow mail server.
                busy = try await cancelWhenGracefulShutdown { try await sendDue() } > 0
            } catch {
                if !Task.isCancelled && !Task.isShuttingDownGracefully {
                    logger.warning("mail: the database did not answer; trying again", metadata: ["error": "\(error)"])
                }
            }
            if !busy { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.pollInterval) } }
        }
    }

    /// Sends what is due now, one batch; returns how many mails it tried.
    @discardableResult
    public func sendDue() async throws -> Int {
        // A short hold, renewed before each mail: the mails of a sender that died are free again within a minute.
        let mails = try await store.claimMails(owner: owner, lease: Self.hold, limit: settings.batch, now: now())
        guard !mails.isEmpty else { return 0 }
        let session: SMTPSession
        do {
            session = try await SMTPSession.open(settings.smtp)
        } catch {
            logger.warning("mail: the mail server cannot be reached", metadata: ["error": "\(error)", "mails": "\(mails.count)"])
            for mail in mails { try await failed(mail, error: "\(error)", permanent: false) }
            return mails.count
        }
        var broken: String?
        for mail in mails {
            if let broken {
                try await failed(mail, error: broken, permanent: false)
                continue
            }
            do {
                guard try await store.holdMail(mail.mail.id, owner: owner, lease: Self.hold, now: now()) else { continue }
                try await session.send(OutgoingMail(to: mail.mail.address, message: MailMessage.dated(mail.mail.message, now())))
                try await store.recordMailSent(mail.mail.id, owner: owner, now: now())
                logger.info("mail sent", metadata: ["mail": "\(mail.mail.id)", "purpose": "\(mail.mail.purpose)"])
            } catch let error as MailError {
                switch error {
                case .permanent(let text, let mailbox):
                    try await failed(mail, error: text, permanent: true, refusedAddress: mailbox)
                case .deferred(let text):
                    try await failed(mail, error: text, permanent: false)
                case .transient, .configuration:
                    // The session is gone: the rest of the batch waits for the next try.
                    broken = error.description
                    try await failed(mail, error: error.description, permanent: false)
                }
            }
        }
        await session.quit()
        return mails.count
    }

    /// How long a sender holds a mail: longer than the server may take to answer it.
    static let hold: TimeInterval = 60

    private func failed(_ mail: MailRecord, error: String, permanent: Bool, refusedAddress: Bool = false) async throws {
        let attempt = mail.attempts + 1
        let retry = now().addingTimeInterval(settings.backoff(attempt: attempt))
        let giveUp = permanent || retry.timeIntervalSince(mail.createdAt) > settings.giveUpAfter
        logger.warning(
            "mail not sent", metadata: ["mail": "\(mail.mail.id)", "error": "\(error)", "attempt": "\(attempt)", "again": "\(!giveUp)"])
        try await store.recordMailFailure(
            mail.mail.id, owner: owner, error: error, retryAt: giveUp ? nil : retry,
            refusedAddress: refusedAddress, now: now())
    }
}

/// Sends the daily summaries: every half minute, the people whose summary hour has come get one
/// mail with the notices that waited for it, each notice once; any number of server processes
/// may run it (a person's summary is taken by one).
public struct DigestSender: Service {
    let store: Store
    let settings: MailSettings
    let logger: Logger
    let now: @Sendable () -> Date
    let interval: Duration
    /// The key of one-click unsubscribe links, read once.
    let key = SharedKey()

    public init(
        store: Store, settings: MailSettings, logger: Logger, interval: Duration = .seconds(30), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await sendDue()
            } catch {
                if !Task.isCancelled && !Task.isShuttingDownGracefully {
                    logger.warning("digests: the database did not answer; trying again", metadata: ["error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Queues every summary due now; returns how many.
    @discardableResult
    public func sendDue(batch: Int = 200) async throws -> Int {
        let links = try await UnsubscribeLinks.load(from: store, cache: key)
        let settings = settings
        let at = now()
        var total = 0
        while true {
            let (due, queued) = try await store.queueDigests(now: at, limit: batch) { user, notices in
                let unsubscribe = links.link(base: settings.publicURL, user: user.id, target: .digest)
                let content = settings.texts.digest(
                    notices.map { ($0, settings.publicURL + "/notifications/" + $0.id.description) }, to: user,
                    links: MailLinks(
                        page: settings.publicURL + "/notifications", settings: settings.publicURL + "/settings/notifications",
                        unsubscribe: unsubscribe))
                let id = "digest-" + UUIDText.lowercase(UUID())
                return QueuedMail(
                    id: id, userID: user.id, address: user.email, purpose: "digest",
                    message: MailMessage.compose(
                        id: id, from: settings.smtp.from, fromName: settings.smtp.fromName, to: user.email, toName: user.displayName,
                        content: content, unsubscribe: unsubscribe, date: at),
                    notBefore: at)
            }
            total += queued
            if due == 0 { break }
        }
        if total > 0 { logger.info("daily summaries queued", metadata: ["count": "\(total)"]) }
        return total
    }
}
