internal import CFFmpeg

/// How a video stream's pictures are meant to be shown: pixel shape and rotation.
///
/// Phones store pictures in the sensor's orientation and write a display matrix saying
/// how to turn them; anamorphic video has non-square pixels. Decoders apply neither, so
/// every picture Steiger makes goes through this geometry.
struct VideoGeometry: Sendable {
    /// Coded size.
    var width: Int
    var height: Int
    /// Pixel aspect ratio (1:1 when unknown).
    var sampleAspectRatio: AVRational
    /// Clockwise quarter turns a player applies: 0, 90, 180 or 270.
    var rotation: Int

    init(width: Int, height: Int, sampleAspectRatio: AVRational = AVRational(num: 1, den: 1), rotation: Int = 0) {
        self.width = width
        self.height = height
        self.sampleAspectRatio = sampleAspectRatio
        self.rotation = rotation
    }

    init(stream: UnsafeMutablePointer<AVStream>, context: UnsafeMutablePointer<AVFormatContext>) {
        let parameters = stream.pointee.codecpar.pointee
        var sar = av_guess_sample_aspect_ratio(context, stream, nil)
        // Pixel shapes outside 1:8 … 8:1 are damage or mischief, not anamorphic video.
        if sar.num <= 0 || sar.den <= 0 || Double(sar.num) / Double(sar.den) > 8 || Double(sar.num) / Double(sar.den) < 0.125 {
            sar = AVRational(num: 1, den: 1)
        }
        var reduced = AVRational(num: 1, den: 1)
        av_reduce(&reduced.num, &reduced.den, Int64(sar.num), Int64(sar.den), Int64(Int32.max))
        self.init(
            width: Int(parameters.width), height: Int(parameters.height), sampleAspectRatio: reduced,
            rotation: Self.rotation(of: stream))
    }

    /// The display matrix's turn, as clockwise degrees rounded to a quarter turn.
    static func rotation(of stream: UnsafeMutablePointer<AVStream>) -> Int {
        var size: Int = 0
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size), size >= 9 * 4 else { return 0 }
        let counterClockwise = data.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_get($0) }
        guard counterClockwise.isFinite else { return 0 }
        let quarterTurns = Int((-counterClockwise / 90).rounded())
        return ((quarterTurns % 4) + 4) % 4 * 90
    }

    /// Whether width and height trade places when shown.
    var swapsAxes: Bool { rotation == 90 || rotation == 270 }

    /// Width with square pixels, before rotation.
    var squareWidth: Int {
        max(1, Int((Double(width) * Double(sampleAspectRatio.num) / Double(sampleAspectRatio.den)).rounded()))
    }

    /// Width as shown.
    var displayWidth: Int { swapsAxes ? height : squareWidth }
    /// Height as shown.
    var displayHeight: Int { swapsAxes ? squareWidth : height }

    /// An even-sized output that fits the display aspect, `width` pixels wide (rounded to even),
    /// or, when `width` is nil, the display size with its long side bounded by `maxSide`: never
    /// enlarged, and a portrait picture as bounded as a landscape one.
    func outputSize(width requested: Int?, maxSide: Int = 1280) -> (width: Int, height: Int) {
        // Bounded so a picture claiming 16384x2 cannot ask for a gigapixel tile.
        let aspect = min(max(Double(displayHeight) / Double(max(displayWidth, 1)), 1.0 / 16), 16)
        let longSide = Double(max(displayWidth, displayHeight, 1))
        let target = requested ?? Int((Double(displayWidth) * min(1, Double(maxSide) / longSide)).rounded())
        let width = max(2, target / 2 * 2)
        let height = max(2, Int((Double(width) * aspect / 2).rounded()) * 2)
        return (width, height)
    }
}
