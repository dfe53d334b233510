internal import CFFmpeg

/// Turns decoded frames of any pixel format and bit depth into 8-bit 4:2:0 ``Picture``s of
/// a given size, with libswscale. Keeps its scaling context between frames of one shape.
final class PictureScaler {
    private var context: OpaquePointer?
    /// For HDR sources: decoded frame to 16-bit RGB, then tone-mapped RGB to YUV.
    private var hdrContext: OpaquePointer?
    private var rgbContext: OpaquePointer?
    private let path: String

    init(path: String) { self.path = path }

    deinit {
        sws_freeContext(context)
        sws_freeContext(hdrContext)
        sws_freeContext(rgbContext)
    }

    /// Scales `frame` to `width`×`height` (even) — the size before any rotation.
    /// - Parameter matrix: the YUV matrix of the result: BT.601 (`SWS_CS_ITU601`) for JPEG and
    ///   WebP, BT.709 (`SWS_CS_ITU709`) for video renditions.
    /// - Parameter accurate: exact rounding (slower C paths); worth it for stills, not for every
    ///   frame of a rendition.
    func scale(
        _ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int, fullRange: Bool,
        quality: Int32 = SWS_BICUBIC, matrix: Int32 = SWS_CS_ITU601, accurate: Bool = true
    ) throws(MediaError) -> Picture {
        if frame.pointee.color_trc == AVCOL_TRC_SMPTE2084 {
            return try toneMapped(frame, with: .pq, width: width, height: height, fullRange: fullRange, quality: quality, matrix: matrix)
        }
        if frame.pointee.color_trc == AVCOL_TRC_ARIB_STD_B67 {
            return try toneMapped(frame, with: .hlg, width: width, height: height, fullRange: fullRange, quality: quality, matrix: matrix)
        }
        let sourceFormat = AVPixelFormat(rawValue: frame.pointee.format)
        let targetFormat = fullRange ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P
        context = sws_getCachedContext(
            context, frame.pointee.width, frame.pointee.height, sourceFormat,
            Int32(width), Int32(height), targetFormat, quality | (accurate ? SWS_ACCURATE_RND : 0), nil, nil, nil)
        guard let context else {
            throw MediaError(.decodeFailed, "The video's pixel format cannot be converted to a picture.", path: path)
        }
        // Colour: convert the source's matrix and range to JPEG/BT.601 full or limited range.
        let sourceFullRange: Int32 = frame.pointee.color_range == AVCOL_RANGE_JPEG || Self.isJPEGFormat(sourceFormat) ? 1 : 0
        let sourceMatrix = sws_getCoefficients(Self.matrix(of: frame))
        _ = sws_setColorspaceDetails(
            context, sourceMatrix, sourceFullRange, sws_getCoefficients(matrix),
            fullRange ? 1 : 0, 0, 1 << 16, 1 << 16)

        var picture = Picture(uninitializedWidth: width, height: height, fullRange: fullRange)
        let (sourcePlanes, sourceStrides) = Self.planes(of: frame)
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

    /// Scales an SDR frame straight into `target`'s planes (an allocated 8-bit 4:2:0 frame), for
    /// renditions: no intermediate picture, no copy. Returns false for HDR frames, which need
    /// tone mapping through ``scale(_:width:height:fullRange:quality:matrix:accurate:)``.
    func scale(_ frame: UnsafeMutablePointer<AVFrame>, into target: UnsafeMutablePointer<AVFrame>, matrix: Int32) throws(MediaError) -> Bool {
        if frame.pointee.color_trc == AVCOL_TRC_SMPTE2084 || frame.pointee.color_trc == AVCOL_TRC_ARIB_STD_B67 { return false }
        let sourceFormat = AVPixelFormat(rawValue: frame.pointee.format)
        context = sws_getCachedContext(
            context, frame.pointee.width, frame.pointee.height, sourceFormat,
            target.pointee.width, target.pointee.height, AV_PIX_FMT_YUV420P, SWS_BICUBIC, nil, nil, nil)
        guard let context else {
            throw MediaError(.decodeFailed, "The video's pixel format cannot be converted.", path: path)
        }
        let sourceFullRange: Int32 = frame.pointee.color_range == AVCOL_RANGE_JPEG || Self.isJPEGFormat(sourceFormat) ? 1 : 0
        _ = sws_setColorspaceDetails(
            context, sws_getCoefficients(Self.matrix(of: frame)), sourceFullRange, sws_getCoefficients(matrix),
            0, 0, 1 << 16, 1 << 16)
        let (sourcePlanes, sourceStrides) = Self.planes(of: frame)
        let (targetPlanes, targetStrides) = Self.planes(of: target)
        let rows = sws_scale(
            context, sourcePlanes, sourceStrides, 0, frame.pointee.height,
            targetPlanes.map { UnsafeMutablePointer(mutating: $0) }, targetStrides)
        guard rows > 0 else {
            throw MediaError(.decodeFailed, "Scaling a video frame failed.", path: path)
        }
        return true
    }

    /// HDR: scale to 16-bit RGB with the source's matrix, tone-map to 8-bit BT.709 RGB, then
    /// convert that to 4:2:0.
    private func toneMapped(
        _ frame: UnsafeMutablePointer<AVFrame>, with mapper: HDRToneMapper, width: Int, height: Int,
        fullRange: Bool, quality: Int32, matrix: Int32
    ) throws(MediaError) -> Picture {
        let sourceFormat = AVPixelFormat(rawValue: frame.pointee.format)
        // Packed 16-bit RGB in the machine's byte order (little-endian on every supported platform).
        hdrContext = sws_getCachedContext(
            hdrContext, frame.pointee.width, frame.pointee.height, sourceFormat,
            Int32(width), Int32(height), AV_PIX_FMT_RGB48LE, quality | SWS_ACCURATE_RND, nil, nil, nil)
        rgbContext = sws_getCachedContext(
            rgbContext, Int32(width), Int32(height), AV_PIX_FMT_RGB24,
            Int32(width), Int32(height), fullRange ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P,
            SWS_POINT | SWS_ACCURATE_RND, nil, nil, nil)
        guard let hdrContext, let rgbContext else {
            throw MediaError(.decodeFailed, "The HDR video's pixel format cannot be converted to a picture.", path: path)
        }
        let space = frame.pointee.colorspace
        let sourceMatrix = sws_getCoefficients(space == AVCOL_SPC_UNSPECIFIED ? SWS_CS_BT2020 : Int32(space.rawValue))
        let sourceFullRange: Int32 = frame.pointee.color_range == AVCOL_RANGE_JPEG ? 1 : 0
        _ = sws_setColorspaceDetails(hdrContext, sourceMatrix, sourceFullRange, sws_getCoefficients(SWS_CS_BT2020), 1, 0, 1 << 16, 1 << 16)
        _ = sws_setColorspaceDetails(
            rgbContext, sws_getCoefficients(matrix), 1, sws_getCoefficients(matrix),
            fullRange ? 1 : 0, 0, 1 << 16, 1 << 16)

        // Padded: swscale's SIMD code reads and writes a little past the last row.
        var wide = [UInt16](repeating: 0, count: width * height * 3 + 32)
        var narrow = [UInt8](repeating: 0, count: width * height * 3 + 64)
        let (sourcePlanes, sourceStrides) = Self.planes(of: frame)
        let rows = wide.withUnsafeMutableBytes { buffer -> Int32 in
            let planes: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, nil, nil]
            return sws_scale(hdrContext, sourcePlanes, sourceStrides, 0, frame.pointee.height, planes, [Int32(width * 6), 0, 0, 0])
        }
        guard rows > 0 else {
            throw MediaError(.decodeFailed, "Scaling an HDR video frame failed.", path: path)
        }
        wide.withUnsafeBufferPointer { source in
            narrow.withUnsafeMutableBufferPointer { target in
                mapper.map(
                    rgb48: source.baseAddress!, stride: width * 3, width: width, height: height,
                    into: target.baseAddress!, stride: width * 3)
            }
        }
        var picture = Picture(width: width, height: height, fullRange: fullRange)
        let offsets = picture.planeOffsets
        let strides = picture.planeStrides.map { Int32($0) } + [0]
        let converted = narrow.withUnsafeBufferPointer { rgb in
            picture.samples.withUnsafeMutableBufferPointer { buffer -> Int32 in
                let base = buffer.baseAddress!
                let targetPlanes: [UnsafeMutablePointer<UInt8>?] = [base + offsets[0], base + offsets[1], base + offsets[2], nil]
                let sourcePlane: [UnsafePointer<UInt8>?] = [rgb.baseAddress, nil, nil, nil]
                return sws_scale(rgbContext, sourcePlane, [Int32(width * 3), 0, 0, 0], 0, Int32(height), targetPlanes, strides)
            }
        }
        guard converted > 0 else {
            throw MediaError(.decodeFailed, "Converting a tone-mapped frame failed.", path: path)
        }
        return picture
    }

