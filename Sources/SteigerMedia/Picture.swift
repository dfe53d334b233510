/// An 8-bit YUV 4:2:0 picture with even dimensions, the form every image Steiger makes
/// (posters, storyboard tiles and sheets) passes through.
///
/// Planes are stored one after another (Y, then U, then V), each row packed without padding.
public struct Picture: Sendable, Equatable {
    /// Width in pixels (even).
    public let width: Int
    /// Height in pixels (even).
    public let height: Int
    /// Full-range ("JPEG", 0–255) rather than limited-range (16–235) samples.
    public let fullRange: Bool
    /// Y, U and V planes, one after another, then ``padding`` zero bytes.
    var samples: [UInt8]

    /// Spare bytes after the last plane: FFmpeg's SIMD code may read a little past the end of
    /// a row, and the last row of the last plane must not end the allocation.
    static let padding = 64

    /// A picture filled with black.
    public init(width: Int, height: Int, fullRange: Bool) {
        precondition(width > 0 && height > 0 && width % 2 == 0 && height % 2 == 0, "pictures have even, positive sizes")
        self.width = width
        self.height = height
        self.fullRange = fullRange
        let black: UInt8 = fullRange ? 0 : 16
        samples =
            [UInt8](repeating: black, count: width * height) + [UInt8](repeating: 128, count: width * height / 2)
            + [UInt8](repeating: 0, count: Self.padding)
    }

    /// A picture whose samples are about to be overwritten in full (by swscale): not cleared first.
    init(uninitializedWidth width: Int, height: Int, fullRange: Bool) {
        precondition(width > 0 && height > 0 && width % 2 == 0 && height % 2 == 0, "pictures have even, positive sizes")
        self.width = width
        self.height = height
        self.fullRange = fullRange
        let size = width * height * 3 / 2
        samples = [UInt8](unsafeUninitializedCapacity: size + Self.padding) { buffer, count in
            (buffer.baseAddress! + size).initialize(repeating: 0, count: Self.padding)
            count = size + Self.padding
        }
    }

    var lumaCount: Int { width * height }
    var chromaWidth: Int { width / 2 }
    var chromaHeight: Int { height / 2 }
    var chromaCount: Int { chromaWidth * chromaHeight }
    /// Offsets of the Y, U and V planes in ``samples``.
    var planeOffsets: [Int] { [0, lumaCount, lumaCount + chromaCount] }
    /// Row lengths of the Y, U and V planes.
    var planeStrides: [Int] { [width, chromaWidth, chromaWidth] }

    /// The picture turned clockwise by `degrees` (0, 90, 180 or 270).
    public func rotated(clockwise degrees: Int) -> Picture {
        let turns = ((degrees / 90) % 4 + 4) % 4
        guard turns != 0 else { return self }
        let swaps = turns % 2 == 1
        var result = Picture(width: swaps ? height : width, height: swaps ? width : height, fullRange: fullRange)
        let sourceOffsets = planeOffsets
        let targetOffsets = result.planeOffsets
        samples.withUnsafeBufferPointer { source in
            result.samples.withUnsafeMutableBufferPointer { target in
                for plane in 0..<3 {
                    let w = plane == 0 ? width : chromaWidth
                    let h = plane == 0 ? height : chromaHeight
                    let src = source.baseAddress! + sourceOffsets[plane]
                    let dst = target.baseAddress! + targetOffsets[plane]
                    let targetWidth = swaps ? h : w
                    for y in 0..<h {
                        let row = src + y * w
                        for x in 0..<w {
                            let (tx, ty): (Int, Int) =
                                switch turns {
                                case 1: (h - 1 - y, x)
                                case 2: (w - 1 - x, h - 1 - y)
                                default: (y, w - 1 - x)
                                }
                            dst[ty * targetWidth + tx] = row[x]
                        }
                    }
                }
            }
        }
        return result
    }

    /// Copies `tile` into this picture with its top-left corner at (`x`, `y`), both even.
    /// Parts falling outside are clipped; a tile entirely outside changes nothing.
    public mutating func draw(_ tile: Picture, x: Int, y: Int) {
        precondition(x % 2 == 0 && y % 2 == 0, "tiles are placed at even positions")
        guard x < 0 || y < 0 else { return drawClipped(tile, x: x, y: y) }
        // Negative positions: draw the visible part of the tile.
        let skipX = max(0, -x), skipY = max(0, -y)
        guard skipX < tile.width, skipY < tile.height else { return }
        var visible = Picture(width: tile.width - skipX, height: tile.height - skipY, fullRange: tile.fullRange)
        for plane in 0..<3 {
            let divisor = plane == 0 ? 1 : 2
            let (sw, vw, vh) = (tile.width / divisor, visible.width / divisor, visible.height / divisor)
            for row in 0..<vh {
                let from = tile.planeOffsets[plane] + (row + skipY / divisor) * sw + skipX / divisor
                let to = visible.planeOffsets[plane] + row * vw
                visible.samples.replaceSubrange(to..<(to + vw), with: tile.samples[from..<(from + vw)])
            }
        }
        drawClipped(visible, x: max(x, 0), y: max(y, 0))
    }

    private mutating func drawClipped(_ tile: Picture, x: Int, y: Int) {
        let targetOffsets = planeOffsets
        let sourceOffsets = tile.planeOffsets
        let targetWidth = width, targetHeight = height
        tile.samples.withUnsafeBufferPointer { source in
            samples.withUnsafeMutableBufferPointer { target in
                for plane in 0..<3 {
                    let divisor = plane == 0 ? 1 : 2
                    let (tw, th) = (targetWidth / divisor, targetHeight / divisor)
                    let (sw, sh) = (tile.width / divisor, tile.height / divisor)
                    let (px, py) = (x / divisor, y / divisor)
                    let copyWidth = min(sw, tw - px)
                    guard copyWidth > 0 else { continue }
                    for row in 0..<sh where py + row < th {
                        let from = source.baseAddress! + sourceOffsets[plane] + row * sw
                        let to = target.baseAddress! + targetOffsets[plane] + (py + row) * tw + px
                        to.update(from: from, count: copyWidth)
                    }
                }
            }
        }
    }

    /// Mean and standard deviation of brightness (0–255 luma, full-range scale).
    public var lumaStatistics: (mean: Double, standardDeviation: Double) {
        var sum = 0.0, squares = 0.0
        let step = max(1, lumaCount / 20_000)
        var count = 0
        samples.withUnsafeBufferPointer { buffer in
            var i = 0
            while i < lumaCount {
                var value = Double(buffer[i])
                if !fullRange { value = (value - 16) * 255 / 219 }
                sum += value
                squares += value * value
                count += 1
                i += step
            }
        }
        let mean = sum / Double(count)
        return (mean, max(0, squares / Double(count) - mean * mean).squareRoot())
    }
}
