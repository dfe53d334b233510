internal import CFFmpeg

extension Picture {
    /// Lends the picture's planes to `frame` (format, size and strides set to match) for the
    /// length of `body`, then takes them back. For encoders, which only read the planes and
    /// copy a frame that is not reference-counted before `avcodec_send_frame` returns.
    func lend<Result>(to frame: UnsafeMutablePointer<AVFrame>, format: AVPixelFormat, _ body: () -> Result) -> Result {
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.format = format.rawValue
        return samples.withUnsafeBufferPointer { buffer in
            let base = UnsafeMutablePointer(mutating: buffer.baseAddress!)
            let offsets = planeOffsets
            let strides = planeStrides
            frame.pointee.data.0 = base + offsets[0]
            frame.pointee.data.1 = base + offsets[1]
            frame.pointee.data.2 = base + offsets[2]
            frame.pointee.linesize.0 = Int32(strides[0])
            frame.pointee.linesize.1 = Int32(strides[1])
            frame.pointee.linesize.2 = Int32(strides[2])
            defer {
                frame.pointee.data.0 = nil
                frame.pointee.data.1 = nil
                frame.pointee.data.2 = nil
            }
            return body()
        }
    }
}
