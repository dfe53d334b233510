import Dispatch
import Foundation
import Synchronization

/// Settings for a storyboard: the scrub-preview thumbnails web players show over the timeline.
public struct StoryboardOptions: Sendable, Equatable {
    /// Seconds of video each tile stands for.
    public var interval: Double
    /// Width of one tile in pixels (rounded to even); the height follows the display aspect.
    public var tileWidth: Int
    /// Tiles per row of a sprite sheet.
    public var columns: Int
    /// Rows per sprite sheet; longer videos get more sheets.
    public var rows: Int
    /// Image format of the sheets.
    public var format: ImageFormat
    /// Image quality, 1–100.
    public var quality: Int
    /// How exactly each tile matches its time.
    public var precision: FramePrecision
    /// Most tiles in one storyboard; when the video needs more, the interval grows.
    public var maxTiles: Int
    /// How many decoders work at once (each on its own part of the video).
    public var concurrency: Int

    /// Creates options; the defaults suit role-play recordings of a few minutes.
    public init(
        interval: Double = 2, tileWidth: Int = 160, columns: Int = 10, rows: Int = 10,
        format: ImageFormat = .jpeg, quality: Int = 75, precision: FramePrecision = .fast,
        maxTiles: Int = 2000, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.interval = interval
        self.tileWidth = tileWidth
        self.columns = columns
        self.rows = rows
        self.format = format
        self.quality = quality
        self.precision = precision
        self.maxTiles = maxTiles
        self.concurrency = concurrency
    }
}

/// A storyboard: sprite sheets of tiles and the WebVTT track that maps time spans to tiles
/// with `#xywh=` media fragments.
public struct Storyboard: Sendable {
    /// One tile: the time span it covers and where it sits.
    public struct Tile: Sendable, Equatable {
        /// Start of the span in seconds.
        public var start: Double
        /// End of the span in seconds.
        public var end: Double
        /// Time of the frame shown, in seconds.
        public var frameTime: Double
        /// Which sheet holds it (0-based).
        public var sheet: Int
        /// Position and size in the sheet, in pixels.
        public var x: Int, y: Int, width: Int, height: Int
    }

    /// One sprite sheet image.
    public struct Sheet: Sendable {
        /// File name, e.g. "storyboard-001.jpg".
        public var fileName: String
        /// The encoded image.
        public var bytes: [UInt8]
        /// Size in pixels.
        public var width: Int, height: Int
    }

    /// The tiles in time order.
    public var tiles: [Tile]
    /// The sprite sheets.
    public var sheets: [Sheet]
    /// The interval actually used (larger than asked when the video needed too many tiles).
    public var interval: Double
    /// Duration of the video in seconds.
    public var duration: Double

    /// The WebVTT track; cue payloads are sheet file names (relative to the track) with
    /// `#xywh=x,y,w,h` fragments.
    public var webVTT: String {
        WebVTT.document(
            tiles.map { tile in
                (tile.start, tile.end, "\(sheets[tile.sheet].fileName)#xywh=\(tile.x),\(tile.y),\(tile.width),\(tile.height)")
            })
    }

    /// Writes the sheets and `name.vtt` into `directory`, creating it if needed. Each file
    /// is written under a temporary name and renamed, so readers never see half a file.
    /// Returns the path of the WebVTT file.
    @discardableResult
    public func write(to directory: String, name: String = "storyboard") throws(MediaError) -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.writeFailed, "The storyboard directory could not be created: \(error.localizedDescription)", path: directory)
        }
        for sheet in sheets {
            try AtomicFile.write(sheet.bytes, to: (directory as NSString).appendingPathComponent(sheet.fileName))
        }
        let vttPath = (directory as NSString).appendingPathComponent(name + ".vtt")
        try AtomicFile.write(Array(webVTT.utf8), to: vttPath)
        return vttPath
    }
}

