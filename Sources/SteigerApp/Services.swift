import Foundation
import Logging
import ServiceLifecycle
import SteigerCore
import SteigerStore

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
    /// How long an unfinished upload is kept.
    public var uploadExpiry: TimeInterval = 24 * 3600
    /// How long a trainer holds a claimed review (renewable).
    public var reviewLease: TimeInterval = 30 * 60
    /// Where uploads in progress (`uploads/`) and media (`media/`) live.
    public var dataDirectory = "data"
    /// Webhook delivery rules.
    public var webhooks = WebhookSettings()
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
    public let webhooks: Webhooks
    public let administration: Administration
    public let health: Health

    /// The files of uploads in progress and of media.
    public let files: UploadFiles
    let store: Store

    /// The use cases over `store`, keeping files under `settings.dataDirectory`.
    public init(store: Store, settings: AppSettings, logger: Logger = Logger(label: "steiger")) throws {
        self.store = store
        let files = try UploadFiles(dataDirectory: settings.dataDirectory)
        self.files = files
        self.settings = settings
        accounts = Accounts(store: store, settings: settings)
        cohorts = Cohorts(store: store, now: settings.now)
        exercises = Exercises(store: store, now: settings.now)
        submissions = Submissions(store: store)
        reviewDesk = ReviewDesk(store: store, submissions: submissions, settings: settings)
        annotations = Annotations(store: store, submissions: submissions, now: settings.now)
        scaffolding = Scaffolding(store: store, exercises: exercises, now: settings.now)
        uploads = Uploads(store: store, files: files, settings: settings, logger: logger)
        webhooks = Webhooks(store: store, settings: settings.webhooks, now: settings.now)
        administration = Administration(store: store)
        health = Health(store: store)
    }

    /// The work a server process does besides answering requests: delivering webhooks and
    /// raising review deadlines.
    public func backgroundWork(logger: Logger) -> [any Service] {
        [
            WebhookDispatcher(store: store, settings: settings.webhooks, logger: logger, now: settings.now),
            ReviewDeadlineWatcher(store: store, now: settings.now),
        ]
    }
}

/// Whether the service can do its work, for health checks and metrics.
public struct Health: Sendable {
    let store: Store

    /// Throws ``ProblemKind/unavailable`` when the database does not answer.
    public func check() async throws {
        do {
            try await store.ping()
        } catch {
            throw AppError(.unavailable)
        }
    }
}
