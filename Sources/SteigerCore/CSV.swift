import Foundation

/// Fields of comma-separated values (RFC 4180), for reports and score sheets, and lists people
/// upload.
public enum CSV {
    /// A field as written: quoted (inner quotes doubled) when it holds a comma, a quote or a line break.
    public static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A field of free text people typed: as ``field(_:)``, and text a spreadsheet would run as a
    /// formula (starting with =, +, -, @, tab or carriage return) is prefixed with an apostrophe.
    public static func textField(_ text: String) -> String {
        guard let first = text.first, "=+-@\t\r".contains(first) else { return field(text) }
        return field("'" + text)
    }

    /// The rows of `text` (see ``records(_:separator:)``).
    public static func rows(_ text: String, separator: Unicode.Scalar? = nil) -> [[String]] {
        records(text, separator: separator).map(\.fields)
    }

    /// The rows of `text` with the line each starts on (1 is the first, counting every line
    /// break, blank lines and breaks inside quotes too, as a text editor shows them): fields
    /// split at `separator` (nil: a semicolon when the first line has more of those than commas,
    /// as spreadsheets in Dutch write them, else a comma), quoted fields with doubled quotes and
    /// line breaks inside, CRLF, CR or LF line ends, a leading byte-order mark dropped; rows whose
    /// fields are all blank are skipped.
    public static func records(_ text: String, separator: Unicode.Scalar? = nil) -> [(line: Int, fields: [String])] {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        let separator =
            separator
            ?? {
                let firstLine = scalars.prefix { $0 != "\n" && $0 != "\r" }
                return firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
            }()
        var records: [(line: Int, fields: [String])] = []
        var row: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var line = 1
        var rowLine = 1
        var index = scalars.startIndex
        func endRow() {
            row.append(String(field))
            field = String.UnicodeScalarView()
            if row.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) { records.append((rowLine, row)) }
            row = []
        }
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            let lineBreak = scalar == "\n" || scalar == "\r"
            // CRLF is one line break.
            let crlf = scalar == "\r" && index < scalars.endIndex && scalars[index] == "\n"
            if crlf { index = scalars.index(after: index) }
            if lineBreak { line += 1 }
            if quoted {
                if scalar == "\"" {
                    if index < scalars.endIndex, scalars[index] == "\"" {
                        field.append("\"")
                        index = scalars.index(after: index)
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(scalar)
                    if crlf { field.append("\n") }
                }
            } else if lineBreak {
                endRow()
                rowLine = line
            } else if scalar == "\"" && field.isEmpty {
                quoted = true
            } else if scalar == separator {
                row.append(String(field))
                field = String.UnicodeScalarView()
            } else {
                field.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty { endRow() }
        return records
    }
}
