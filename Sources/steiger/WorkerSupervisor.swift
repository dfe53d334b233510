import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps N `steiger worker` processes running beside the server: starts them, restarts any that
/// die (waiting longer each time one dies young), and stops them on shutdown (SIGTERM, then
/// SIGKILL after a grace period).
final class WorkerSupervisor: Service, Sendable {
    let count: Int
    let arguments: [String]
    let logger: Logger
    private let running = Mutex<(processes: [Int: Process], stopping: Bool)>(([:], false))

    init(count: Int, arguments: [String], logger: Logger) {
        self.count = count
        self.arguments = arguments
        self.logger = logger
    }

    /// This program's own path (workers are the same binary).
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    func run() async throws {
        // Stopped by a graceful shutdown, or by cancellation when the server itself fails to start.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withTaskGroup(of: Void.self) { group in
                    for slot in 0..<count { group.addTask { await self.keep(slot: slot) } }
                }
            } onGracefulShutdown: {
                self.stopAll()
            }
        } onCancel: {
            self.stopAll()
        }
    }

    /// Runs one slot's worker again and again until shutdown.
    private func keep(slot: Int) async {
        var backoff: Duration = .seconds(1)
        while !Task.isCancelled, !Task.isShuttingDownGracefully, !running.withLock({ $0.stopping }) {
            let started = ContinuousClock.now
            let status = await launch(slot: slot)
            if Task.isShuttingDownGracefully || Task.isCancelled || running.withLock({ $0.stopping }) { break }
            logger.warning("worker exited; restarting", metadata: ["slot": .stringConvertible(slot), "status": .stringConvertible(status)])
            backoff = ContinuousClock.now - started > .seconds(60) ? .seconds(1) : min(backoff * 2, .seconds(30))
            try? await Task.sleep(for: backoff)
        }
    }

    /// Starts a worker and waits for it to end; returns its exit status (negative: killed by that signal).
    private func launch(slot: Int) async -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["worker", "--exit-with-parent"] + arguments
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { ended in
                self.running.withLock { _ = $0.processes.removeValue(forKey: slot) }
                continuation.resume(returning: ended.terminationReason == .uncaughtSignal ? -ended.terminationStatus : ended.terminationStatus)
            }
            do {
                try process.run()
                // A worker started just as shutdown began is stopped at once.
                let stopping = running.withLock { state in
                    state.processes[slot] = process
                    return state.stopping
                }
                if stopping { kill(process.processIdentifier, SIGTERM) }
                logger.info("worker started", metadata: ["slot": .stringConvertible(slot), "pid": .stringConvertible(process.processIdentifier)])
            } catch {
                logger.error("cannot start a worker", metadata: ["error": .string("\(error)")])
                process.terminationHandler = nil
                continuation.resume(returning: -1)
            }
        }
    }

    /// SIGTERM to every worker (each gives its job back), SIGKILL to those still there after 20 s.
    private func stopAll() {
        let processes = running.withLock { state in
            state.stopping = true
            return Array(state.processes.values)
        }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20) {
            for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }
}
