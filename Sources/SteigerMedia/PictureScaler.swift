internal import CFFmpeg

/// Turns decoded frames of any pixel format and bit depth into 8-bit 4:2:0 ``Picture``s of
/// a given size, with libswscale. Keeps its scaling context between frames of one shape.
final class PictureScaler {
    private var context: OpaquePointer?
    private let path: String

    init(path: String) { self.path = path }

    deinit { sws_freeContext(context) }

    /// Scales `frame` to `width`×`height` (even) — the size before any rotation.
    func scale(_ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int, fullRange: Bool,
               quality: Int32 = SWS_BICUBIC) throws(MediaError) -> Picture {
        let sourceFormat = AVPixelFormat(rawValue: frame.pointee.format)
        let targetFormat = fullRange ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P
        context = sws_getCachedContext(context, frame.pointee.width, frame.pointee.height, sourceFormat,
                                       Int32(width), Int32(height), targetFormat, quality | SWS_ACCURATE_RND, nil, nil, nil)
        guard let context else {
            throw MediaError(.decodeFailed, "The video's pixel format cannot be converted to a picture.", path: path)
        }
        // Colour: convert the source's matrix and range to JPEG/BT.601 full or limited range.
        let sourceFullRange: Int32 = frame.pointee.color_range == AVCOL_RANGE_JPEG || Self.isJPEGFormat(sourceFormat) ? 1 : 0
        let space = frame.pointee.colorspace
        let sourceMatrix = sws_getCoefficients(space == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : Int32(space.rawValue))
        _ = sws_setColorspaceDetails(context, sourceMatrix, sourceFullRange, sws_getCoefficients(SWS_CS_ITU601),
                                     fullRange ? 1 : 0, 0, 1 << 16, 1 << 16)

        var picture = Picture(width: width, height: height, fullRange: fullRange)
        let sourcePlanes: [UnsafePointer<UInt8>?] = withUnsafeBytes(of: frame.pointee.data) {
            $0.bindMemory(to: UnsafeMutablePointer<UInt8>?.self).map { $0.map { UnsafePointer($0) } }
        }
        let sourceStrides: [Int32] = withUnsafeBytes(of: frame.pointee.linesize) { Array($0.bindMemory(to: Int32.self)) }
        let offsets = picture.planeOffsets
        let strides = picture.planeStrides.map { Int32($0) } + [0]
        let rows = picture.samples.withUnsafeMutableBufferPointer { buffer -> Int32 in
            let base = buffer.baseAddress!
            let targetPlanes: [UnsafeMutablePointer<UInt8>?] = [base + offsets[0], base + offsets[1], base + offsets[2], nil]
            return sws_scale(context, sourcePlanes, sourceStrides, 0, frame.pointee.height, targetPlanes, strides)
        }
        guard rows > 0 else {
            throw MediaError(.decodeFailed, "Scaling a video frame failed.", path: path)
        }
        return picture
    }

    private static func isJPEGFormat(_ format: AVPixelFormat) -> Bool {
        format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P || format == AV_PIX_FMT_YUVJ440P
    }
}
