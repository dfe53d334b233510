import Foundation

/// The room left on the volume that holds the data directory (the database, uploads and media
/// share it), and the part of it kept back: uploads and renditions never take the last
/// ``reserve`` bytes, so the database always has room to record what happened.
public struct DiskSpace: Sendable {
    /// A directory on the volume.
    public let path: String
    /// Bytes kept free for the database (and the records of work in flight).
    public let reserve: Int64

    public init(path: String, reserve: Int64) {
        self.path = path
        self.reserve = reserve
    }

    /// The volume's free bytes (as an unprivileged process may use them), or nil when the
    /// volume cannot be asked.
    public func free() -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    /// The volume's size in bytes, or nil when it cannot be asked.
    public func total() -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_blocks) * Int64(stats.f_frsize)
    }

    /// Free bytes beyond the reserve (negative once the reserve itself is being eaten); when the
    /// volume cannot be asked, as if there were room (the writes themselves still fail cleanly).
    public func spare() -> Int64 {
        guard let free = free() else { return .max }
        return free - reserve
    }

    /// Whether the volume has fallen into the reserve: new uploads and processing wait.
    public var isLow: Bool { spare() < 0 }

    /// Whether `error` (from a write or a close) means the volume is full.
    public static func isFull(_ error: any Error) -> Bool {
        let code: Int32? =
            if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError {
                Int32(underlying.code)
            } else if let error = error as? POSIXError {
                error.code.rawValue
            } else {
                (error as NSError).domain == NSPOSIXErrorDomain ? Int32((error as NSError).code) : nil
            }
        return code == ENOSPC || code == EDQUOT
    }
}
