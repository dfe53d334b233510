internal import CFFmpeg
import Foundation

/// The outcome of making a web rendition.
public struct TranscodeResult: Sendable {
    /// What was done.
    public var plan: TranscodePlan
    /// The probe of the finished output.
    public var output: MediaInfo
    /// Wall time in seconds.
    public var seconds: Double
}

/// Makes web renditions: H.264/AAC MP4 with the index at the front, or a remux when the
/// source already plays in browsers (see ``TranscodePlan``).
///
/// The output is written under a temporary name next to `output`, checked by probing it, and
/// only then renamed into place, so an interrupted or failed run never leaves a file that
/// looks finished.
public enum Transcoder {
    /// Transcodes or remuxes `input` into `output`.
    ///
    /// - Parameters:
    ///   - progress: called with the fraction done (0…1) as the work advances.
    /// - Throws: ``MediaError``; nothing is left at `output` then.
    @discardableResult
    public static func transcode(
        input: String,
        output: String,
        options: TranscodeOptions = TranscodeOptions(),
        limits: InputLimits = .default,
        token: CancellationToken? = nil,
        progress: ((Double) -> Void)? = nil
    ) throws(MediaError) -> TranscodeResult {
        let started = ContinuousClock.now
        let info = try MediaProbe.probe(path: input, limits: limits, token: token)
        guard info.video != nil || info.audio != nil else {
            throw MediaError(.notMedia, "The file has no picture or sound to convert (only data or cover art streams).", path: input)
        }
        var plan = TranscodePlan.decide(for: info, options: options)
        if plan.action == .transcode, plan.container != "mp4" {
            throw MediaError(
                .invalidRequest,
                "A \(plan.container.uppercased()) output can only be a copy of the streams, and this file must be "
                    + "re-encoded (\(plan.reasons.joined(separator: ", "))); Steiger encodes into MP4: name the output .mp4.", path: output)
        }
        let duration = info.container.duration ?? 0
        // The file's own duration sets the budget, within a hard cap of twelve hours.
        let timeout = options.timeout ?? min(600 + 4 * duration, 12 * 3600)
        let operation = OperationGuard(timeout: timeout, token: token, path: input)
        let temporary = output + ".partial-\(ProcessInfo.processInfo.processIdentifier)." + plan.container
        TemporaryFiles.register(temporary)
        defer {
            try? FileManager.default.removeItem(atPath: temporary)
            TemporaryFiles.forget(temporary)
        }

        if plan.action == .remux {
            do {
                try Remuxer(input: input, info: info, limits: limits, operation: operation)
                    .run(to: temporary, container: plan.container, progress: progress)
            } catch  where plan.container == "mp4" && (error.code == .writeFailed || error.code == .corrupt) {
                // Timestamps the muxer will not take as they are: re-encode instead. (Only into
                // the same container: the caller chose the output's name for it.)
                try? FileManager.default.removeItem(atPath: temporary)
                var fallback = options
                fallback.allowRemux = false
                plan = TranscodePlan.decide(for: info, options: fallback)
                plan.reasons = ["copying the streams failed (\(error.message))"]
            }
        }
        if plan.action == .transcode {
            try Reencoder(input: input, info: info, plan: plan, options: options, limits: limits, operation: operation)
                .run(to: temporary, progress: progress)
        }
        let result = try verify(temporary, plan: plan, source: info, limits: limits)
        if rename(temporary, output) != 0 {
            throw MediaError(.writeFailed, "The finished file could not be put in place: \(String(cString: strerror(errno))).", path: output)
        }
        progress?(1)
        return TranscodeResult(plan: plan, output: result, seconds: (ContinuousClock.now - started).seconds)
    }

    /// Probes a finished output and checks it has what the plan promised.
    private static func verify(_ path: String, plan: TranscodePlan, source: MediaInfo, limits: InputLimits) throws(MediaError) -> MediaInfo {
        let info: MediaInfo
        do {
            info = try MediaProbe.probe(path: path, limits: limits)
        } catch {
            throw MediaError(.encodeFailed, "The finished rendition does not read back: \(error.message)", path: path, detail: error.detail)
        }
        if source.video != nil, info.video == nil {
            throw MediaError(.encodeFailed, "The finished rendition has no video.", path: path)
        }
        if source.audio != nil, info.audio == nil {
            throw MediaError(.encodeFailed, "The finished rendition has no sound.", path: path)
        }
        return info
    }
}

extension Duration {
    /// The duration in seconds, for reporting timings.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

/// Progress reporting at most every half per cent.
final class ProgressMeter {
    let duration: Double
    let report: ((Double) -> Void)?
    private var last = -1.0

    init(duration: Double, report: ((Double) -> Void)?) {
        self.duration = duration
        self.report = report
    }

    func update(_ seconds: Double) {
        guard let report, duration > 0 else { return }
        let fraction = min(max(seconds / duration, 0), 0.999)
        if fraction - last >= 0.005 {
            last = fraction
            report(fraction)
        }
    }
}
