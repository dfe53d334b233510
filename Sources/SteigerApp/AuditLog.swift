import Foundation
import ServiceLifecycle
import SteigerCore
import SteigerStore

/// The audit log as administrators read it: who viewed or downloaded which recording, who
/// changed an audience or a consent, and what administrators changed; newest first, with
/// names, and as CSV. Entries are kept for `keepDays` and swept after.
public struct AuditLog: Sendable {
    let store: Store
    let now: @Sendable () -> Date
    /// How many days entries are kept.
    public let keepDays: Int

    /// An entry with the names of the people it mentions as the reader should see them.
    public struct Line: Sendable {
        public var entry: AuditEntry
        /// The actor's name, "Steiger" for the service itself, or nil for an account that is gone.
        public var actorName: String?
        /// The name of the person whose data it concerns, if any and still there.
        public var ownerName: String?
    }

    /// The entries within `filter`, newest first (administrators).
    public func lines(_ actor: Actor, filter: AuditFilter, page: PageRequest) async throws -> Page<Line> {
        try AccessPolicy.require(actor, .view, .auditLog, .auditLog)
        let found = try await store.auditEntries(filter: filter, page: page)
        var names: [UserID: String?] = [:]
        func name(_ id: UserID?) async throws -> String? {
            guard let id else { return nil }
            if let known = names[id] { return known }
            let user = try await store.user(id)?.displayName
            names[id] = .some(user)
            return user
        }
        var lines: [Line] = []
        for entry in found.items {
            lines.append(Line(entry: entry, actorName: try await name(entry.actorID), ownerName: try await name(entry.ownerID)))
        }
        return Page(items: lines, next: found.next)
    }

    /// Every entry within `filter` as CSV (administrators), newest first.
    public func csv(_ actor: Actor, filter: AuditFilter) async throws -> String {
        var text = "time,actor_id,actor,action,subject_type,subject_id,owner_id,owner,detail\r\n"
        var page = PageRequest(limit: PageRequest.maximumLimit)
        while true {
            let found = try await lines(actor, filter: filter, page: page)
            for line in found.items {
                let entry = line.entry
                text +=
                    [
                        entry.at.iso8601Milliseconds, entry.actorID?.description ?? "", line.actorName ?? "", entry.action.rawValue,
                        entry.subjectType,
                        entry.subjectID, entry.ownerID?.description ?? "", line.ownerName ?? "", entry.detail,
                    ].map(CSV.textField).joined(separator: ",") + "\r\n"
            }
            guard let next = found.next else { return text }
            page = PageRequest(limit: PageRequest.maximumLimit, after: next)
        }
    }

    /// Removes the entries older than the period they are kept for; returns how many went.
    @discardableResult
    public func sweep() async throws -> Int {
        try await store.sweepAudit(before: now().addingTimeInterval(-Double(keepDays) * 86400))
    }
}

extension Store {
    /// Records in the audit log that `actor` did `action` to the record `id` of kind `type`.
    func audit(
        _ actor: UserID?, _ action: AuditEntry.Action, _ type: String, _ id: String, owner: UserID? = nil, detail: String = "", at: Date
    ) async throws {
        try await recordAudit(AuditEntry(at: at, actorID: actor, action: action, subjectType: type, subjectID: id, ownerID: owner, detail: detail))
    }
}

/// Sweeps the audit log of entries past their keeping period, once an hour.
public struct AuditSweeper: Service {
    let log: AuditLog

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // A database that does not answer is asked again at the next round.
            _ = try? await log.sweep()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
