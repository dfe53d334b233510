internal import CFFmpeg

extension InputFile {
    /// Reads every packet of the file in order and hands each to `body` (valid only during the
    /// call), checking the deadline and cancellation between packets.
    ///
    /// - Parameter skippingDamage: skip a damaged stretch and read on (giving up after a long
    ///   run of failures, as at the end); when false, the first read error throws.
    func forEachPacket(skippingDamage: Bool, _ body: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void) throws(MediaError) {
        guard let packet = av_packet_alloc() else {
            throw MediaError(.decodeFailed, "Out of memory while reading the file.", path: path)
        }
        var packetPointer: UnsafeMutablePointer<AVPacket>? = packet
        defer { av_packet_free(&packetPointer) }
        var failures = 0
        while true {
            try operation.check()
            let read = av_read_frame(context, packet)
            if read < 0 {
                try operation.check()
                if read == steiger_averror_eof() { return }
                guard skippingDamage else {
                    throw MediaError.ffmpeg(read, .corrupt, "Reading the file failed part-way.", path: path)
                }
                failures += 1
                if failures > 64 { return }
                continue
            }
            failures = 0
            defer { av_packet_unref(packet) }
            try body(packet)
        }
    }
}
