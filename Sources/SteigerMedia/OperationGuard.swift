internal import CFFmpeg
import Foundation

/// The deadline and cancellation state of one media operation, shared with FFmpeg's
/// interrupt callback.
///
/// FFmpeg calls the callback from the thread running the operation, so the object is
/// only read there; `@unchecked Sendable` is safe because its stored properties are
/// immutable and the token is itself thread-safe.
final class OperationGuard: @unchecked Sendable {
    let deadline: ContinuousClock.Instant
    let token: CancellationToken?
    let path: String

    init(timeout: Double, token: CancellationToken?, path: String) {
        let milliseconds = timeout.isFinite ? min(max(timeout, 0), 1e12) * 1000 : 1e15
        self.deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(milliseconds)))
        self.token = token
        self.path = path
    }

    /// Whether FFmpeg should abandon what it is doing.
    var shouldStop: Bool {
        (token?.isCancelled ?? false) || ContinuousClock.now >= deadline
    }

    /// Throws when the operation is cancelled or past its deadline; called between units of work.
    func check() throws(MediaError) {
        if token?.isCancelled ?? false {
            throw MediaError(.cancelled, "The operation was cancelled.", path: path)
        }
        if ContinuousClock.now >= deadline {
            throw MediaError(.timedOut, "Processing the file took longer than allowed and was stopped.", path: path)
        }
    }

    /// An `AVIOInterruptCB` that consults this guard. The guard must outlive every use of it.
    var interruptCallback: AVIOInterruptCB {
        AVIOInterruptCB(
            callback: { opaque in
                guard let opaque else { return 0 }
                let state = Unmanaged<OperationGuard>.fromOpaque(opaque).takeUnretainedValue()
                return state.shouldStop ? 1 : 0
            },
            opaque: Unmanaged.passUnretained(self).toOpaque()
        )
    }
}
