import Dispatch
import Foundation
public import SteigerMedia
import Synchronization

/// Runs a planned batch, a given number of files at a time.
///
/// One failing file is recorded and the rest go on. Cancelling the token stops the running
/// conversions (their temporary files are removed) and starts no more; those files stay
/// undone, so the next run picks them up.
public final class BatchRunner: Sendable {
    /// What the runner reports while it works.
    public enum Event: Sendable {
        /// Item `index` started.
        case started(index: Int)
        /// Item `index` is `fraction` done.
        case progress(index: Int, fraction: Double)
        /// Item `index` finished (converted, skipped or failed).
        case finished(index: Int, item: BatchItem)
    }

    private let items: [BatchItem]
    private let jobs: Int
    private let options: TranscodeOptions
    private let limits: InputLimits
    private let token: CancellationToken

    /// Prepares a run of `items` with `jobs` conversions at once.
    public init(
        items: [BatchItem], jobs: Int, options: TranscodeOptions = TranscodeOptions(), limits: InputLimits = .default,
        token: CancellationToken = CancellationToken()
    ) {
        self.items = items
        self.jobs = max(1, jobs)
        var perJob = options
        if perJob.threads == 0 {
            // Share the cores between the conversions running at once.
            perJob.threads = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, jobs))
        }
        self.options = perJob
        self.limits = limits
        self.token = token
    }

    /// Runs the batch; returns every item with its outcome, in plan order. Items that never
    /// ran because the batch was cancelled keep their planned action and have no result.
    public func run(_ report: @escaping @Sendable (Event) -> Void = { _ in }) -> [BatchItem] {
        let state = Mutex((next: 0, items: items))
        let group = DispatchGroup()
        for _ in 0..<jobs {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while !token.isCancelled {
                    let claimed: (Int, BatchItem)? = state.withLock { state in
                        while state.next < state.items.count {
                            let index = state.next
                            state.next += 1
                            if state.items[index].needsWork { return (index, state.items[index]) }
                        }
                        return nil
                    }
                    guard let (index, item) = claimed else { return }
                    report(.started(index: index))
                    let finished = convert(item, index: index, report: report)
                    if finished.action == .failed, finished.errorCode == MediaError.Code.cancelled.description { return }
                    state.withLock { $0.items[index] = finished }
                    report(.finished(index: index, item: finished))
                }
            }
        }
        group.wait()
        return state.withLock { state in
            state.items.map { item in
                guard item.needsWork, item.result == nil else { return item }
                var stopped = item
                stopped.action = .failed
                stopped.reason = "Stopped before it was converted; run the batch again to finish it."
                stopped.errorCode = MediaError.Code.cancelled.description
                return stopped
            }
        }
    }

    private func convert(_ item: BatchItem, index: Int, report: @escaping @Sendable (Event) -> Void) -> BatchItem {
        var done = item
        guard let output = item.output else { return item }
        do {
            try FileManager.default.createDirectory(atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            done.action = .failed
            done.reason = "The output folder could not be created: \(error.localizedDescription)"
            done.errorCode = MediaError.Code.writeFailed.description
            return done
        }
        do {
            let result = try Transcoder.transcode(input: item.source, output: output, options: options, limits: limits, token: token) { fraction in
                report(.progress(index: index, fraction: fraction))
            }
            done.action = result.plan.action == .remux ? .remux : .transcode
            done.reason = result.plan.reasons.isEmpty ? nil : result.plan.reasons.joined(separator: "; ")
            done.result = result.output
            done.seconds = result.seconds
        } catch {
            done.action = .failed
            done.reason = error.message
            done.errorCode = error.code.description
        }
        return done
    }
}
