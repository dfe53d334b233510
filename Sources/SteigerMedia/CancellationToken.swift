import Synchronization

/// A flag another task or a signal handler sets to stop a long media operation.
///
/// Operations check it between packets and frames, and FFmpeg checks it through the
/// interrupt callback while it waits for input, so a cancelled operation ends promptly
/// with ``MediaError/Code-swift.struct/cancelled``.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Creates a token that is not cancelled.
    public init() {}

    /// Asks every operation holding this token to stop.
    public func cancel() { flag.store(true, ordering: .relaxed) }

    /// Whether ``cancel()`` has been called.
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
