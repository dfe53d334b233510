import ArgumentParser
import Foundation
import SteigerMedia
import SteigerPipeline

/// `steiger bench transcode`: renditions against the ffmpeg program, remux against
/// re-encoding, and a batch at two jobs against one.
struct TranscodeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Time transcoding against ffmpeg with the same encoder settings, remuxing against re-encoding, and batch parallelism.")

    @Option(name: .long, help: "Clip to transcode with both Steiger and ffmpeg (e.g. 30 s of 1080p).")
    var clip: String

    @Option(name: .long, help: "A web-safe file to remux and to re-encode (e.g. 2 minutes of 1080p H.264/AAC MP4).")
    var webSafe: String?

    @Option(name: .long, help: "A folder of files to convert in a batch, with one job and with two.")
    var batch: String?

    @Option(name: .long, help: "x264 preset for both sides.")
    var preset: String = "veryfast"

    @Option(name: .long, help: "CRF for both sides.")
    var crf: Int = 23

    func run() throws {
        FFmpegLog.setLevel(.quiet)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("steiger-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // 1. One rendition, both ways.
        let options = TranscodeOptions(maxHeight: 720, crf: crf, preset: preset, allowRemux: false)
        let ours = scratch + "/steiger.mp4"
        let reference = scratch + "/ffmpeg.mp4"
        let source = try MediaProbe.probe(path: clip)
        let ourTime = try time { try Transcoder.transcode(input: clip, output: ours, options: options) }
        let gop = Int((ProbeReport.rationalValue(source.video?.averageFrameRate) ?? 30) * options.keyFrameInterval)
        let command = [
            "ffmpeg", "-v", "error", "-y", "-i", clip, "-map", "0:v:0", "-map", "0:a:0?",
            "-vf", "scale=-2:720:flags=bicubic", "-c:v", "libx264", "-preset", preset, "-crf", String(crf),
            "-profile:v", "high", "-g", String(gop), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000", "-movflags", "+faststart", reference,
        ]
        let referenceRun = try ChildProcess.run(command)
        guard referenceRun.status == 0 else { throw ValidationError("ffmpeg failed on \(clip)") }
        let ourInfo = try MediaProbe.probe(path: ours)
        let referenceInfo = try MediaProbe.probe(path: reference)
        let ourSSIM = try ssim(ours, against: clip)
        let referenceSSIM = try ssim(reference, against: clip)
        print("Rendition of \((clip as NSString).lastPathComponent) (\(describe(source))), 720p, x264 \(preset) CRF \(crf), AAC 128k")
        print(String(format: "  %-9@ %9@ %12@ %8@", "" as NSString, "wall" as NSString, "size" as NSString, "SSIM" as NSString))
        print(
            String(
                format: "  %-9@ %8.2fs %12@ %8.5f", "steiger" as NSString, ourTime, ProbeReport.formatBytes(ourInfo.container.size) as NSString,
                ourSSIM))
        print(
            String(
                format: "  %-9@ %8.2fs %12@ %8.5f", "ffmpeg" as NSString, referenceRun.seconds,
                ProbeReport.formatBytes(referenceInfo.container.size) as NSString, referenceSSIM))
        print(
            String(
                format: "  time ratio steiger/ffmpeg %.3f, size ratio %.3f, SSIM difference %+.5f",
                ourTime / referenceRun.seconds, Double(ourInfo.container.size) / Double(referenceInfo.container.size), ourSSIM - referenceSSIM))

        // 2. Remux against re-encoding the same web-safe file.
        if let webSafe {
            let info = try MediaProbe.probe(path: webSafe)
            let height = info.video?.displayHeight ?? 720
            let remux = TranscodeOptions(maxHeight: height, crf: crf, preset: preset)
            var reencode = remux
            reencode.allowRemux = false
            var plan: TranscodePlan.Action = .transcode
            let remuxTime = try time { plan = try Transcoder.transcode(input: webSafe, output: scratch + "/remux.mp4", options: remux).plan.action }
            let encodeTime = try time { try Transcoder.transcode(input: webSafe, output: scratch + "/encode.mp4", options: reencode) }
            print("\nRemux of \((webSafe as NSString).lastPathComponent) (\(describe(info))) against re-encoding it at the same size")
            print(String(format: "  %@ %.2fs, re-encode %.2fs: %.0fx faster", plan.rawValue, remuxTime, encodeTime, encodeTime / remuxTime))
        }

        // 3. A batch with two jobs against one.
        if let batch {
            var results: [Int: (seconds: Double, count: Int)] = [:]
            for jobs in [1, 2] {
                let out = scratch + "/batch-\(jobs)"
                let items = BatchPlanner.plan(sources: [batch], outputDirectory: out, options: TranscodeOptions(crf: crf, preset: preset))
                var finished: [BatchItem] = []
                let seconds = try time { finished = BatchRunner(items: items, jobs: jobs, options: TranscodeOptions(crf: crf, preset: preset)).run() }
                results[jobs] = (seconds, finished.filter { $0.result != nil }.count)
            }
            print("\nBatch of \(results[1]!.count) files in \((batch as NSString).lastPathComponent)")
            print(
                String(
                    format: "  --jobs 1 %.2fs, --jobs 2 %.2fs: %.2fx", results[1]!.seconds, results[2]!.seconds,
                    results[1]!.seconds / results[2]!.seconds))
        }
    }

    private func time(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return (ContinuousClock.now - start).seconds
    }

    private func describe(_ info: MediaInfo) -> String {
        let video = info.video.map { "\($0.codec) \($0.displayWidth ?? 0)x\($0.displayHeight ?? 0)" } ?? "no video"
        return String(format: "%@, %.0f s", video, info.container.duration ?? 0)
    }

    /// SSIM (all planes) of a rendition against its source scaled to the rendition's size.
    private func ssim(_ rendition: String, against source: String) throws -> Double {
        let info = try MediaProbe.probe(path: rendition)
        guard let video = info.video, let width = video.width, let height = video.height else { return 0 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ChildProcess.resolve("ffmpeg") ?? "/usr/bin/ffmpeg")
        process.arguments = [
            "-hide_banner", "-i", rendition, "-i", source, "-lavfi",
            "[1:v]scale=\(width):\(height):flags=bicubic,format=yuv420p[ref];[0:v]format=yuv420p[out];[out][ref]ssim", "-f", "null", "-",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let range = text.range(of: "All:") else { return 0 }
        return Double(text[range.upperBound...].prefix { $0 == "." || $0.isNumber }) ?? 0
    }
}
