import Crypto
import Foundation
import SteigerCore

/// Media files by content: each blob is named by its SHA-256 (`ab/cd/abcdef…`) under one
/// directory, written to a temporary name and renamed into place, so a reader never sees half
/// a file and the same bytes are kept once.
public struct BlobStore: Sendable {
    /// The directory holding the blobs.
    public let root: String

    /// A store under `root` (created when missing).
    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
    }

    /// Whether `sha256` is a well-formed name (64 lower-case hex digits).
    public static func isValidName(_ sha256: String) -> Bool {
        sha256.count == 64 && sha256.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// Where the blob named `sha256` lives.
    public func path(_ sha256: String) -> String {
        precondition(Self.isValidName(sha256), "not a blob name")
        let a = sha256.prefix(2), b = sha256.dropFirst(2).prefix(2)
        return "\(root)/\(a)/\(b)/\(sha256)"
    }

    /// Whether the blob exists.
    public func contains(_ sha256: String) -> Bool { Self.isValidName(sha256) && FileManager.default.fileExists(atPath: path(sha256)) }

    /// Removes the blob named `sha256`. - Returns: the bytes freed, or nil when it was not there.
    @discardableResult
    public func remove(_ sha256: String) -> Int64? {
        guard Self.isValidName(sha256) else { return nil }
        let file = path(sha256)
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
        guard unlink(file) == 0 else { return nil }
        return size ?? 0
    }

    /// A fresh temporary path inside the store (same file system, so `adopt` is a rename).
    public func temporaryPath() -> String { "\(root)/tmp/\(UUIDText.lowercase(UUID()))" }

    /// Moves a finished file whose SHA-256 is `sha256` into place; when the blob already exists
    /// the file is removed (same bytes). Returns the blob's path.
    @discardableResult
    public func adopt(_ file: String, sha256: String) throws -> String {
        let destination = path(sha256)
        try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: destination) {
            try? FileManager.default.removeItem(atPath: file)
        } else if rename(file, destination) != 0 {
            throw StoreError.unavailable("cannot move \(file) into the blob store: \(String(cString: strerror(errno)))")
        }
        return destination
    }

    /// Hashes a file and moves it in; returns its SHA-256.
    public func adopt(_ file: String) throws -> String {
        let sha = try Self.sha256(ofFile: file)
        try adopt(file, sha256: sha)
        return sha
    }

    /// The SHA-256 of a file, read in 1 MiB pieces.
    public static func sha256(ofFile file: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw StoreError.notFound(file) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hex(hasher.finalize())
    }

    /// Hex text of a digest.
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
