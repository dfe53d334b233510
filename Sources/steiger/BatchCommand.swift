import ArgumentParser
import Foundation
import SteigerMedia
import SteigerPipeline
import Synchronization

/// `steiger batch`: work over whole archives.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Batch work over folders of recordings.",
        subcommands: [BatchTranscodeCommand.self])
}

/// `steiger batch transcode`: web renditions of every recording under some folders.
struct BatchTranscodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Make web renditions of every recording in files and folders (recursively).",
        discussion: """
            Plans first (--dry-run prints the plan and stops), then converts N files at a time. Each \
            rendition is written under a temporary name and renamed only when complete and readable, so \
            an interrupted run (Ctrl-C) leaves nothing that looks done; running the same command again \
            skips what is finished. A damaged file is reported and skipped. The report is written to \
            report.jsonl and report.csv in the output folder. Exit status 65 when any file failed, 130 \
            when interrupted.
            """)

    @Argument(help: "Files and folders to convert.")
    var sources: [String]

    @Option(name: .customLong("out"), help: "Folder for the renditions and the report.")
    var outputDirectory: String

    @Option(name: .long, help: "Files converted at once.")
    var jobs: Int = 1

    @Flag(name: .long, help: "Print the plan and stop.")
    var dryRun = false

    @OptionGroup var rendition: RenditionOptions

    @OptionGroup var media: MediaOptions

    func validate() throws {
        guard jobs >= 1, jobs <= 64 else { throw ValidationError("--jobs must be between 1 and 64.") }
    }

    func run() throws {
        media.configure()
        let options = rendition.transcodeOptions()
        let plan = BatchPlanner.plan(sources: sources, outputDirectory: outputDirectory, options: options, limits: media.limits)
        let work = plan.filter(\.needsWork)
        let totalBytes = work.reduce(0) { $0 + $1.bytes }
        print(
            "plan: \(plan.count) files: \(work.filter { $0.action == .remux }.count) to remux, \(work.filter { $0.action == .transcode }.count) to transcode, \(plan.filter { $0.action == .skipped }.count) skipped, \(plan.filter { $0.action == .failed }.count) unreadable (\(ProbeReport.formatBytes(totalBytes)) to convert)"
        )
        fflush(nil)
        if dryRun {
            for item in plan {
                let target = item.output.map { " -> \($0)" } ?? ""
                print(
                    "  \(item.action.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(item.source)\(target)\(item.reason.map { "  (\($0))" } ?? "")"
                )
            }
            return
        }
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let token = CancellationToken()
        SignalHandling.cancelOnInterrupt(token)
        let display = BatchDisplay(plan: plan, interactive: isatty(STDOUT_FILENO) == 1)
        let runner = BatchRunner(items: plan, jobs: jobs, options: options, limits: media.limits, token: token)
        let finished = display.track { runner.run($0) }
        do {
            let paths = try BatchReport.write(finished, to: outputDirectory)
            print("report: \(paths.jsonLines), \(paths.csv)")
        } catch {
            throw error.report()
        }
        let failed = finished.filter { $0.action == .failed && $0.errorCode != MediaError.Code.cancelled.description }
        let converted = finished.filter { $0.result != nil && $0.action != .skipped }
        print("done: \(converted.count) converted, \(finished.filter { $0.action == .skipped }.count) skipped, \(failed.count) failed")
        if token.isCancelled {
            printError("steiger: interrupted; run the same command again to finish")
            throw ExitCode(130)
        }
        if !failed.isEmpty { throw ExitCode(ExitStatus.badMedia) }
    }
}

/// Shows a batch's progress: a live block on a terminal, plain lines otherwise.
final class BatchDisplay: Sendable {
    private struct State {
        var running: [Int: Double] = [:]
        var done = 0
        var failed = 0
        var bytesDone: Int64 = 0
        var linesDrawn = 0
    }

    private let plan: [BatchItem]
    private let interactive: Bool
    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let totalWork: Int
    private let totalBytes: Int64

    init(plan: [BatchItem], interactive: Bool) {
        self.plan = plan
        self.interactive = interactive
        let work = plan.filter(\.needsWork)
        totalWork = work.count
        totalBytes = work.reduce(0) { $0 + $1.bytes }
    }

    /// Runs `body`, feeding its events to the display; redraws twice a second on a terminal.
    func track(_ body: (@escaping @Sendable (BatchRunner.Event) -> Void) -> [BatchItem]) -> [BatchItem] {
        // A dispatch source must be resumed before it is released, so it exists only when used.
        var timer: (any DispatchSourceTimer)?
        let queue = DispatchQueue(label: "steiger.batch.display")
        if interactive {
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.schedule(deadline: .now(), repeating: .milliseconds(500))
            source.setEventHandler { [self] in draw() }
            source.resume()
            timer = source
        }
        let result = body { [self] event in handle(event) }
        if let timer {
            timer.cancel()
            queue.sync {}  // a redraw already under way finishes before the final clear
            draw(final: true)
        }
        return result
    }

    private func handle(_ event: BatchRunner.Event) {
        switch event {
        case .started(let index):
            state.withLock { $0.running[index] = 0 }
            if !interactive { printLine("start \(plan[index].action.rawValue) \(plan[index].source)") }
        case .progress(let index, let fraction):
            state.withLock { $0.running[index] = fraction }
        case .finished(let index, let item):
            let line: String = state.withLock { state in
                state.running[index] = nil
                state.done += 1
                state.bytesDone += item.bytes
                if item.action == .failed { state.failed += 1 }
                let outcome = item.action == .failed ? "FAILED \(item.reason ?? "")" : "\(item.action.rawValue) -> \(item.output ?? "")"
                return "[\(state.done)/\(totalWork)] \(item.source): \(outcome)" + (item.seconds.map { String(format: " (%.1f s)", $0) } ?? "")
            }
            if interactive { printAbove(line) } else { printLine(line) }
        }
    }

    /// A log line, flushed at once so a reader on a pipe sees it as it happens.
    private func printLine(_ line: String) {
        print(line)
        fflush(nil)
    }

    private func printAbove(_ line: String) {
        state.withLock { state in
            clear(&state)
            print(line)
        }
        draw()
    }

    private func clear(_ state: inout State) {
        if state.linesDrawn > 0 {
            print("\u{1B}[\(state.linesDrawn)A\u{1B}[J", terminator: "")
            state.linesDrawn = 0
        }
    }

    private func draw(final: Bool = false) {
        state.withLock { state in
            clear(&state)
            guard !final else { return }
            let partial = state.running.reduce(0.0) { $0 + Double(plan[$1.key].bytes) * $1.value }
            let doneBytes = Double(state.bytesDone) + partial
            let elapsed = (ContinuousClock.now - started).seconds
            var eta = "--:--"
            if doneBytes > 0, totalBytes > 0 {
                let remaining = elapsed * (Double(totalBytes) - doneBytes) / doneBytes
                eta = String(format: "%d:%02d", Int(remaining) / 60, Int(remaining) % 60)
            }
            var lines = [
                String(
                    format: "%d/%d files done, %d failed, %@ of %@, ETA %@", state.done, totalWork, state.failed,
                    ProbeReport.formatBytes(Int64(doneBytes)), ProbeReport.formatBytes(totalBytes), eta)
            ]
            for (index, fraction) in state.running.sorted(by: { $0.key < $1.key }) {
                lines.append(String(format: "  %5.1f%%  %@", fraction * 100, (plan[index].source as NSString).lastPathComponent))
            }
            print(lines.joined(separator: "\n"))
            state.linesDrawn = lines.count
        }
        fflush(nil)
    }
}