/// Makes storyboards from video files.
public enum StoryboardMaker {
    /// Makes the storyboard of the file at `path`; `name` prefixes the sheet file names.
    public static func make(
        path: String,
        options: StoryboardOptions = StoryboardOptions(),
        name: String = "storyboard",
        limits: InputLimits = .default,
        token: CancellationToken? = nil
    ) throws(MediaError) -> Storyboard {
        guard options.interval > 0, options.interval.isFinite else {
            throw MediaError(.invalidRequest, "The storyboard interval must be more than zero seconds.", path: path)
        }
        guard options.tileWidth >= 16, options.tileWidth <= 1920, options.columns >= 1, options.rows >= 1, options.maxTiles >= 1 else {
            throw MediaError(
                .invalidRequest, "Tiles must be 16 to 1920 pixels wide, with at least one row and column per sheet and at least one tile.", path: path
            )
        }
        let preview = options.tileWidth <= 320
        let operation = OperationGuard(timeout: limits.timeout, token: token, path: path)
        let first = try VideoSource(path: path, limits: limits, operation: operation, forPreview: preview)
        let duration = first.duration
        guard duration > 0 else {
            throw MediaError(.decodeFailed, "The video's length could not be determined.", path: path)
        }
        var interval = options.interval
        if (duration / interval).rounded(.up) > Double(options.maxTiles) {
            interval = (duration / Double(options.maxTiles) * 10).rounded(.up) / 10
        }
        let count = max(1, Int((duration / interval - 1e-6).rounded(.up)))
        let size = first.geometry.outputSize(width: options.tileWidth)
        // WebP's limit, and a sane one for JPEG sprite sheets.
        guard options.columns * size.width <= 16_383, options.rows * size.height <= 16_383 else {
            throw MediaError(
                .invalidRequest,
                "A sheet of \(options.columns)x\(options.rows) tiles of \(size.width)x\(size.height) would be wider or taller than 16383 pixels; use fewer columns or rows.",
                path: path)
        }
        let perSheet = options.columns * options.rows

        var tiles: [Storyboard.Tile] = []
        var targets: [FrameGrabber.Target] = []
        for i in 0..<count {
            let start = Double(i) * interval
            let end = min(Double(i + 1) * interval, duration)
            let sheet = i / perSheet
            let slot = i % perSheet
            tiles.append(
                Storyboard.Tile(
                    start: start, end: end, frameTime: 0, sheet: sheet,
                    x: slot % options.columns * size.width, y: slot / options.columns * size.height,
                    width: size.width, height: size.height))
            targets.append(FrameGrabber.Target(time: (start + end) / 2, window: start..<end))
        }

        // Split the tiles between decoders when the index lets each start at its own key frame.
        let workers = first.grabber.hasIndex ? max(1, min(options.concurrency, count / 8, 8)) : 1
        let bounds = (0...workers).map { $0 * count / workers }
        let results = TileResults(count: count)
        let plannedTargets = targets
        let fullRange = options.format.usesFullRange
        let work: @Sendable (Int, VideoSource) throws(MediaError) -> Void = { part, source in
            for i in bounds[part]..<bounds[part + 1] {
                if results.firstError != nil { return }  // another worker failed: stop early
                let (frame, time) = try source.grabber.grab(plannedTargets[i], precision: options.precision)
                let picture = try source.picture(from: frame, width: size.width, height: size.height, fullRange: fullRange)
                results.store(i, picture: picture, time: time)
            }
        }
        if workers == 1 {
            // One decoder, reading forward; frame threads help a sequential decode.
            let source =
                count > 1 && !first.grabber.hasIndex && options.concurrency > 1
                ? try VideoSource(
                    path: path, limits: limits, operation: operation, info: first.info, threads: options.concurrency, forPreview: preview)
                : first
            try work(0, source)
        } else {
            let info = first.info
            let sendableFirst = UncheckedBox(first)
            DispatchQueue.concurrentPerform(iterations: workers) { part in
                do throws(MediaError) {
                    let source =
                        part == 0
                        ? sendableFirst.value : try VideoSource(path: path, limits: limits, operation: operation, info: info, forPreview: preview)
                    try work(part, source)
                } catch {
                    results.fail(error)
                }
            }
            if let error = results.firstError { throw error }
        }

        let pictures = results.pictures
        var sheets: [Storyboard.Sheet] = []
        let sheetCount = (count + perSheet - 1) / perSheet
        for sheetIndex in 0..<sheetCount {
            let range = (sheetIndex * perSheet)..<min(count, (sheetIndex + 1) * perSheet)
            let columns = min(options.columns, range.count)
            let rows = (range.count + options.columns - 1) / options.columns
            var sheet = Picture(width: columns * size.width, height: rows * size.height, fullRange: fullRange)
            for i in range {
                guard let picture = pictures[i] else { continue }
                sheet.draw(picture, x: tiles[i].x, y: tiles[i].y)
            }
            let bytes = try ImageEncoder.encode(sheet, as: options.format, quality: options.quality)
            let fileName = "\(name)-\(String(format: "%03d", sheetIndex + 1)).\(options.format.fileExtension)"
            sheets.append(Storyboard.Sheet(fileName: fileName, bytes: bytes, width: sheet.width, height: sheet.height))
        }
        for i in 0..<count { tiles[i].frameTime = results.times[i] }
        return Storyboard(tiles: tiles, sheets: sheets, interval: interval, duration: duration)
    }
}

/// Tiles made by several decoders at once.
private final class TileResults: Sendable {
    private let state: Mutex<(pictures: [Picture?], times: [Double], error: MediaError?)>

    init(count: Int) {
        state = Mutex((Array(repeating: nil, count: count), Array(repeating: 0, count: count), nil))
    }

    func store(_ index: Int, picture: Picture, time: Double) {
        state.withLock {
            $0.pictures[index] = picture
            $0.times[index] = time
        }
    }

    func fail(_ error: MediaError) {
        state.withLock { if $0.error == nil { $0.error = error } }
    }

    var pictures: [Picture?] { state.withLock { $0.pictures } }
    var times: [Double] { state.withLock { $0.times } }
    var firstError: MediaError? { state.withLock { $0.error } }
}

/// Hands a value that is used by one thread at a time to another thread.
///
/// `@unchecked Sendable` is safe here because the storyboard maker gives the first
/// ``VideoSource`` to exactly one worker and does not touch it until all workers finish.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
