internal import CFFmpeg

/// The main video stream of a file, opened for taking pictures: what posters and
/// storyboards share.
final class VideoSource {
    let input: InputFile
    let info: MediaInfo
    let streamIndex: Int
    let geometry: VideoGeometry
    let grabber: FrameGrabber
    let scaler: PictureScaler
    /// Duration in seconds (the container's, or measured from packets).
    let duration: Double

    /// Opens `path` and its main video stream. `info` may be passed when already known.
    init(
        path: String, limits: InputLimits, operation: OperationGuard, info knownInfo: MediaInfo? = nil, threads: Int = 1, forPreview: Bool = false
    ) throws(MediaError) {
        input = try InputFile(path: path, limits: limits, operation: operation)
        if let knownInfo { info = knownInfo } else { info = try MediaProbe.describe(input) }
        guard let index = info.mainVideoStream, let stream = input.context.pointee.streams[index] else {
            let what = info.streams.contains(where: \.isAttachedPicture) ? " (only cover art)" : ""
            throw MediaError(.noVideoStream, "The file has no video\(what), so there is no picture to show.", path: path)
        }
        streamIndex = index
        geometry = VideoGeometry(stream: stream, context: input.context)
        // Frame threads hold a picture each: bound them, and more tightly for huge pictures.
        let pixels = Double(stream.pointee.codecpar.pointee.width) * Double(stream.pointee.codecpar.pointee.height)
        let threadLimit = pixels > 8_294_400 ? 2 : 4
        grabber = try FrameGrabber(input: input, streamIndex: index, threads: min(max(threads, 1), threadLimit), forPreview: forPreview)
        scaler = PictureScaler(path: path)
        duration = info.container.duration ?? info.video?.duration ?? 0
    }

    /// Converts a decoded frame into an upright, square-pixel picture `width`×`height` as shown.
    func picture(from frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int, fullRange: Bool) throws(MediaError) -> Picture {
        let (codedWidth, codedHeight) = geometry.swapsAxes ? (height, width) : (width, height)
        let scaled = try scaler.scale(frame, width: codedWidth, height: codedHeight, fullRange: fullRange)
        return scaled.rotated(clockwise: geometry.rotation)
    }
}
