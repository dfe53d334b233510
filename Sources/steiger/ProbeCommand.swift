import ArgumentParser
import Foundation
import SteigerMedia

/// `steiger probe`: what a media file holds, as text or JSON.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Describe a media file: container, streams, rotation, colour, playability.",
        discussion: "With --json, prints the documented MediaInfo schema (docs/probe.md). Several files print a JSON array.")

    @Argument(help: "Media files to describe.")
    var files: [String]

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Flag(name: .long, help: "Also decode the main audio track and report whether it is silent.")
    var audio = false

    @OptionGroup var media: MediaOptions

    func run() throws {
        media.configure()
        var results: [MediaInfo] = []
        var failure: ExitCode?
        for file in files {
            do {
                let info = try MediaProbe.probe(path: file, limits: media.limits, checkAudio: audio)
                if json {
                    results.append(info)
                } else {
                    print(ProbeReport.text(for: info, path: file))
                }
            } catch {
                failure = error.report()
            }
        }
        if json {
            if files.count == 1, let only = results.first {
                print(try encodeJSON(only))
            } else if files.count > 1 {
                print(try encodeJSON(results))
            }
        }
        if let failure { throw failure }
    }
}

/// The human-readable form of a probe.
enum ProbeReport {
    static func text(for info: MediaInfo, path: String) -> String {
        var lines: [String] = []
        let c = info.container
        lines.append("\(path)")
        var summary = "  \(c.kind) (\(c.formatLongName)), \(formatBytes(c.size))"
        if let duration = c.duration { summary += ", \(formatDuration(duration))" + (c.durationSource == "packets" ? " (measured)" : "") }
        if let rate = c.bitRate { summary += ", \(rate / 1000) kb/s" }
        lines.append(summary)
        if let title = c.title { lines.append("  title: \(title)") }
        if let created = c.creationTime { lines.append("  recorded: \(created)") }
        if let device = c.device {
            lines.append("  device: " + [device.make, device.model, device.software].compactMap { $0 }.joined(separator: " "))
        }
        for stream in info.streams {
            var line = "  #\(stream.index) \(stream.kind.rawValue): \(stream.codec)"
            if let profile = stream.profile { line += " (\(profile))" }
            switch stream.kind {
            case .video:
                if let w = stream.width, let h = stream.height { line += ", \(w)x\(h)" }
                if let pf = stream.pixelFormat { line += " \(pf)" }
                if let sar = stream.sampleAspectRatio, sar != "1:1" { line += " SAR \(sar)" }
                if let dw = stream.displayWidth, let dh = stream.displayHeight, dw != stream.width || dh != stream.height {
                    line += ", shown \(dw)x\(dh)"
                }
                if let rotation = stream.rotation, rotation != 0 { line += ", rotated \(rotation)°" }
                if let fps = stream.averageFrameRate { line += ", \(formatRate(fps)) fps" }
                if stream.isHDR == true { line += ", HDR (\(stream.colorTransfer ?? "?"))" }
                if stream.isAttachedPicture { line += ", cover art" }
            case .audio:
                if let rate = stream.sampleRate { line += ", \(rate) Hz" }
                if let layout = stream.channelLayout { line += " \(layout)" }
            default: break
            }
            if let language = stream.language { line += " [\(language)]" }
            if let title = stream.title { line += " \"\(title)\"" }
            if stream.index == info.mainVideoStream || stream.index == info.mainAudioStream { line += "  ← main" }
            lines.append(line)
        }
        lines.append("  browsers: " + (info.playback.playable ? "play it as is" : "need a web version"))
        for reason in info.playback.reasons { lines.append("    - \(reason)") }
        for note in info.playback.notes { lines.append("    · \(note)") }
        if let level = info.audioLevel {
            let verdict =
                switch level.verdict {
                case .silent: "SILENT"
                case .nearSilent: "NEAR-SILENT (muted microphone?)"
                case .ok: "ok"
                }
            lines.append(
                String(
                    format: "  sound: %@, loudest %.1f dBFS, peak %.1f dBFS, average %.1f dBFS", verdict, level.loudestDBFS, level.peakDBFS,
                    level.averageDBFS))
        }
        return lines.joined(separator: "\n")
    }

    static func formatBytes(_ bytes: Int64) -> String {
        if bytes >= 1 << 30 { return String(format: "%.2f GiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
        return "\(bytes) bytes"
    }

    static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds)
        let fraction = Int(((seconds - Double(total)) * 1000).rounded())
        return String(format: "%d:%02d:%02d.%03d", total / 3600, total / 60 % 60, total % 60, min(fraction, 999))
    }

    /// The value of a "num/den" rational, as the probe writes frame rates.
    static func rationalValue(_ text: String?) -> Double? {
        guard let parts = text?.split(separator: "/").compactMap({ Double($0) }), parts.count == 2, parts[1] > 0 else { return nil }
        return parts[0] / parts[1]
    }

    static func formatRate(_ rational: String) -> String {
        guard let value = rationalValue(rational) else { return rational }
        return String(format: "%.3g", value)
    }
}
