/// Still-image formats Steiger writes for posters and storyboard sheets.
public enum ImageFormat: String, Sendable, CaseIterable, Codable {
    /// Baseline JPEG: every browser, every player.
    case jpeg
    /// WebP (lossy): about a third smaller at the same look; all current browsers.
    case webp

    /// The usual file extension, without the dot.
    public var fileExtension: String { self == .jpeg ? "jpg" : "webp" }

    /// The MIME type.
    public var mimeType: String { self == .jpeg ? "image/jpeg" : "image/webp" }

    /// The format a file name asks for by its extension (`.jpg`, `.jpeg`, `.webp`), if any.
    public init?(fileName: String) {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { self = .jpeg } else if lower.hasSuffix(".webp") { self = .webp } else { return nil }
    }

    /// Whether pictures for this format are encoded with full-range samples.
    var usesFullRange: Bool { self == .jpeg }
}