    /// A frame's plane pointers and row lengths, as swscale takes them.
    static func planes(of frame: UnsafeMutablePointer<AVFrame>) -> (planes: [UnsafePointer<UInt8>?], strides: [Int32]) {
        let planes: [UnsafePointer<UInt8>?] = withUnsafeBytes(of: frame.pointee.data) {
            $0.bindMemory(to: UnsafeMutablePointer<UInt8>?.self).map { $0.map { UnsafePointer($0) } }
        }
        let strides: [Int32] = withUnsafeBytes(of: frame.pointee.linesize) { Array($0.bindMemory(to: Int32.self)) }
        return (planes, strides)
    }

    /// The YUV matrix a frame was made with: as tagged, else by the usual convention (BT.709
    /// for HD sizes, BT.601 below).
    static func matrix(of frame: UnsafeMutablePointer<AVFrame>) -> Int32 {
        switch frame.pointee.colorspace {
        case AVCOL_SPC_BT709: return SWS_CS_ITU709
        case AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M: return SWS_CS_ITU601  // one matrix, two names
        case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020
        case AVCOL_SPC_FCC: return SWS_CS_FCC
        case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M
        default: return frame.pointee.width >= 1280 || frame.pointee.height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601
        }
    }

    private static func isJPEGFormat(_ format: AVPixelFormat) -> Bool {
        format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P || format == AV_PIX_FMT_YUVJ440P
    }
}
