internal import CFFmpeg

/// Copies a file's main video and audio streams into a new container without decoding.
struct Remuxer {
    let input: InputFile
    let info: MediaInfo

    init(input path: String, info: MediaInfo, limits: InputLimits, operation: OperationGuard) throws(MediaError) {
        input = try InputFile(path: path, limits: limits, operation: operation)
        self.info = info
    }

    func run(to path: String, container: String, progress: ((Double) -> Void)?) throws(MediaError) {
        let output = try OutputFile(path: path, format: container)
        var map = [Int32: (stream: UnsafeMutablePointer<AVStream>, source: UnsafeMutablePointer<AVStream>)]()
        for index in [info.mainVideoStream, info.mainAudioStream].compactMap({ $0 }) {
            let source = input.streams[index]
            map[Int32(index)] = (try output.addStream(copying: source), source)
        }
        for stream in input.streams where map[stream.pointee.index] == nil { stream.pointee.discard = AVDISCARD_ALL }
        try output.writeHeader(options: container == "mp4" ? ["movflags": "+faststart"] : [:])

        let meter = ProgressMeter(duration: info.container.duration ?? 0, report: progress)
        var lastDTS = [Int32: Int64]()
        let origin = input.startSeconds
        // A read error stops the copy: the caller re-encodes instead, which skips damage.
        try input.forEachPacket(skippingDamage: false) { packet throws(MediaError) in
            guard let (stream, source) = map[packet.pointee.stream_index] else { return }
            if packet.pointee.pts != steiger_nopts_value() {
                meter.update(Double(packet.pointee.pts) * av_q2d(source.pointee.time_base) - origin)
            }
            av_packet_rescale_ts(packet, source.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            packet.pointee.pos = -1
            // Containers need increasing decode times; a repeated one is nudged forward.
            if packet.pointee.dts != steiger_nopts_value(), let previous = lastDTS[stream.pointee.index], packet.pointee.dts <= previous {
                packet.pointee.dts = previous == .max ? previous : previous + 1
                if packet.pointee.pts != steiger_nopts_value(), packet.pointee.pts < packet.pointee.dts { packet.pointee.pts = packet.pointee.dts }
            }
            if packet.pointee.dts != steiger_nopts_value() { lastDTS[stream.pointee.index] = packet.pointee.dts }
            try output.write(packet)
        }
        try output.finish()
    }
}
