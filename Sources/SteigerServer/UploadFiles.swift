import Crypto
import Foundation
import HTTPTypes
import NIOCore
import SteigerCore
import SteigerStore
import Synchronization

/// The bytes of uploads in progress: one file per upload under `uploads/`, appended to as
/// chunks arrive, hashed on the way. The running SHA-256 of each upload is kept in memory; after
/// a restart it is rebuilt once from what is on disk.
final class UploadFiles: Sendable {
    let directory: String
    let blobs: BlobStore
    /// A running hash at an offset. `@unchecked Sendable`: `SHA256` is a plain value (its state
    /// is copied, never shared), it is just not marked Sendable.
    private struct HashState: @unchecked Sendable {
        var offset: Int64
        var hasher: SHA256
    }

    private let hashers = Mutex<[String: HashState]>([:])
    private let busy = Mutex<Set<String>>([])

    init(dataDirectory: String) throws {
        directory = dataDirectory + "/uploads"
        blobs = try BlobStore(root: dataDirectory + "/media")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ id: String) -> String { "\(directory)/\(id)" }

    /// Marks an upload as being written; false if another request is already writing it.
    func begin(_ id: String) -> Bool { busy.withLock { $0.insert(id).inserted } }
    func end(_ id: String) { _ = busy.withLock { $0.remove(id) } }

    /// Creates the empty file of a new upload.
    func create(_ id: String) throws {
        guard FileManager.default.createFile(atPath: path(id), contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw Problem(.internalServerError, "uploadNotStored")
        }
        save(id, HashState(offset: 0, hasher: SHA256()))
    }

    /// Appends a request body to the upload's file, at most `limit` bytes in all, hashing as it
    /// goes. Returns the new size, also when the body broke off (what arrived is kept) — then
    /// `interrupted` says why.
    func append(_ id: String, from body: some AsyncSequence<ByteBuffer, any Error>, at offset: Int64, limit: Int64) async
        -> (size: Int64, interrupted: (any Error)?) {
        var size = offset
        guard let handle = FileHandle(forWritingAtPath: path(id)) else {
            return (offset, Problem(.notFound, "uploadDataGone"))
        }
        defer { try? handle.close() }
        var hasher = currentHasher(id, offset: offset)
        do {
            // Bytes past the recorded offset (written before a crash, never acknowledged) go.
            try handle.truncate(atOffset: UInt64(offset))
            for try await chunk in body {
                let count = Int64(chunk.readableBytes)
                if size + count > limit {
                    throw Problem(.contentTooLarge, "pastLength", ["length": .integer(Int(limit))])
                }
                try chunk.withUnsafeReadableBytes { bytes in
                    try handle.write(contentsOf: bytes)
                    hasher.update(bufferPointer: bytes)  // only what reached the file
                }
                size += count
            }
            // On disk before the offset is acknowledged.
            try handle.synchronize()
            save(id, HashState(offset: size, hasher: hasher))
            return (size, nil)
        } catch {
            try? handle.synchronize()
            save(id, HashState(offset: size, hasher: hasher))
            return (size, error)
        }
    }

    /// The SHA-256 of a complete upload; the file is flushed to disk first.
    func finish(_ id: String, size: Int64) throws -> String {
        let handle = FileHandle(forUpdatingAtPath: path(id))
        try handle?.synchronize()
        try handle?.close()
        let hasher = currentHasher(id, offset: size)
        hashers.withLock { _ = $0.removeValue(forKey: id) }
        return BlobStore.hex(hasher.finalize())
    }

    /// Removes an upload's file and state.
    func remove(_ id: String) {
        try? FileManager.default.removeItem(atPath: path(id))
        hashers.withLock { _ = $0.removeValue(forKey: id) }
    }

    private func save(_ id: String, _ state: HashState) {
        hashers.withLock { $0[id] = state }
    }

    /// The running hash at `offset`: the one in memory when it matches, else rebuilt from the file.
    private func currentHasher(_ id: String, offset: Int64) -> SHA256 {
        if let state = hashers.withLock({ $0[id] }), state.offset == offset { return state.hasher }
        var hasher = SHA256()
        if let handle = FileHandle(forReadingAtPath: path(id)) {
            var left = offset
            while left > 0, let chunk = try? handle.read(upToCount: Int(min(left, 1 << 20))), !chunk.isEmpty {
                hasher.update(data: chunk)
                left -= Int64(chunk.count)
            }
            try? handle.close()
        }
        return hasher
    }
}
