import ArgumentParser
import Foundation
import SteigerMedia

/// `steiger bench`: measurements side by side with the FFmpeg programs.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks against the reference programs, run side by side.",
        subcommands: [
            MediaBenchCommand.self, TranscodeBenchCommand.self, APISeedCommand.self, QueueBenchCommand.self, ScaffoldBenchCommand.self,
            EventsBenchCommand.self, DigestBenchCommand.self, PeakMemoryCommand.self, DashboardSeedCommand.self,
        ])
}

/// The value at percentile `p` (0…100) of `sorted` by the nearest rank, as the benchmarks report latencies.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))]
}

/// `steiger bench peak-memory -- COMMAND...`: runs a command and prints its peak memory in bytes.
///
/// The media benchmark measures memory through this small intermediate process: a process
/// started directly from a large parent inherits the parent's resident size in its peak
/// (Linux records the old address space's size at `exec`), which would inflate the figure.
struct PeakMemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak-memory", abstract: "Run a command and print its peak resident memory in bytes.", shouldDisplay: false)

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.")
    var command: [String]

    func run() throws {
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        guard !arguments.isEmpty else { throw ValidationError("Give a command to run.") }
        let result = try ChildProcess.run(arguments)
        print(result.peakMemory)
        if result.status != 0 { throw ExitCode(result.status) }
    }
}

/// `steiger bench media`: probe, poster and storyboard against ffprobe/ffmpeg on the same files.
struct MediaBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Time probe, thumbnail and storyboard against ffprobe and ffmpeg on the same files.",
        discussion: """
            Steiger's figures are in-process (what a worker pays); the reference figures are whole \
            program runs (what calling ffprobe/ffmpeg per file costs). Ratios above 1 mean Steiger \
            is faster. Peak memory of a storyboard is measured on separate processes for both sides.
            """)

    @Argument(help: "Media files to measure.")
    var files: [String]

    @Option(name: .customLong("repeat"), help: "Repetitions per measurement (the median is reported).")
    var repetitions: Int = 5

    @Option(name: .long, help: "Storyboards only for videos at least this long, in seconds.")
    var storyboardMinimum: Double = 60

    func run() throws {
        FFmpegLog.setLevel(.quiet)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("steiger-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let me = CommandLine.arguments[0].contains("/") ? CommandLine.arguments[0] : (ChildProcess.resolve(CommandLine.arguments[0]) ?? "steiger")

        var probeRows: [[String]] = []
        var thumbRows: [[String]] = []
        var boardRows: [[String]] = []
        var probeRatios: [Double] = []
        for file in files {
            let name = (file as NSString).lastPathComponent
            guard let info = try? MediaProbe.probe(path: file) else {
                printError("skipping \(file): not readable media")
                continue
            }
            // Probe
            let ours = try median(repetitions * 4) { _ = try MediaProbe.probe(path: file) }
            let reference = try median(repetitions) {
                try expectSuccess(ChildProcess.run(["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", file]))
            }
            probeRatios.append(reference / ours)
            probeRows.append([name, ms(ours), ms(reference), ratio(reference / ours)])

            guard info.video != nil, let duration = info.container.duration else { continue }
            // Poster at a fixed time
            let at = min(12.5, duration / 2)
            let atText = String(format: "%.3f", at)
            let posterPath = scratch + "/poster.jpg"
            let oursPoster = try median(repetitions) { _ = try Thumbnailer.poster(path: file, at: at, width: 320) }
            let referencePoster = try median(repetitions) {
                try expectSuccess(
                    ChildProcess.run(["ffmpeg", "-v", "error", "-y", "-ss", atText, "-i", file, "-frames:v", "1", "-vf", "scale=320:-2", posterPath]))
            }
            thumbRows.append([name, atText + " s", ms(oursPoster), ms(referencePoster), ratio(referencePoster / oursPoster)])

            // Storyboard: 2 s tiles, 160 px, 10 x 6 per sheet
            guard duration >= storyboardMinimum else { continue }
            let tiles = Int((duration / 2).rounded(.up))
            let referenceCommand = [
                "ffmpeg", "-v", "error", "-y", "-skip_frame", "nokey", "-i", file,
                "-vf", "fps=1/2,scale=160:-2,tile=10x6", "-frames:v", "1", scratch + "/reference.jpg",
            ]
            let referenceBoard = try median(repetitions) { try expectSuccess(ChildProcess.run(referenceCommand)) }
            let referenceMemory = try peakMemory(of: referenceCommand, via: me)
            for precision in [FramePrecision.fast, .keyframe] {
                let options = StoryboardOptions(interval: 2, tileWidth: 160, columns: 10, rows: 6, precision: precision)
                let oursBoard = try median(repetitions) { _ = try StoryboardMaker.make(path: file, options: options) }
                let ourMemory = try peakMemory(
                    of: [
                        me, "storyboard", file, "--every", "2", "--tile", "160", "--columns", "10", "--rows", "6",
                        "--precision", precision.rawValue, "-o", scratch + "/board",
                    ], via: me)
                boardRows.append([
                    name, "\(tiles)", precision.rawValue, ms(oursBoard), ms(referenceBoard), ratio(referenceBoard / oursBoard),
                    mib(ourMemory), mib(referenceMemory),
                ])
            }
        }
        print("Probe (ours in-process, median of \(repetitions * 4); ffprobe -of json -show_format -show_streams per file, median of \(repetitions))")
        printTable(["file", "steiger", "ffprobe", "speed-up"], probeRows)
        if !probeRatios.isEmpty {
            let geometric = exp(probeRatios.map { log($0) }.reduce(0, +) / Double(probeRatios.count))
            print(String(format: "  geometric mean speed-up: %.1fx", geometric))
        }
        print("\nPoster, 320 px wide (ours in-process; ffmpeg -ss T -i F -frames:v 1 -vf scale=320:-2)")
        printTable(["file", "at", "steiger", "ffmpeg", "speed-up"], thumbRows)
        if !boardRows.isEmpty {
            print(
                "\nStoryboard, 2 s tiles of 160 px in 10x6 sheets (ours in-process; ffmpeg -skip_frame nokey -i F -vf fps=1/2,scale=160:-2,tile=10x6 -frames:v 1)"
            )
            print("Peak memory: `steiger storyboard` and the ffmpeg command as separate processes.")
            printTable(["file", "tiles", "precision", "steiger", "ffmpeg", "speed-up", "steiger mem", "ffmpeg mem"], boardRows)
        }
    }

    private func median(_ count: Int, _ body: () throws -> Void) throws -> Double {
        var samples: [Double] = []
        for _ in 0..<max(count, 1) {
            let start = ContinuousClock.now
            try body()
            samples.append((ContinuousClock.now - start).seconds)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Peak memory of `command`, measured by a fresh `steiger bench peak-memory` process.
    private func peakMemory(of command: [String], via steiger: String) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: steiger)
        process.arguments = ["bench", "peak-memory", "--"] + command
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let bytes = Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw ValidationError("measuring \(command[0]) failed")
        }
        return bytes
    }

    private func expectSuccess(_ result: ChildProcess.Result) throws {
        if result.status != 0 { throw ValidationError("a reference command failed with status \(result.status)") }
    }

    private func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    private func ratio(_ value: Double) -> String { String(format: "%.1fx", value) }
    private func mib(_ bytes: Int) -> String { String(format: "%.0f MiB", Double(bytes) / 1_048_576) }

    private func printTable(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for (n, row) in all.enumerated() {
            let cells = row.enumerated().map { column, cell in
                column == 0
                    ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }
            print("  " + cells.joined(separator: "  "))
            if n == 0 { print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
    }
}
