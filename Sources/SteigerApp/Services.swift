import Foundation
import Logging
import ServiceLifecycle
import SteigerCore
import SteigerStore

/// How the data volume is measured: free and total bytes of the volume holding a path.
public typealias VolumeMeasure = @Sendable (String) -> (free: Int64, total: Int64)?

/// What the use cases need to know about the installation.
public struct AppSettings: Sendable {
    /// How long a sign-in lasts.
    public var sessionLifetime: TimeInterval = 7 * 24 * 3600
    /// The bcrypt work factor for new password hashes.
    public var bcryptCost: UInt8 = 12
    /// Failed sign-ins allowed per account and per address within ``loginWindow``.
    public var loginFailuresPerAccount = 5
    public var loginFailuresPerAddress = 20
    public var loginWindow: TimeInterval = 15 * 60
    /// The largest file one upload may carry.
    public var maxUploadSize: Int64 = 2 << 30
    /// What a learner may keep stored (recordings and unfinished uploads).
    public var learnerQuota: Int64 = 20 << 30
    /// Uploads one learner may start within ``uploadWindow`` (0: no limit).
    public var uploadsPerWindow = 20
    public var uploadWindow: TimeInterval = 10 * 60
    /// How long an unfinished upload is kept.
    public var uploadExpiry: TimeInterval = 24 * 3600
    /// How long a trainer holds a claimed review (renewable).
    public var reviewLease: TimeInterval = 30 * 60
    /// How long after sending a reviewer may still change their review's scores and comment.
    public var reviewEditWindow: TimeInterval = 24 * 3600
    /// Where uploads in progress (`uploads/`) and media (`media/`) live.
    public var dataDirectory = "data"
    /// Bytes of the data volume uploads never take: the database's room.
    public var diskReserve: Int64 = 512 << 20
    /// How the data volume is measured (nil: `statvfs`; tests give a volume of a chosen size).
    public var measureVolume: VolumeMeasure? = nil
    /// Webhook delivery rules.
    public var webhooks = WebhookSettings()
    /// E-mail (nil: notices show in the app only).
    public var mail: MailSettings? = nil
    /// How often review deadlines (due within a day, overdue, holds running out) are looked for.
    public var deadlineCheckInterval: Duration = .seconds(60)
    /// How many days audit entries are kept (two years by default).
    public var auditKeepDays = AuditEntry.defaultKeepDays
    /// How often the retention job runs (once a day).
    public var retentionInterval: Duration = .seconds(86400)
    /// The clock (tests move it).
    public var now: @Sendable () -> Date = { Date() }

    public init() {}
}

/// Every use case of Steiger, one per feature, over one store. The HTTP API, the web pages, the
/// commands and the jobs call these and add no rules of their own.
public struct Services: Sendable {
    public let settings: AppSettings
    public let accounts: Accounts
    public let cohorts: Cohorts
    public let exercises: Exercises
    public let submissions: Submissions
    public let reviewDesk: ReviewDesk
    public let annotations: Annotations
    public let scaffolding: Scaffolding
    public let uploads: Uploads
    public let mediaLibrary: MediaLibrary
    public let demo: Demo
    public let webhooks: Webhooks
    public let notifications: Notifications
    public let administration: Administration
    public let health: Health
    public let auditLog: AuditLog
    public let retention: MediaRetention
    public let erasure: Erasure
    /// Managers and their teams.
    public let team: Team
    public let exports: DataExports
    /// Guest reviewers invited by link.
    public let guests: GuestReviews
    /// Trying skills at work, and the reports on it.
    public let transfers: Transfers
    /// Each learner's result page.
    public let journeys: Journeys
    /// The programme dashboard.
    public let dashboards: Dashboards

    /// The files of uploads in progress and of media.
    public let files: UploadFiles
    /// The bells of this process's open pages, rung when their person gets new notices.
    public let bell = NoticeBell()
    let store: Store

