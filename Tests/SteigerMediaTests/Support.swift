import Foundation
import Testing

@testable import SteigerMedia

/// Paths of the committed fixtures (made by scripts/make-fixtures).
enum Fixture {
    static let directory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }

    /// Every well-formed fixture.
    static let media = [
        "h264_aac.mp4", "rotated_90.mp4", "rotated_270.mp4", "mediarecorder.webm", "vp9_opus.webm",
        "h264_aac.mkv", "mpeg4_mp3.avi", "audio_first.mp4", "audio_only.m4a", "video_only.mp4",
        "silent_audio.mp4", "vfr.mp4", "anamorphic.mp4", "hevc_10bit_hdr.mp4", "hevc_hlg.mp4", "h264_10bit.mkv",
        "still_with_audio.mkv", "cover_art.mp3", "black_start.mp4", "sparse_keyframes.mp4",
        "h264_aac.flv", "mpeg2_mp2.mpg",
    ]

    /// Fixtures with a real (moving or still) video stream.
    static let video = media.filter { !["audio_only.m4a", "cover_art.mp3"].contains($0) }
}

/// Runs a reference program and returns its standard output.
func runTool(_ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ToolFailure(command: arguments.joined(separator: " "), status: process.terminationStatus)
    }
    return data
}

struct ToolFailure: Error, CustomStringConvertible {
    var command: String
    var status: Int32
    var description: String { "\(command) exited with \(status)" }
}

/// What `ffprobe -of json` says about a file.
struct ReferenceProbe {
    let format: [String: Any]
    let streams: [[String: Any]]

    init(_ path: String) throws {
        let data = try runTool(["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", path])
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        format = json["format"] as? [String: Any] ?? [:]
        streams = json["streams"] as? [[String: Any]] ?? []
    }

    var duration: Double? { (format["duration"] as? String).flatMap(Double.init) }

    /// Where the last packet of any stream ends, for files whose header has no duration.
    static func packetEnd(_ path: String) throws -> Double {
        let data = try runTool(["ffprobe", "-v", "error", "-of", "csv=p=0", "-show_entries", "packet=pts_time,duration_time", path])
        var end = 0.0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: ",").map { Double($0) ?? 0 }
            if fields.count >= 2 { end = max(end, fields[0] + fields[1]) }
        }
        return end
    }
}

/// A small RGB rendering of an image file or a video frame, made by the ffmpeg program.
struct RGBThumbnail {
    static let size = 48
    /// FFmpeg's reference HDR-to-SDR chain (zimg and the tonemap filter).
    static let toneMapChain =
        "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=full,format=gbrp"
    let pixels: [UInt8]

    /// Our image file, decoded and scaled by ffmpeg.
    init(image path: String) throws {
        pixels = [UInt8](
            try runTool([
                "ffmpeg", "-v", "error", "-i", path, "-vf", "scale=\(Self.size):\(Self.size)",
                "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
            ]))
    }

    /// The reference: ffmpeg's own (auto-rotated) frame at `time`, optionally with extra filters.
    init(video path: String, at time: Double, extraFilter: String? = nil) throws {
        let filter = [extraFilter, "scale=\(Self.size):\(Self.size)"].compactMap { $0 }.joined(separator: ",")
        pixels = [UInt8](
            try runTool([
                "ffmpeg", "-v", "error", "-ss", String(time), "-i", path, "-frames:v", "1",
                "-vf", filter, "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
            ]))
    }

    /// Mean absolute difference per channel, 0–255.
    func difference(_ other: RGBThumbnail) -> Double {
        guard pixels.count == other.pixels.count, !pixels.isEmpty else { return 255 }
        var total = 0
        for i in pixels.indices { total += abs(Int(pixels[i]) - Int(other.pixels[i])) }
        return Double(total) / Double(pixels.count)
    }
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("steiger-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Image dimensions as ffprobe reads them.
func imageSize(_ path: String) throws -> (width: Int, height: Int, pixelFormat: String, codec: String) {
    let probe = try ReferenceProbe(path)
    let stream = try #require(probe.streams.first)
    return (stream["width"] as? Int ?? 0, stream["height"] as? Int ?? 0, stream["pix_fmt"] as? String ?? "", stream["codec_name"] as? String ?? "")
}

/// Parses "num/den" or "num:den".
func rationalValue(_ text: String?) -> Double? {
    guard let text else { return nil }
    let parts = text.split(whereSeparator: { $0 == "/" || $0 == ":" }).compactMap { Double($0) }
    guard parts.count == 2, parts[1] != 0 else { return nil }
    return parts[0] / parts[1]
}
