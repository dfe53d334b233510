import Foundation
import Synchronization

/// Counts what each key (a learner) does in a sliding window, and says how long to wait once a
/// key has done its limit. Kept in memory per server process.
final class RateWindow: Sendable {
    private let events = Mutex<[String: [Date]]>([:])
    let limit: Int
    let window: TimeInterval

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Counts one event for `key`, or, at the limit, returns the seconds until the oldest event
    /// leaves the window (the event is then not counted).
    func take(_ key: String, now: Date) -> Int? {
        guard limit > 0 else { return nil }
        return events.withLock { events in
            let recent = (events[key] ?? []).filter { now.timeIntervalSince($0) < window }
            if recent.count >= limit, let oldest = recent.first {
                events[key] = recent
                return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
            }
            events[key] = recent + [now]
            if events.count > 100_000 { events = events.filter { _, times in times.contains { now.timeIntervalSince($0) < window } } }
            return nil
        }
    }
}
