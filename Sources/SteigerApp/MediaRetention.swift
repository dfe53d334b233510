import Foundation
import Logging
import ServiceLifecycle
import SteigerCore
import SteigerStore

/// How long recordings are kept: the organisation's policy, each cohort's own and its programme's
/// end, legal holds on cohorts and people, and the daily job that removes media whose time has
/// come (keeping the evidence that outlives the video and a note of the policy).
public struct MediaRetention: Sendable {
    let store: Store
    let blobs: BlobStore
    let now: @Sendable () -> Date
    let logger: Logger

    /// What a run of the job did (or, as a preview, would do).
    public struct Report: Sendable, Equatable {
        /// When it ran.
        public var at: Date
        /// Recordings whose media were removed.
        public var removed = 0
        /// Bytes freed in storage (blobs another recording or the media library still uses stay).
        public var freed: Int64 = 0
        /// Recordings a policy would have removed but a legal hold kept.
        public var held = 0

        /// The line the audit log keeps: `removed:3 freed:1048576 held:1`.
        var auditDetail: String { "removed:\(removed) freed:\(freed) held:\(held)" }
    }

    /// One cohort as the retention settings show it.
    public struct CohortRetention: Sendable {
        public var cohort: Cohort
        /// Its own policy (nil: the organisation's).
        public var policy: RetentionPolicy?
        /// When its programme ends, if set.
        public var endsAt: Date?
        /// The hold on it, if one stands.
        public var hold: LegalHold?
    }

    /// A person on legal hold, by name.
    public struct PersonHold: Sendable {
        public var user: User
        public var hold: LegalHold
    }

    /// Everything an administrator sets about keeping recordings, with the last run and a preview of the next.
    public struct Overview: Sendable {
        /// The organisation's policy (nil: keep until removed by hand).
        public var organisation: RetentionPolicy?
        /// Every cohort, by name.
        public var cohorts: [CohortRetention]
        /// The people on hold.
        public var people: [PersonHold]
        /// The last run of the job, if one is in the audit log.
        public var lastRun: Report?
        /// What a run now would do.
        public var preview: Report
    }

    /// The settings, the last run and a preview (administrators).
    public func overview(_ actor: Actor) async throws -> Overview {
        try AccessPolicy.require(actor, .view, .retention, .retention)
        let holds = try await store.legalHolds()
        let own = try await store.cohortRetentions()
        var cohorts: [CohortRetention] = []
        var page = PageRequest(limit: PageRequest.maximumLimit)
        while true {
            let found = try await store.cohorts(scope: .everything, page: page)
            for cohort in found.items {
                cohorts.append(
                    CohortRetention(
                        cohort: cohort, policy: own[cohort.id]?.policy, endsAt: own[cohort.id]?.endsAt,
                        hold: holds.first { $0.subject == .cohort(cohort.id) }))
            }
            guard let next = found.next else { break }
            page = PageRequest(limit: PageRequest.maximumLimit, after: next)
        }
        cohorts.sort { $0.cohort.name.localizedStandardCompare($1.cohort.name) == .orderedAscending }
        var people: [PersonHold] = []
        for hold in holds {
            if case .person(let id) = hold.subject, let user = try await store.user(id) { people.append(PersonHold(user: user, hold: hold)) }
        }
        let last = try await store.auditEntries(filter: AuditFilter(action: .retentionRan), page: PageRequest(limit: 1)).items.first
        return Overview(
            organisation: try await store.organisationRetention(), cohorts: cohorts, people: people,
            lastRun: last.flatMap(Self.report), preview: try await run(removing: false))
    }

    /// The organisation's policy (administrators; nil: kept until removed by hand).
    public func organisation(_ actor: Actor) async throws -> RetentionPolicy? {
        try AccessPolicy.require(actor, .view, .retention, .retention)
        return try await store.organisationRetention()
    }

    /// The organisation's policy, with cohort `id`'s own, its programme's end and its hold (administrators).
    public func cohort(_ actor: Actor, _ id: CohortID) async throws -> (organisation: RetentionPolicy?, cohort: CohortRetention) {
        try AccessPolicy.require(actor, .view, .retention, .retention)
        guard let cohort = try await store.cohort(id) else { throw AppError.notFound(.cohort) }
        let own = try await store.cohortRetention(id)
        return (
            try await store.organisationRetention(),
            CohortRetention(cohort: cohort, policy: own.policy, endsAt: own.endsAt, hold: try await store.legalHold(.cohort(id)))
        )
    }

    /// Sets the organisation's policy (administrators; nil: keep until removed by hand).
    public func setOrganisation(_ actor: Actor, _ policy: RetentionPolicy?) async throws {
        try AccessPolicy.require(actor, .update, .retention, .retention)
        try await store.setOrganisationRetention(policy, by: actor.user.id, now: now())
    }

