import Foundation
import Logging
import SteigerApp
import SteigerCore

/// How the server runs.
public struct ServerConfiguration: Sendable {
    /// Address to listen on.
    public var host: String
    /// Port to listen on (0: any free port).
    public var port: Int
    /// How long a login lasts.
    public var sessionLifetime: TimeInterval
    /// bcrypt work factor for new password hashes (12 in production; tests use less).
    public var bcryptCost: UInt8
    /// Mark the session cookie `Secure` (when served over HTTPS, directly or behind a proxy).
    public var secureCookies: Bool
    /// Failed logins allowed per account within ``loginWindow``.
    public var loginFailuresPerAccount: Int
    /// Failed logins allowed per address within ``loginWindow``.
    public var loginFailuresPerAddress: Int
    /// The window for counting failed logins.
    public var loginWindow: TimeInterval
    /// The clock (tests move it forward to expire sessions).
    public var now: @Sendable () -> Date
    /// Where uploads in progress and media live (`uploads/`, `media/` inside).
    public var dataDirectory: String = "data"
    /// Bytes of the data volume kept free for the database (default 512 MiB).
    public var diskReserve: Int64 = 512 << 20
    /// How the data volume is measured (nil: `statvfs`; tests give a volume of a chosen size).
    public var measureVolume: VolumeMeasure? = nil
    /// Largest upload accepted, in bytes (default 2 GiB).
    public var maxUploadSize: Int64 = 2 << 30
    /// Bytes one learner may hold: their originals plus uploads in progress (default 20 GiB).
    public var learnerQuota: Int64 = 20 << 30
    /// Uploads one learner may start in ten minutes (0: no limit).
    public var uploadsPerTenMinutes = 20
    /// Days the audit log keeps each entry.
    public var auditKeepDays = AuditEntry.defaultKeepDays
    /// How long an unfinished upload is kept after its last byte arrived.
    public var uploadExpiry: TimeInterval = 24 * 3600
    /// The language of pages and messages for people who chose none and whose browser asks for
    /// none Steiger speaks.
    public var defaultLanguage: Language = .nl
    /// The address people and other systems reach Steiger at (`https://steiger.example.org`, or
    /// with a path prefix), from which every absolute link Steiger writes is built: exports,
    /// e-mails, LMS links. Nil: the address a request came to, over plain HTTP (for a service on
    /// one's own machine).
    public var publicURL: PublicURL?
    /// E-mail (nil: notifications show in the app only).
    public var mail: MailSettings?
    /// How often review deadlines are looked for.
    public var deadlineCheckInterval: Duration = .seconds(60)
    /// How webhooks are delivered (and whether private addresses may receive them).
    public var webhooks = WebhookSettings()
    /// Whether this process delivers webhooks and raises review deadlines (tests that drive
    /// those themselves switch it off).
    public var runsBackgroundWork = true
    /// A video on this machine to make the sample programme from (nil: none is offered).
    public var demoVideo: String?
    /// Whether the service loads the sample programme when it starts (in ``defaultLanguage``).
    public var loadsDemo = false
    /// Timeouts and limits against slow and many clients, and the trusted proxies.
    public var connections = ConnectionRules()
    /// How often expired uploads are swept.
    public var sweepInterval: Duration = .seconds(600)

    /// The defaults: port 8080 on loopback, 7-day sessions, bcrypt cost 12, 5 failures per
    /// account and 20 per address per 15 minutes.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, sessionLifetime: TimeInterval = 7 * 24 * 3600, bcryptCost: UInt8 = 12,
        secureCookies: Bool = false, loginFailuresPerAccount: Int = 5, loginFailuresPerAddress: Int = 20,
        loginWindow: TimeInterval = 15 * 60, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.host = host
        self.port = port
        self.sessionLifetime = sessionLifetime
        self.bcryptCost = bcryptCost
        self.secureCookies = secureCookies
        self.loginFailuresPerAccount = loginFailuresPerAccount
        self.loginFailuresPerAddress = loginFailuresPerAddress
        self.loginWindow = loginWindow
        self.now = now
    }
}

extension ServerConfiguration {
    /// What the use cases need of this configuration.
    public var appSettings: AppSettings {
        var settings = AppSettings()
        settings.sessionLifetime = sessionLifetime
        settings.bcryptCost = bcryptCost
        settings.loginFailuresPerAccount = loginFailuresPerAccount
        settings.loginFailuresPerAddress = loginFailuresPerAddress
        settings.loginWindow = loginWindow
        settings.maxUploadSize = maxUploadSize
        settings.learnerQuota = learnerQuota
        settings.uploadExpiry = uploadExpiry
        settings.uploadsPerWindow = uploadsPerTenMinutes
        settings.auditKeepDays = auditKeepDays
        settings.dataDirectory = dataDirectory
        settings.diskReserve = diskReserve
        settings.measureVolume = measureVolume
        settings.webhooks = webhooks
        settings.mail = mail
        settings.deadlineCheckInterval = deadlineCheckInterval
        settings.now = now
        return settings
    }
}

/// An absolute http(s) address without query or fragment, to which paths are appended.
public struct PublicURL: Sendable, Equatable, CustomStringConvertible {
    /// The address without a trailing slash: `https://steiger.example.org/training`.
    public let base: String

    /// Parses `text`; nil unless it is an absolute http or https URL with a host and no query
    /// or fragment.
    public init?(_ text: String) {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil,
            components.user == nil, components.password == nil
        else { return nil }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        base = scheme + "://" + (components.percentEncodedHost ?? host) + (components.port.map { ":\($0)" } ?? "") + path
    }

    /// The absolute address of `path` (which starts with `/`).
    public func link(_ path: String) -> String { base + path }

    public var description: String { base }
}