    /// The use cases over `store`, keeping files under `settings.dataDirectory`.
    public init(store: Store, settings: AppSettings, logger: Logger = Logger(label: "steiger")) throws {
        self.store = store
        let files = try UploadFiles(dataDirectory: settings.dataDirectory, reserve: settings.diskReserve, measure: settings.measureVolume)
        self.files = files
        self.settings = settings
        accounts = Accounts(store: store, settings: settings)
        cohorts = Cohorts(store: store, now: settings.now)
        exercises = Exercises(store: store, now: settings.now)
        submissions = Submissions(store: store, now: settings.now)
        reviewDesk = ReviewDesk(store: store, submissions: submissions, settings: settings)
        annotations = Annotations(store: store, submissions: submissions, now: settings.now)
        scaffolding = Scaffolding(store: store, exercises: exercises, now: settings.now)
        uploads = Uploads(store: store, files: files, settings: settings, logger: logger)
        mediaLibrary = MediaLibrary(store: store, scaffolding: scaffolding)
        demo = Demo(
            store: store, accounts: accounts, uploads: uploads, reviewDesk: reviewDesk, annotations: annotations, now: settings.now)
        webhooks = Webhooks(store: store, settings: settings.webhooks, now: settings.now)
        notifications = Notifications(store: store, now: settings.now)
        health = Health(store: store, disk: files.disk)
        administration = Administration(store: store, health: health, mail: settings.mail, now: settings.now)
        auditLog = AuditLog(store: store, now: settings.now, keepDays: settings.auditKeepDays)
        retention = MediaRetention(store: store, blobs: files.blobs, now: settings.now, logger: logger)
        exports = DataExports(
            store: store, files: files, submissions: submissions, scaffolding: scaffolding, now: settings.now,
            directory: settings.dataDirectory + "/exports")
        erasure = Erasure(store: store, files: files, exports: exports, now: settings.now, logger: logger)
        team = Team(store: store, exercises: exercises, now: settings.now)
        transfers = Transfers(store: store, now: settings.now)
        journeys = Journeys(store: store, exercises: exercises, scaffolding: scaffolding)
        dashboards = Dashboards(store: store, exercises: exercises, now: settings.now)
        guests = GuestReviews(
            store: store, submissions: submissions, mail: settings.mail, sessionLifetime: settings.sessionLifetime, now: settings.now)
    }

    /// The work a server process does besides answering requests: delivering webhooks, raising
    /// review deadlines and making people's notices.
    /// `words` gives the texts of a language (nil: the default one), for what is made for a person.
    public func backgroundWork(logger: Logger, words: @escaping @Sendable (Language?) -> Localizer) -> [any Service] {
        let bell = bell
        return [
            WebhookDispatcher(store: store, settings: settings.webhooks, logger: logger, now: settings.now),
            ReviewDeadlineWatcher(store: store, interval: settings.deadlineCheckInterval, now: settings.now),
            NoticeMaker(store: store, logger: logger, mail: settings.mail, now: settings.now, announce: { bell.ring($0) }),
            AuditSweeper(log: auditLog),
            RetentionSweeper(retention: retention, interval: settings.retentionInterval),
            ExportMaker(exports: exports, words: words, logger: logger),
        ]
            + (settings.mail.map {
                [
                    Mailer(store: store, settings: $0, logger: logger, now: settings.now),
                    DigestSender(store: store, settings: $0, logger: logger, interval: $0.digestInterval, now: settings.now),
                ]
            } ?? [])
    }

    /// The consumer that makes notices, for tests and tools that run it outside the service group.
    public func noticeMaker(logger: Logger = Logger(label: "steiger")) -> NoticeMaker {
        let bell = bell
        return NoticeMaker(store: store, logger: logger, mail: settings.mail, now: settings.now, announce: { bell.ring($0) })
    }
}

/// Whether the service can do its work, for health checks, metrics and the administrator.
public struct Health: Sendable {
    let store: Store
    let disk: DiskSpace

    /// The state of the data volume.
    public struct Volume: Sendable {
        /// Free bytes (nil when the volume cannot be asked).
        public var free: Int64?
        /// Its size in bytes.
        public var total: Int64?
        /// The bytes kept for the database.
        public var reserve: Int64
        /// Free space has fallen into the reserve: new uploads are refused and processing waits
        /// until room is made (reads, comments, reviews and sign-ins go on).
        public var isLow: Bool { DiskSpace.isLow(free: free, reserve: reserve) }
    }

    /// The data volume as it is now.
    public var volume: Volume {
        let usage = disk.usage()
        return Volume(free: usage?.free, total: usage?.total, reserve: disk.reserve)
    }

    /// Throws ``ProblemKind/unavailable`` when the database does not answer.
    /// - Returns: the data volume, which may be low (the service then runs degraded).
    @discardableResult
    public func check() async throws -> Volume {
        do {
            try await store.ping()
        } catch {
            throw AppError(.unavailable)
        }
        return volume
    }
}
