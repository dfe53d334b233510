import Foundation

/// `Content-Disposition` values that carry any file name (RFC 6266 with RFC 8187): an ASCII
/// `filename` for old clients beside `filename*=UTF-8''…` with the name as it is.
enum ContentDisposition {
    /// Shown in the browser where it can be.
    static func inline(_ fileName: String) -> String { "inline; " + parameters(fileName) }

    /// Saved as a file.
    static func attachment(_ fileName: String) -> String { "attachment; " + parameters(fileName) }

    /// `filename="Oefening_3.mp4"; filename*=UTF-8''Oefening%203.mp4` for any name; the fallback
    /// keeps printable ASCII other than quotes and backslashes, and writes `_` for the rest.
    static func parameters(_ fileName: String) -> String {
        let fallback = String(
            String.UnicodeScalarView(
                fileName.unicodeScalars.map { scalar in
                    (0x20..<0x7F).contains(scalar.value) && scalar != "\"" && scalar != "\\" ? scalar : "_"
                }))
        var encoded = ""
        for byte in fileName.utf8 {
            if attributeCharacters.contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return "filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }

    /// RFC 8187 `attr-char`: what may stand unescaped in an extended value.
    private static let attributeCharacters: Set<UInt8> = Set(
        Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&+-.^_`|~".utf8))
}
