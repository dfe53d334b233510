import Foundation

/// The room left on the volume that holds the data directory (the database, uploads and media
/// share it), and the part of it kept back: uploads and renditions never take the last
/// ``reserve`` bytes, so the database always has room to record what happened.
public struct DiskSpace: Sendable {
    /// A directory on the volume.
    public let path: String
    /// Bytes kept free for the database (and the records of work in flight).
    public let reserve: Int64
    /// How the volume is measured: free and total bytes, nil when it cannot be asked.
    public typealias Measure = @Sendable (String) -> (free: Int64, total: Int64)?
    let measure: Measure

    /// The volume holding `path`, measured with `statvfs` unless `measure` says otherwise (tests
    /// give a volume of a chosen size, as they give a clock).
    public init(path: String, reserve: Int64, measure: Measure? = nil) {
        self.path = path
        self.reserve = reserve
        self.measure = measure ?? Self.statfs
    }

    /// `statvfs`: the bytes an unprivileged process may still use, and the volume's size.
    public static let statfs: Measure = { path in
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return (Int64(stats.f_bavail) * Int64(stats.f_frsize), Int64(stats.f_blocks) * Int64(stats.f_frsize))
    }

    /// The volume's free bytes (as an unprivileged process may use them) and its size, asked
    /// once; nil when the volume cannot be asked.
    public func usage() -> (free: Int64, total: Int64)? { measure(path) }

    /// The volume's free bytes (as an unprivileged process may use them), or nil when the
    /// volume cannot be asked.
    public func free() -> Int64? { usage()?.free }

    /// Free bytes beyond the reserve (negative once the reserve itself is being eaten); when the
    /// volume cannot be asked, as if there were room (the writes themselves still fail cleanly).
    public func spare() -> Int64 {
        guard let free = free() else { return .max }
        return free - reserve
    }

    /// Whether the volume has fallen into the reserve: new uploads and processing wait.
    public var isLow: Bool { Self.isLow(free: free(), reserve: reserve) }

    /// The rule for a low volume: free space (when known) below the reserve.
    public static func isLow(free: Int64?, reserve: Int64) -> Bool { free.map { $0 < reserve } ?? false }

    /// Whether `error` (from a write or a close) means the volume is full: ENOSPC or EDQUOT,
    /// however Foundation wrapped it.
    public static func isFull(_ error: any Error) -> Bool {
        if let error = error as? POSIXError { return [ENOSPC, EDQUOT].contains(error.code.rawValue) }
        let error = error as NSError
        if error.domain == NSCocoaErrorDomain, error.code == CocoaError.fileWriteOutOfSpace.rawValue { return true }
        if error.domain == NSPOSIXErrorDomain, [ENOSPC, EDQUOT].contains(Int32(error.code)) { return true }
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError { return isFull(underlying) }
        return false
    }
}
