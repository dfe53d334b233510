import Foundation

/// Fields of comma-separated values (RFC 4180), for reports and score sheets.
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
}
