import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SteigerApp
import SteigerCore
import SteigerServer
import SteigerStore
import UnixSignals

/// Where the data lives and how to log: shared by serve, migrate and admin.
struct ServiceOptions: ParsableArguments {
    @Option(help: "Directory for the SQLite database and media (default ./data). STEIGER_DATABASE_URL=postgres://… puts the database on PostgreSQL.")
    var data: String = "data"

    @Option(help: "Log format: text or json (default: text on a terminal, json otherwise).")
    var logFormat: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    @Option(
        help: ArgumentHelp(
            "MiB of the data volume kept free for the database (also STEIGER_DISK_RESERVE_MB).",
            discussion:
                "Uploads are refused (507) and processing waits rather than write into the last MiB of the volume the data directory is on, so the database always has room to record what happens."
        ))
    var diskReserveMB: Int = Int(ProcessInfo.processInfo.environment["STEIGER_DISK_RESERVE_MB"] ?? "") ?? 512

    func validate() throws {
        if let logFormat, !["text", "json"].contains(logFormat) { throw ValidationError("--log-format must be text or json") }
        if diskReserveMB < 0 { throw ValidationError("--disk-reserve-mb must be 0 or more") }
    }

    /// The bytes kept free on the data volume.
    var diskReserve: Int64 { Int64(diskReserveMB) << 20 }

