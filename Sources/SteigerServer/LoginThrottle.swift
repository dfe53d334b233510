import Foundation
import Logging
import Synchronization

/// Counts failed logins per account and per address in a sliding window, and says how long to
/// wait once a limit is reached. Kept in memory per server process.
final class LoginThrottle: Sendable {
    private let failures = Mutex<[String: [Date]]>([:])
    private let perAccount: Int
    private let perAddress: Int
    private let window: TimeInterval

    init(perAccount: Int, perAddress: Int, window: TimeInterval) {
        self.perAccount = perAccount
        self.perAddress = perAddress
        self.window = window
    }

    /// Seconds to wait before `email` may try again from `address`, or nil to go ahead.
    func retryAfter(email: String, address: String?, now: Date) -> Int? {
        failures.withLock { failures in
            var wait: TimeInterval = 0
            for (key, limit) in keys(email: email, address: address) {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait, window - now.timeIntervalSince(oldest))
                }
            }
            return wait > 0 ? Int(wait.rounded(.up)) : nil
        }
    }

    /// Records a failed attempt.
    func fail(email: String, address: String?, now: Date) {
        failures.withLock { failures in
            for (key, _) in keys(email: email, address: address) { failures[key, default: []].append(now) }
            // Bound the memory an attacker can make us use.
            if failures.count > 100_000 { failures.removeAll() }
        }
    }

    /// Forgets an account's failures after a successful login.
    func succeed(email: String) {
        _ = failures.withLock { $0.removeValue(forKey: "account:" + email) }
    }

    private func keys(email: String, address: String?) -> [(String, Int)] {
        [("account:" + email, perAccount)] + (address.map { [("address:" + $0, perAddress)] } ?? [])
    }
}
