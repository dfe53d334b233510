import Foundation

/// Brings HDR pictures (PQ or HLG transfer, BT.2020 primaries) into 8-bit SDR BT.709 so
/// posters, storyboards and renditions of phone HDR recordings do not look washed out.
///
/// The pipeline follows FFmpeg's reference chain (`zscale=t=linear:npl=100`, `zscale=p=bt709`,
/// `tonemap=hable:desat=0`, `zscale=t=bt709`): linear light with 1.0 at 100 nits, BT.2020 to
/// BT.709 primaries, John Hable's filmic curve applied to the brightest channel (so hues keep
/// their ratios), then encoding for an SDR display (the inverse of BT.1886's 2.4 gamma, which
/// matches zimg's output). Look-up tables keep it to a few operations a pixel.
struct HDRToneMapper: Sendable {
    /// The HDR transfer characteristic of the source.
    enum Transfer: Sendable {
        /// SMPTE ST 2084 (PQ), absolute luminance up to 10,000 nits.
        case pq
        /// ARIB STD-B67 (HLG), relative, nominal peak 1,000 nits.
        case hlg
    }

    let transfer: Transfer
    /// Linear light (1.0 = 100 nits) for each 16-bit code value.
    private let linear: [Float]
    /// Display-encoded 8-bit value for linear light `l` in [0, 1], indexed by `sqrt(l) * 4095`
    /// so the dark end, where the curve is steep, gets fine steps.
    private let encode: [UInt8]
    /// Hable's curve at the signal peak, the normaliser.
    private let peakScale: Float
    /// Peak signal level relative to 100 nits, used when the file carries no mastering metadata.
    let peak: Float

    /// Shared tables, built once per transfer.
    static let pq = HDRToneMapper(transfer: .pq)
    static let hlg = HDRToneMapper(transfer: .hlg)

    private init(transfer: Transfer) {
        self.transfer = transfer
        peak = transfer == .pq ? 100 : 10
        linear = (0..<65536).map { code in
            let e = Double(code) / 65535
            switch transfer {
            case .pq:
                let m1 = 2610.0 / 16384, m2 = 2523.0 / 4096 * 128, c1 = 3424.0 / 4096, c2 = 2413.0 / 4096 * 32, c3 = 2392.0 / 4096 * 32
                let p = pow(e, 1 / m2)
                let nits = 10_000 * pow(max(p - c1, 0) / (c2 - c3 * p), 1 / m1)
                return Float(nits / 100)
            case .hlg:
                // Inverse OETF to scene light in [0, 1], then scaled to a 1,000-nit display.
                let a = 0.17883277, b = 1 - 4 * a, c = 0.5 - a * log(4 * a)
                let scene = e <= 0.5 ? e * e / 3 : (exp((e - c) / a) + b) / 12
                return Float(scene * 10)
            }
        }
        encode = (0..<4096).map { step in
            let root = Double(step) / 4095
            let v = pow(root * root, 1 / 2.4)
            return UInt8(max(0, min(255, (v * 255).rounded())))
        }
        peakScale = Self.hable(peak)
    }

    /// John Hable's filmic curve (Uncharted 2).
    private static func hable(_ x: Float) -> Float {
        let a: Float = 0.15, b: Float = 0.50, c: Float = 0.10, d: Float = 0.20, e: Float = 0.02, f: Float = 0.30
        return (x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f) - e / f
    }

    /// Maps packed 16-bit RGB (BT.2020 primaries, HDR-encoded) to packed 8-bit BT.709 RGB.
    func map(
        rgb48 source: UnsafePointer<UInt16>, stride sourceStride: Int, width: Int, height: Int,
        into target: UnsafeMutablePointer<UInt8>, stride targetStride: Int
    ) {
        linear.withUnsafeBufferPointer { linear in
            encode.withUnsafeBufferPointer { encode in
                for y in 0..<height {
                    let row = source + y * sourceStride
                    let out = target + y * targetStride
                    for x in 0..<width {
                        let r0 = linear[Int(row[3 * x])], g0 = linear[Int(row[3 * x + 1])], b0 = linear[Int(row[3 * x + 2])]
                        // BT.2020 → BT.709 primaries (linear light).
                        var r = max(0, 1.6605 * r0 - 0.5876 * g0 - 0.0728 * b0)
                        var g = max(0, -0.1246 * r0 + 1.1329 * g0 - 0.0083 * b0)
                        var b = max(0, -0.0182 * r0 - 0.1006 * g0 + 1.1187 * b0)
                        let signal = max(max(r, g), max(b, 1e-6))
                        let scale = Self.hable(signal) / peakScale / signal
                        r *= scale
                        g *= scale
                        b *= scale
                        out[3 * x] = encode[Int(min(r, 1).squareRoot() * 4095 + 0.5)]
                        out[3 * x + 1] = encode[Int(min(g, 1).squareRoot() * 4095 + 0.5)]
                        out[3 * x + 2] = encode[Int(min(b, 1).squareRoot() * 4095 + 0.5)]
                    }
                }
            }
        }
    }
}