    /// Sets up logging once for the process and returns the logger to use.
    func makeLogger() -> Logger {
        let json = logFormat.map { $0 == "json" } ?? (isatty(STDERR_FILENO) == 0)
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "steiger")
    }

    var dataDirectory: String { (data as NSString).standardizingPath }

    /// Opens the store named by the environment (PostgreSQL) or under the data directory (SQLite).
    func openStore(logger: Logger, runByOwner: Bool = false) async throws -> Store {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let location = try DatabaseLocation.from(environment: ProcessInfo.processInfo.environment, dataDirectory: dataDirectory)
        logger.info("opening the database", metadata: ["database": .string(location.description)])
        return try await Store.open(location, logger: logger, runByOwner: runByOwner)
    }

    /// Runs `body` with the store, its connection pool running as a child task beside it (so a
    /// long-lived process holds every long-lived client in its structured tasks); the pool stops
    /// and the store closes when `body` ends, however it ends.
    func withStore<T: Sendable>(logger: Logger, _ body: @escaping @Sendable (Store) async throws -> T) async throws -> T {
        let store = try await openStore(logger: logger, runByOwner: true)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await store.run()
                return nil
            }
            group.addTask {
                do {
                    let result = try await body(store)
                    await store.close()
                    return result
                } catch {
                    await store.close()
                    throw error
                }
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
            }
            throw CancellationError()
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Steiger service (migrates the database first; creates the first administrator on an empty one)."
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "Email address of the first administrator, made on an empty database.")
    var adminEmail = "admin@steiger.local"

    @Flag(help: "Mark the session cookie Secure (serve over HTTPS, directly or behind a proxy).")
    var secureCookies = false

    @Option(
        help: "Language of pages and messages for people who chose none and whose browser asks for none of nl, en (also STEIGER_DEFAULT_LANGUAGE).")
    var defaultLanguage: String = ProcessInfo.processInfo.environment["STEIGER_DEFAULT_LANGUAGE"] ?? "nl"

    @Option(
        help: ArgumentHelp(
            "The address people reach Steiger at, e.g. https://steiger.example.org (also STEIGER_PUBLIC_URL).",
            discussion:
                "Every absolute link Steiger writes (exports, e-mails, LMS links) starts with it. Default: http://HOST:PORT as given to serve."))
    var publicURL: String = ProcessInfo.processInfo.environment["STEIGER_PUBLIC_URL"] ?? ""

    @Flag(
        help: ArgumentHelp(
            "Let webhooks reach this machine and private networks (also STEIGER_ALLOW_PRIVATE_WEBHOOKS=1).",
            discussion:
                "Off by default: webhook addresses on loopback (127.0.0.0/8, ::1, localhost) or in private, link-local or carrier-grade NAT ranges are refused when registered and not sent to, so that an administrator's webhook cannot reach into the machine's own network. Switch it on only when the receiver really runs there."
        ))
    var allowPrivateWebhooks = ["1", "true", "yes"].contains(
        ProcessInfo.processInfo.environment["STEIGER_ALLOW_PRIVATE_WEBHOOKS"]?.lowercased() ?? "")

    @Option(help: ArgumentHelp("Seconds before a failed webhook delivery is first tried again (doubling after each failure).", visibility: .hidden))
    var webhookRetrySeconds: Double = 30

    @Option(help: ArgumentHelp("Hours a failing webhook delivery is retried before it is given up.", visibility: .hidden))
    var webhookRetryHours: Double = 24

    @Option(help: "Uploads one learner may start in ten minutes; more get 429 (0: no limit; also STEIGER_UPLOADS_PER_TEN_MINUTES).")
    var uploadsPerTenMinutes: Int = Int(ProcessInfo.processInfo.environment["STEIGER_UPLOADS_PER_TEN_MINUTES"] ?? "") ?? 20

    @Option(help: "Days the audit log keeps each entry before it is removed (at least 1; also STEIGER_AUDIT_KEEP_DAYS).")
    var auditKeepDays: Int = Int(ProcessInfo.processInfo.environment["STEIGER_AUDIT_KEEP_DAYS"] ?? "") ?? AuditEntry.defaultKeepDays

    @Option(help: "Seconds a new connection has to send its first request's headers before it is closed.")
    var headerTimeout: Double = 10

    @Option(help: "Seconds a connection may send nothing (between requests or inside an upload's body) before it is closed.")
    var idleTimeout: Double = 60

    @Option(help: "Connections one client address may hold open at once (behind a trusted proxy: requests under way per forwarded address).")
    var connectionsPerAddress = 512

    @Option(
        help: ArgumentHelp(
            "An address or IPv4 range (10.0.0.0/8) of a proxy in front of Steiger whose X-Forwarded-For names the client (repeat for several; also STEIGER_TRUSTED_PROXIES, comma-separated).",
            discussion: "Sign-in limits, logs and the per-address connection limit then apply to the client's address, not the proxy's."))
    var trustedProxy: [String] = (ProcessInfo.processInfo.environment["STEIGER_TRUSTED_PROXIES"] ?? "").split(separator: ",").map(String.init)

    @Option(
        help: ArgumentHelp(
            "The mail server notifications are sent through, e.g. smtp://user:password@mail.example.org:587 (also STEIGER_SMTP_URL).",
            discussion:
                "smtp:// uses STARTTLS, smtps:// TLS from the start; user and password percent-encoded. Without it, notifications show in the app only."
        ))
    var smtpURL: String = ProcessInfo.processInfo.environment["STEIGER_SMTP_URL"] ?? ""

    @Option(help: "The sender address of Steiger's e-mail, e.g. steiger@example.org (also STEIGER_MAIL_FROM).")
    var mailFrom: String = ProcessInfo.processInfo.environment["STEIGER_MAIL_FROM"] ?? ""

    @Flag(
        help:
            "Send e-mail in plain text to a mail server that offers no STARTTLS although it is not on this machine (also STEIGER_SMTP_ALLOW_PLAIN=1)."
    )
    var smtpAllowPlain = ["1", "true", "yes"].contains(ProcessInfo.processInfo.environment["STEIGER_SMTP_ALLOW_PLAIN"]?.lowercased() ?? "")

    @Option(help: "A PEM file of certificates to trust for the mail server's TLS besides the system's (also STEIGER_SMTP_CA_FILE).")
    var smtpCAFile: String = ProcessInfo.processInfo.environment["STEIGER_SMTP_CA_FILE"] ?? ""

    @Option(
        help: ArgumentHelp(
            "Seconds before an e-mail the server did not take is first tried again (doubling after each failure).", visibility: .hidden))
    var mailRetrySeconds: Double = 60

    @Option(help: ArgumentHelp("Seconds between looks for review deadlines (due within a day, overdue, holds running out).", visibility: .hidden))
    var deadlineCheckSeconds: Double = 60

    @Option(help: ArgumentHelp("Seconds between looks for daily digests that are due.", visibility: .hidden))
    var digestCheckSeconds: Double = 30

    @Option(
        help: ArgumentHelp(
            "The service's clock starts at this moment (ISO 8601, e.g. 2026-12-11T05:59:50Z) and runs on from there, to try what happens at a given hour.",
            visibility: .hidden))
    var clockStart: String?

    @Option(help: "Worker processes for background jobs (default: one per core; 0: none, run `steiger worker` elsewhere).")
    var workers: Int?

    @Flag(
        help:
            "Load a sample programme in the --language at start (a cohort, a trainer, three learners, an exercise with a model video, reviewed attempts); removed again in one step on the administration page."
    )
    var demo = false

    @Option(help: "The video the sample programme is made from (default: Fixtures/h264_aac.mp4 of a checkout, when there).")
    var demoVideo: String?

    @Option(help: ArgumentHelp("Seconds a worker's job lease lasts without a heartbeat.", visibility: .hidden))
    var jobLease: Double = 60

    @Option(help: ArgumentHelp("Seconds one job may run before its worker gives up on it.", visibility: .hidden))
    var jobDeadline: Double = 2 * 3600

    func validate() throws {
        guard Language(code: defaultLanguage) != nil else {
            throw ValidationError(
                "--default-language must be one of \(Language.allCases.map(\.rawValue).joined(separator: ", ")), not '\(defaultLanguage)'")
        }
        if TrustedProxies(trustedProxy) == nil {
            throw ValidationError("--trusted-proxy takes an address (10.0.0.5, ::1) or an IPv4 range (10.0.0.0/8); got \(trustedProxy)")
        }
        if headerTimeout <= 0 || idleTimeout <= 0 || connectionsPerAddress < 1 {
            throw ValidationError("--header-timeout and --idle-timeout must be above 0, --connections-per-address at least 1")
        }
        if !smtpURL.isEmpty {
            do {
                _ = try SMTPSettings(url: smtpURL, from: mailFrom)
            } catch {
                throw ValidationError("--smtp-url and --mail-from: \(error)")
            }
            if publicURL.isEmpty && port == 0 {
                throw ValidationError("e-mail links need the public address: give --public-url (or a --port other than 0)")
            }
        }
        if let clockStart, (try? Date(clockStart, strategy: .iso8601)) == nil {
            throw ValidationError("--clock-start takes a moment such as 2026-12-11T05:59:50Z (got '\(clockStart)')")
        }
        if !publicURL.isEmpty, PublicURL(publicURL) == nil {
            throw ValidationError(
                "--public-url must be an http:// or https:// address without ? or #, such as https://steiger.example.org (got '\(publicURL)')")
        }
    }

    private var language: Language { Language(code: defaultLanguage) ?? .nl }

    func run() async throws {
        let logger = service.makeLogger()
        // The database's connection pool runs as a task beside the service group, for as long as it does.
        try await service.withStore(logger: logger) { store in try await serve(store, logger: logger) }
    }

    private func serve(_ store: Store, logger: Logger) async throws {
        let applied = try await store.migrate()
        if !applied.isEmpty { logger.info("database migrated", metadata: ["versions": .string(applied.map(String.init).joined(separator: ","))]) }
        let credentialsFile = service.dataDirectory + "/initial-admin.txt"
        let accounts = Accounts(store: store)
        let created = try await accounts.ensureFirstAdmin(email: adminEmail, credentialsFile: credentialsFile, logger: logger)
        var configuration = ServerConfiguration(host: host, port: port, secureCookies: secureCookies)
        configuration.dataDirectory = service.dataDirectory
        configuration.diskReserve = service.diskReserve
        configuration.uploadsPerTenMinutes = max(uploadsPerTenMinutes, 0)
        configuration.auditKeepDays = max(auditKeepDays, 1)
        configuration.connections.headerTimeout = .milliseconds(Int64(headerTimeout * 1000))
        configuration.connections.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        configuration.connections.perAddress = connectionsPerAddress
        configuration.connections.trustedProxies = TrustedProxies(trustedProxy) ?? TrustedProxies()
        configuration.webhooks = WebhookSettings(
            allowPrivateAddresses: allowPrivateWebhooks,
            retry: WebhookRetryPolicy(base: webhookRetrySeconds, longest: max(3600, webhookRetrySeconds), window: webhookRetryHours * 3600))
        configuration.defaultLanguage = language
        // The sample programme is offered when its video is at hand, and loaded at start with --demo.
        let video = demoVideo ?? "Fixtures/h264_aac.mp4"
        if FileManager.default.fileExists(atPath: video) {
            configuration.demoVideo = video
            configuration.loadsDemo = demo
        } else if demo {
            throw ValidationError("--demo needs a video to make the sample programme from: \(video) is not there (give one with --demo-video)")
        }
        configuration.deadlineCheckInterval = .milliseconds(Int64(max(deadlineCheckSeconds, 0.1) * 1000))
        if let start = clockStart.flatMap({ try? Date($0, strategy: .iso8601) }) {
            let started = Date()
            configuration.now = { start.addingTimeInterval(Date().timeIntervalSince(started)) }
            logger.notice("the service's clock is set", metadata: ["start": "\(start)"])
        }
        let shownHost = host == "0.0.0.0" || host == "::" ? "localhost" : host
        configuration.publicURL = PublicURL(publicURL) ?? (port == 0 ? nil : PublicURL("http://\(shownHost):\(port)"))
        if !smtpURL.isEmpty, let base = configuration.publicURL {
            let smtp = try SMTPSettings(url: smtpURL, from: mailFrom, allowPlain: smtpAllowPlain, trustRoots: smtpCAFile.isEmpty ? nil : smtpCAFile)
            var mail = MailSettings(smtp: smtp, publicURL: base.base, texts: try WebMailTexts(defaultLanguage: language))
            mail.retryBase = max(mailRetrySeconds, 0.1)
            mail.digestInterval = .milliseconds(Int64(max(digestCheckSeconds, 0.1) * 1000))
            configuration.mail = mail
            logger.info("e-mail on", metadata: ["server": "\(smtp.host):\(smtp.port)", "from": "\(smtp.from)"])
        }
        var workerArguments = [
            "--data", service.dataDirectory, "--log-level", service.logLevel.rawValue, "--disk-reserve-mb", String(service.diskReserveMB),
            "--lease", String(jobLease),
            "--deadline", String(jobDeadline),
        ]
        if let format = service.logFormat { workerArguments += ["--log-format", format] }
        let workerCount = workers ?? ProcessInfo.processInfo.activeProcessorCount
        // One learner's jobs leave at least one worker for everyone else.
        workerArguments += ["--per-learner", String(max(workerCount - 1, 1))]
        let supervisor = WorkerSupervisor(count: max(workerCount, 0), arguments: workerArguments, logger: logger)
        let app = try buildApplication(
            app: try Services(store: store, settings: configuration.appSettings, logger: logger), configuration: configuration, logger: logger,
            services: workerCount > 0 ? [supervisor] : []
        ) { port in
            var lines = ["Steiger is running at http://\(shownHost):\(port)/"]
            if let created {
                lines.append("First administrator: \(created.email) / \(created.password) (also in \(credentialsFile))")
            } else if FileManager.default.fileExists(atPath: credentialsFile) {
                lines.append("First administrator's credentials: \(credentialsFile)")
            }
            lines.append("API: http://\(shownHost):\(port)/api/v1/openapi.json · Stop with Ctrl-C.")
            print(lines.joined(separator: "\n"))
            fflush(nil)
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        logger.info("stopped")
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Bring the database schema up to date (serve does this too).")

    @OptionGroup var service: ServiceOptions

    func run() async throws {
        let logger = service.makeLogger()
        let store = try await service.openStore(logger: logger)
        defer { Task { await store.close() } }
        let applied = try await store.migrate()
        print(
            applied.isEmpty
                ? "The schema is up to date (version \(Schema.latestVersion))."
                : "Applied migrations \(applied.map(String.init).joined(separator: ", ")); the schema is at version \(Schema.latestVersion).")
        await store.close()
    }
}
