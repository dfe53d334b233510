import Foundation

/// A text-only PDF (A4, Helvetica) of headings and paragraphs, wrapped and paged: enough for a
/// result page someone files or prints, with no library behind it. Characters outside Latin-1
/// (WinAnsi) print as "?".
struct SimplePDF {
    enum Block {
        case title(String)
        case heading(String)
        case text(String)
        case muted(String)
    }

    var blocks: [Block] = []

    private static let (width, height, margin) = (595.0, 842.0, 56.0)

    /// The document's bytes.
    func data() -> Data {
        var pages: [String] = []
        var stream = ""
        var y = Self.height - Self.margin
        func newPage() {
            pages.append(stream)
            stream = ""
            y = Self.height - Self.margin
        }
        for block in blocks {
            let (font, size, gap): (String, Double, Double) =
                switch block {
                case .title: ("F2", 18, 10)
                case .heading: ("F2", 13, 8)
                case .text: ("F1", 10.5, 4)
                case .muted: ("F1", 9, 4)
                }
            let text: String =
                switch block {
                case .title(let t), .heading(let t), .text(let t), .muted(let t): t
                }
            let perLine = Int((Self.width - 2 * Self.margin) / (size * 0.5))
            let lines = Self.wrap(text, width: perLine)
            if case .heading = block, y - Double(lines.count + 2) * size * 1.3 < Self.margin { newPage() }
            y -= gap
            for line in lines {
                if y - size * 1.3 < Self.margin { newPage() }
                y -= size * 1.3
                let grey = if case .muted = block { "0.35 g " } else { "0 g " }
                stream += "BT \(grey)/\(font) \(size) Tf \(Self.margin) \(String(format: "%.1f", y)) Td (\(Self.escape(line))) Tj ET\n"
            }
        }
        pages.append(stream)

        var objects: [String] = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "",  // the page tree, once the pages are numbered
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        ]
        var kids: [String] = []
        var contents: [Data] = []
        for page in pages {
            let bytes = Self.latin1(page)
            contents.append(bytes)
            let contentNumber = objects.count + 2
            kids.append("\(objects.count + 1) 0 R")
            objects.append(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(Int(Self.width)) \(Int(Self.height))] "
                    + "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents \(contentNumber) 0 R >>")
            objects.append("STREAM\(contents.count - 1)")
        }
        objects[1] = "<< /Type /Pages /Kids [\(kids.joined(separator: " "))] /Count \(pages.count) >>"

        // The header, and a comment of four high bytes that marks the file as binary.
        var out = Data("%PDF-1.4\n".utf8) + Data([0x25, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A])
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.count)
            out.append(Data("\(index + 1) 0 obj\n".utf8))
            if object.hasPrefix("STREAM"), let which = Int(object.dropFirst(6)) {
                out.append(Data("<< /Length \(contents[which].count) >>\nstream\n".utf8))
                out.append(contents[which])
                out.append(Data("\nendstream".utf8))
            } else {
                out.append(Data(object.utf8))
            }
            out.append(Data("\nendobj\n".utf8))
        }
        let xref = out.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        out.append(Data(table.utf8))
        return out
    }

    /// Words into lines of at most `width` characters (a longer word stands alone).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty, line.count + 1 + word.count > width {
                    lines.append(line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            lines.append(line)
        }
        return lines
    }

    /// Text as a PDF string's content: backslash and parentheses escaped.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
    }

    /// WinAnsi bytes: Latin-1 as it is, the typographic quotes and dashes at their code points, anything else "?".
    static func latin1(_ text: String) -> Data {
        let special: [Unicode.Scalar: UInt8] = [
            "\u{2018}": 0x91, "\u{2019}": 0x92, "\u{201C}": 0x93, "\u{201D}": 0x94, "\u{2013}": 0x96, "\u{2014}": 0x97, "\u{2022}": 0x95,
            "\u{20AC}": 0x80, "\u{2026}": 0x85, "\u{202F}": 0x20, "\u{2009}": 0x20, "\u{2011}": 0x2D,
        ]
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            if let byte = special[scalar] {
                bytes.append(byte)
            } else if scalar.value < 0x100, scalar.value >= 0x20 || scalar == "\n" {
                bytes.append(UInt8(scalar.value))
            } else if scalar.value >= 0x20 {
                bytes.append(0x3F)
            }
        }
        return Data(bytes)
    }
}
