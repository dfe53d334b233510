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

    /// The rows of `text`: fields split at `separator` (nil: a semicolon when the first line has
    /// more of those than commas, as spreadsheets in Dutch write them, else a comma), quoted
    /// fields with doubled quotes and line breaks inside, CRLF or LF line ends, a leading
    /// byte-order mark dropped; blank lines are skipped.
    public static func rows(_ text: String, separator: Unicode.Scalar? = nil) -> [[String]] {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        let separator =
            separator
            ?? {
                let firstLine = scalars.prefix { $0 != "\n" && $0 != "\r" }
                return firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
            }()
        var rows: [[String]] = []
        var row: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var index = scalars.startIndex
        func endRow() {
            row.append(String(field))
            field = String.UnicodeScalarView()
            if !(row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty) { rows.append(row) }
            row = []
        }
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
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
                }
            } else if scalar == "\"" && field.isEmpty {
                quoted = true
            } else if scalar == separator {
                row.append(String(field))
                field = String.UnicodeScalarView()
            } else if scalar == "\n" || scalar == "\r" {
                if scalar == "\r", index < scalars.endIndex, scalars[index] == "\n" { index = scalars.index(after: index) }
                endRow()
            } else {
                field.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty { endRow() }
        return rows
    }
}
