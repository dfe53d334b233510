import ArgumentParser
import Foundation
import Logging
import SteigerMedia
import SteigerPipeline
import SteigerStore

/// `steiger worker`: the job loop. All FFmpeg work of the service happens in these processes,
/// never in the HTTP server; `steiger serve` starts and restarts them.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run background jobs (processing uploads); `steiger serve` starts these itself."
    )

    @OptionGroup var service: ServiceOptions

    @Option(help: "Memory limit of this process in MiB (its heap and buffers); a job that needs more ends the process and is retried.")
    var memoryLimit = 3072

    @Option(help: "Seconds any job may run at most before the process gives up on it (each recording gets less, by its length and size).")
    var deadline: Double = 2 * 3600

    @Option(help: "How many jobs of one learner may run at once across all workers (default: one).")
    var perLearner = 1

    @Option(help: "Seconds a job's lease lasts without a heartbeat: how soon a dead worker's job is taken up again.")
    var lease: Double = 60

    @Flag(help: ArgumentHelp("Stop when the parent process (steiger serve) is gone.", visibility: .hidden))
    var exitWithParent = false

    func run() async throws {
        let logger = service.makeLogger()
        if memoryLimit > 0 {
            var limit = rlimit(rlim_cur: rlim_t(memoryLimit) << 20, rlim_max: rlim_t(memoryLimit) << 20)
            if setrlimit(Int32(RLIMIT_DATA.rawValue), &limit) != 0 {
                logger.warning("could not set the memory limit", metadata: ["errno": .stringConvertible(errno)])
            }
        }
        try await service.withStore(logger: logger) { store in try await work(store, logger: logger) }
    }

    private func work(_ store: Store, logger: Logger) async throws {
        try await store.migrate()
        let blobs = try BlobStore(root: service.dataDirectory + "/media")
        var rules = SubmissionProcessor.Rules()
        rules.deadline = deadline
        let processor = SubmissionProcessor(store: store, blobs: blobs, rules: rules, logger: logger)
        let host = ProcessInfo.processInfo.hostName
        let worker = JobWorker(
            store: store, processor: processor, owner: "\(host):\(getpid())", lease: lease,
            exitOnDeadline: true, perLearner: max(perLearner, 1),
            disk: DiskSpace(path: service.dataDirectory, reserve: service.diskReserve), logger: logger)
        let stop = CancellationToken()
        SignalHandling.cancelOnInterrupt(stop)
        if exitWithParent {
            // A server that died without stopping its workers (SIGKILL, a crash) must not leave them behind.
            let parent = getppid()
            Thread.detachNewThread {
                while !stop.isCancelled {
                    if getppid() != parent { stop.cancel() }
                    Thread.sleep(forTimeInterval: 1)
                }
            }
        }
        await worker.run(stop: stop)
    }
}
