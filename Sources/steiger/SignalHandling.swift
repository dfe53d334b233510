import Dispatch
import Foundation
import SteigerMedia

/// Turns Ctrl-C (SIGINT) and SIGTERM into cancellation, so long work stops cleanly and
/// removes its temporary files instead of dying mid-write.
enum SignalHandling {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Cancels `token` on the first SIGINT or SIGTERM; a second one ends the process at once.
    static func cancelOnInterrupt(_ token: CancellationToken) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if token.isCancelled {
                    // A second interrupt: no waiting for the work to wind down, but no
                    // half-written renditions left behind either.
                    TemporaryFiles.removeAll()
                    _exit(130)
                }
                token.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }
}
