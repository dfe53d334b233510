/// What Steiger reads of a container's structure itself, before and beside FFmpeg:
/// the top-level boxes of an MP4/QuickTime file and the doc type of a Matroska file.
struct ContainerLayout: Sendable {
    /// A top-level ISO BMFF box.
    struct Box: Sendable {
        var type: String
        var offset: Int64
        var size: Int64
    }

    /// Top-level boxes in file order (MP4/QuickTime only).
    var boxes: [Box] = []
    /// Where the file would have to end for its last box to be whole, when it ends earlier.
    var expectedSize: Int64?

    /// Whether the index (`moov`) precedes the media data (`mdat`): playback can start
    /// before the whole file has arrived.
    var moovBeforeMdat: Bool? {
        guard let moov = boxes.firstIndex(where: { $0.type == "moov" }) else { return nil }
        guard let mdat = boxes.firstIndex(where: { $0.type == "mdat" }) else { return true }
        return moov < mdat
    }

    /// Walks the top-level boxes of an ISO BMFF (MP4, MOV, M4A, 3GP) file.
    static func scanBoxes(_ file: borrowing FileReader) throws(MediaError) -> ContainerLayout {
        var layout = ContainerLayout()
        var offset: Int64 = 0
        var count = 0
        while offset + 8 <= file.size, count < 10_000 {
            let header = try file.read(at: offset, count: 16)
            guard header.count >= 8 else { break }
            var size = Int64(header[0]) << 24 | Int64(header[1]) << 16 | Int64(header[2]) << 8 | Int64(header[3])
            let type = String(decoding: header[4..<8].map { (0x20...0x7e).contains($0) ? $0 : 0x3f }, as: UTF8.self)
            if size == 1 {
                guard header.count >= 16 else {
                    layout.expectedSize = offset + 16
                    break
                }
                size = header[8..<16].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            } else if size == 0 {
                size = file.size - offset  // extends to the end of the file
            }
            guard size >= 8 else { break }  // not a box structure: let FFmpeg judge
            layout.boxes.append(Box(type: type, offset: offset, size: size))
            if size > file.size - offset {  // compared without adding: sizes come from the file
                let (end, overflow) = offset.addingReportingOverflow(size)
                layout.expectedSize = overflow ? Int64.max : end
                break
            }
            offset += size
            count += 1
        }
        return layout
    }

    /// The EBML `DocType` of a Matroska file: "webm" or "matroska", or nil if not found.
    static func matroskaDocType(_ file: borrowing FileReader) throws(MediaError) -> String? {
        let head = try file.read(at: 0, count: 64)
        guard head.count > 8, head[0] == 0x1A, head[1] == 0x45, head[2] == 0xDF, head[3] == 0xA3 else { return nil }
        var i = 4
        while i + 2 < head.count {
            if head[i] == 0x42, head[i + 1] == 0x82 {
                let first = head[i + 2]
                var length = 1
                while length <= 8, first & (0x80 >> (length - 1)) == 0 { length += 1 }
                guard length <= 8, i + 2 + length <= head.count else { return nil }
                var size = Int(first & (0xFF >> length))
                for k in 1..<length { size = size << 8 | Int(head[i + 2 + k]) }
                let start = i + 2 + length
                guard size > 0, start + size <= head.count else { return nil }
                return String(decoding: head[start..<start + size].filter { $0 != 0 }, as: UTF8.self)
            }
            i += 1
        }
        return nil
    }

    /// Whether a Matroska file has a seek index (Cues): its SeekHead or the space before
    /// the first Cluster mentions the Cues element. Browser recordings have none.
    static func matroskaHasCues(_ file: borrowing FileReader) throws(MediaError) -> Bool {
        let head = try file.read(at: 0, count: 256 * 1024)
        let cues: [UInt8] = [0x1C, 0x53, 0xBB, 0x6B]
        let cluster: [UInt8] = [0x1F, 0x43, 0xB6, 0x75]
        var i = 0
        while i + 4 <= head.count {
            if head[i] == cues[0], head[i + 1] == cues[1], head[i + 2] == cues[2], head[i + 3] == cues[3] { return true }
            if head[i] == cluster[0], head[i + 1] == cluster[1], head[i + 2] == cluster[2], head[i + 3] == cluster[3] { return false }
            i += 1
        }
        return false
    }
}