    /// Sets cohort `id`'s own policy (nil: the organisation's) and its programme's end (administrators).
    public func setCohort(_ actor: Actor, _ id: CohortID, policy: RetentionPolicy?, endsAt: Date?) async throws {
        try AccessPolicy.require(actor, .update, .retention, .retention)
        do {
            try await store.setCohortRetention(id, policy: policy, endsAt: endsAt, by: actor.user.id, now: now())
        } catch StoreError.notFound {
            throw AppError.notFound(.cohort)
        }
    }

    /// The hold on `subject`, if one stands (administrators).
    public func hold(_ actor: Actor, on subject: LegalHold.Subject) async throws -> LegalHold? {
        try AccessPolicy.require(actor, .view, .retention, .retention)
        return try await store.legalHold(subject)
    }

    /// Places a legal hold on `subject` for `reason` (administrators): none of its recordings'
    /// media are removed while it stands. - Throws: not found for an unknown cohort or person.
    public func placeHold(_ actor: Actor, on subject: LegalHold.Subject, reason: String) async throws -> LegalHold {
        try AccessPolicy.require(actor, .update, .retention, .retention)
        switch subject {
        case .cohort(let id): guard try await store.cohort(id) != nil else { throw AppError.notFound(.cohort) }
        case .person(let id): guard try await store.user(id) != nil else { throw AppError.notFound(.user) }
        }
        let hold = try LegalHold(subject: subject, reason: reason, placedAt: now(), placedBy: actor.user.id)
        try await store.placeHold(hold)
        return hold
    }

    /// Lifts the hold on `subject`, if one stands (administrators).
    public func liftHold(_ actor: Actor, on subject: LegalHold.Subject) async throws {
        try AccessPolicy.require(actor, .update, .retention, .retention)
        try await store.liftHold(subject, by: actor.user.id, now: now())
    }

    /// Runs the removal now, as the daily job does (administrators).
    public func sweep(_ actor: Actor) async throws -> Report {
        try AccessPolicy.require(actor, .update, .retention, .retention)
        return try await sweep()
    }

    /// Removes the media of every recording whose time under the policies has come and that no
    /// hold keeps: marks each removed with its note and audit line, then deletes the blobs no
    /// other recording and no item of the media library uses. Writes one audit line for the run
    /// and returns what it did. Safe to run on several machines at once.
    @discardableResult
    public func sweep() async throws -> Report {
        let report = try await run(removing: true)
        try await store.recordAudit(
            AuditEntry(at: report.at, actorID: nil, action: .retentionRan, subjectType: "organisation", subjectID: "", detail: report.auditDetail))
        logger.info(
            "retention run", metadata: ["removed": "\(report.removed)", "freed_bytes": "\(report.freed)", "held": "\(report.held)"])
        return report
    }

    /// Decides for every recording at once; with `removing`, acts on it.
    func run(removing: Bool) async throws -> Report {
        let at = now()
        let organisation = try await store.organisationRetention()
        var report = Report(at: at)
        // Without any policy nothing can be due: the job reads no attempt at all.
        if organisation == nil, !(try await store.cohortRetentions()).values.contains(where: { $0.policy != nil }) { return report }
        var after: SubmissionID?
        while true {
            let candidates = try await store.retentionCandidates(after: after, limit: 500)
            guard let last = candidates.last else { break }
            after = last.submissionID
            for candidate in candidates {
                switch Retention.decision(for: candidate, organisation: organisation, now: at) {
                case .keep: continue
                case .held: report.held += 1
                case .remove(let removal):
                    guard removing else {
                        report.removed += 1
                        report.freed += try await store.submissionMedia(candidate.submissionID)?.originalSize ?? 0
                        continue
                    }
                    guard let media = try await store.markMediaRemoved(candidate.submissionID, removal) else { continue }
                    report.removed += 1
                    report.freed += try await store.removeUnusedBlobs(media.blobs, from: blobs)
                }
            }
        }
        return report
    }

    /// A run's report from its audit line.
    static func report(_ entry: AuditEntry) -> Report? {
        let fields = entry.detailFields
        guard let removed = fields["removed"].flatMap(Int.init), let freed = fields["freed"].flatMap(Int64.init),
            let held = fields["held"].flatMap(Int.init)
        else { return nil }
        return Report(at: entry.at, removed: removed, freed: freed, held: held)
    }
}

/// Runs the retention job once a day, starting a minute after the service does.
public struct RetentionSweeper: Service {
    let retention: MediaRetention
    let interval: Duration

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // A database that does not answer is asked again at the next round.
            _ = try? await retention.sweep()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
