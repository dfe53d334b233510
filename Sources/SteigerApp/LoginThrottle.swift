import Foundation
import Logging
import Synchronization

/// Counts failed logins per account and per address in a sliding window, and says how long to
/// wait once a limit is reached. Kept in memory per server process.
public final class LoginThrottle: Sendable {
    private let failures = Mutex<[String: [Date]]>([:])
    private let perAccount: Int
    private let perAddress: Int
    private let window: TimeInterval

    public init(perAccount: Int, perAddress: Int, window: TimeInterval) {
        self.perAccount = perAccount
        self.perAddress = perAddress
        self.window = window
    }

    /// Checks and counts one attempt in a single step: returns the seconds to wait when a limit
    /// is reached (the attempt is then not counted), or nil to go ahead. Counting before the
    /// password is checked means parallel guesses cannot slip past the limit.
    func attempt(email: String, address: String?, now: Date) -> Int? {
        failures.withLock { failures in
            var wait: TimeInterval = 0
            let keys = keys(email: email, address: address)
            for (key, limit) in keys {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait, window - now.timeIntervalSince(oldest))
                }
            }
            if wait > 0 { return Int(wait.rounded(.up)) }
            for (key, _) in keys { failures[key, default: []].append(now) }
            if failures.count > 100_000 { prune(&failures, now: now) }
            return nil
        }
    }

    /// A successful login: the account's count starts again and the address gets its attempt back.
    func succeed(email: String, address: String?) {
        failures.withLock { failures in
            failures.removeValue(forKey: "account:" + email)
            if let address, var times = failures["address:" + address], !times.isEmpty {
                times.removeLast()
                failures["address:" + address] = times.isEmpty ? nil : times
            }
        }
    }

    /// Bounds memory: forgets expired attempts, and if that is not enough, addresses (never
    /// accounts, so no one can lift an account's limit by flooding the table).
    private func prune(_ failures: inout [String: [Date]], now: Date) {
        failures = failures.filter { _, times in times.contains { now.timeIntervalSince($0) < window } }
        if failures.count > 100_000 { failures = failures.filter { key, _ in key.hasPrefix("account:") } }
    }

    private func keys(email: String, address: String?) -> [(String, Int)] {
        [("account:" + email, perAccount)] + (address.map { [("address:" + $0, perAddress)] } ?? [])
    }
}
