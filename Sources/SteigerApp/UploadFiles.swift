import Crypto
import Foundation
import NIOCore
import NIOPosix
import SteigerCore
import SteigerStore
import Synchronization

/// The bytes of uploads in progress: one file per upload under `uploads/`, appended to as
/// chunks arrive, hashed on the way. Which request may write an upload is claimed in the
/// database (``Uploads/asWriter(_:_:)``), so any server process can continue any
/// upload; the running SHA-256 is kept in memory as a shortcut and rebuilt from the file
/// whenever it does not match the recorded offset (another process wrote, or a restart).
public final class UploadFiles: Sendable {
    let directory: String
    /// Where finished files go, named by their SHA-256.
    let blobs: BlobStore
    /// A running hash at an offset. `@unchecked Sendable`: `SHA256` is a plain value (its state
    /// is copied, never shared), it is just not marked Sendable.
    private struct HashState: @unchecked Sendable {
        var offset: Int64
        var hasher: SHA256
    }

    private let hashers = Mutex<[String: HashState]>([:])
    /// Threads that wait for the disk, so that a flush never holds one of the few threads async
    /// code runs on (many small uploads finishing at once would otherwise queue behind each other).
    private let diskThreads: NIOThreadPool

    /// Bytes written before the kernel is asked to start writing them out.
    static let writeBackStep: Int64 = 1 << 20

    /// The room on the volume, and what is kept back for the database.
    public let disk: DiskSpace

    /// The files under `dataDirectory` (`uploads/`, and `media/` for finished ones), never
    /// writing into the last `reserve` bytes of the volume.
    public init(dataDirectory: String, reserve: Int64 = 0, measure: DiskSpace.Measure? = nil) throws {
        disk = DiskSpace(path: dataDirectory, reserve: reserve, measure: measure)
        directory = dataDirectory + "/uploads"
        blobs = try BlobStore(root: dataDirectory + "/media")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        diskThreads = Self.sharedDiskThreads
    }

    /// Threads for blocking disk work (hashing, flushing), one pool for the whole process: every
    /// instance shares it, so making many (a test suite's servers) never piles up idle threads.
    private static let sharedDiskThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    func path(_ id: String) -> String { "\(directory)/\(id)" }

    /// Where the finished file with `sha256` lives (originals, renditions, posters, storyboards).
    public func mediaPath(_ sha256: String) -> String { blobs.path(sha256) }

    /// Creates the empty file of a new upload.
    func create(_ id: String) throws {
        guard FileManager.default.createFile(atPath: path(id), contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw AppError(disk.isLow ? .noSpace : .uploadNotStored)
        }
        save(id, HashState(offset: 0, hasher: SHA256()))
    }

    /// Bytes written between two looks at the room left on the volume.
    static let roomCheckStep: Int64 = 1 << 20

    /// Appends a request body to the upload's file, at most `limit` bytes in all, hashing as it
    /// goes. Returns the new size, also when the body broke off (what arrived is kept) — then
    /// `interrupted` says why. When the volume runs into its reserve (or is full), the file goes
    /// back to `offset` and `interrupted` is ``ProblemKind/noSpace``: the room is given back at
    /// once and the upload can go on from where it was once there is room.
    func append(
        _ id: String, from body: some AsyncSequence<ByteBuffer, any Error>, at offset: Int64, limit: Int64,
        stillWriter: () -> Bool = { true }
    ) async
        -> (size: Int64, interrupted: (any Error)?)
    {
        var size = offset
        guard let handle = FileHandle(forWritingAtPath: path(id)) else {
            return (offset, AppError(.uploadDataGone))
        }
        defer { try? handle.close() }
        // The hash runs a batch behind on a thread of its own, overlapping the network and the
        // disk instead of holding up the loop that receives the bytes.
        let hashing = Hashing(hasher: currentHasher(id, offset: offset), pool: diskThreads)
        let descriptor = handle.fileDescriptor
        var writtenBack = offset
        var checkedRoom = offset - Self.roomCheckStep
        do {
            // Bytes past the recorded offset (written before a crash, never acknowledged) go.
            try handle.truncate(atOffset: UInt64(offset))
            for try await chunk in body {
                let count = Int64(chunk.readableBytes)
                if size + count > limit {
                    throw AppError(.pastLength, ["length": .integer(Int(limit))])
                }
                // Another writer may have the upload now: not a byte more from this one.
                guard stillWriter() else { throw AppError(.uploadBusy) }
                if size + count - checkedRoom >= Self.roomCheckStep {
                    // The reserve is the database's: stop a MiB before eating into it.
                    if disk.spare() < count + Self.roomCheckStep { throw AppError(.noSpace) }
                    checkedRoom = size
                }
                do {
                    try chunk.withUnsafeReadableBytes { bytes in try handle.write(contentsOf: bytes) }
                } catch  where DiskSpace.isFull(error) {
                    throw AppError(.noSpace)
                }
                try await hashing.add(chunk)  // only what reached the file
                size += count
                // The disk writes while the network delivers the rest, so the flush at the end
                // waits only for the tail instead of the whole request's bytes. (On Linux, this
                // advice starts writing the range out; the pages leave the cache once written.)
                if size - writtenBack >= Self.writeBackStep {
                    _ = posix_fadvise(descriptor, off_t(writtenBack), off_t(size - writtenBack), POSIX_FADV_DONTNEED)
                    writtenBack = size
                }
            }
            // On disk before the offset is acknowledged.
            try await flush(descriptor)
            save(id, HashState(offset: size, hasher: try await hashing.finish()))
            return (size, nil)
        } catch let error as AppError where error.kind == .noSpace {
            // Back to what was recorded: this request's bytes give their room back.
            _ = try? await hashing.finish()
            try? handle.truncate(atOffset: UInt64(offset))
            hashers.withLock { _ = $0.removeValue(forKey: id) }
            return (offset, error)
        } catch {
            try? await flush(descriptor)
            if let hasher = try? await hashing.finish() { save(id, HashState(offset: size, hasher: hasher)) }
            return (size, error)
        }
    }

    /// A running SHA-256 fed in batches of about a MiB, each hashed on `pool` while the next
    /// batch arrives; one batch at a time, in order.
    private final class Hashing {
        private var hasher: HashState
        private var batch: [ByteBuffer] = []
        private var batched = 0
        private var running: EventLoopFuture<HashState>?
        private let pool: NIOThreadPool
        static let batchSize = 1 << 20

        init(hasher: SHA256, pool: NIOThreadPool) {
            self.hasher = HashState(offset: 0, hasher: hasher)
            self.pool = pool
        }

        func add(_ chunk: ByteBuffer) async throws {
            batch.append(chunk)
            batched += chunk.readableBytes
            if batched >= Self.batchSize { try await hand() }
        }

        /// The hash of everything added.
        func finish() async throws -> SHA256 {
            try await hand()
            if let running { hasher = try await running.get() }
            running = nil
            return hasher.hasher
        }

        /// Waits for the batch before, then starts hashing this one.
        private func hand() async throws {
            if let running { hasher = try await running.get() }
            running = nil
            guard !batch.isEmpty else { return }
            let buffers = batch, state = hasher
            batch = []
            batched = 0
            running = pool.runIfActive(eventLoop: MultiThreadedEventLoopGroup.singleton.any()) {
                var next = state
                for buffer in buffers { buffer.withUnsafeReadableBytes { next.hasher.update(bufferPointer: $0) } }
                return next
            }
        }
    }

    /// The SHA-256 of a complete upload; the file is on disk first (its last request flushed it,
    /// or, after a restart, it is flushed here).
    func finish(_ id: String, size: Int64) async throws -> String {
        if hashers.withLock({ $0[id]?.offset }) != size, let handle = FileHandle(forUpdatingAtPath: path(id)) {
            defer { try? handle.close() }
            try await flush(handle.fileDescriptor)
        }
        let hasher = currentHasher(id, offset: size)
        hashers.withLock { _ = $0.removeValue(forKey: id) }
        return BlobStore.hex(hasher.finalize())
    }

    /// Waits until the file's data is on disk, on a thread meant for waiting.
    private func flush(_ descriptor: Int32) async throws {
        try await diskThreads.runIfActive {
            if fdatasync(descriptor) != 0 { throw AppError(errno == ENOSPC || errno == EDQUOT ? .noSpace : .uploadNotStored) }
        }
    }

    /// The upload files on disk with their sizes and when each was last written.
    func files() -> [(id: String, size: Int64, modified: Date)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path(name)),
                let size = (attributes[.size] as? NSNumber)?.int64Value, let modified = attributes[.modificationDate] as? Date
            else { return nil }
            return (name, size, modified)
        }
    }

    /// Cuts an upload's file back to `size` (bytes written but never acknowledged give their room back).
    func truncate(_ id: String, to size: Int64) {
        guard let handle = FileHandle(forWritingAtPath: path(id)) else { return }
        try? handle.truncate(atOffset: UInt64(size))
        try? handle.close()
        hashers.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Removes files in the media store's scratch directory not written to since `cutoff`: the
    /// partial renditions, posters and storyboards of workers that died or were stopped.
    /// - Returns: how many files went.
    func sweepScratch(notWrittenSince cutoff: Date) -> Int {
        let scratch = blobs.root + "/tmp"
        var removed = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? [] {
            let file = scratch + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date, modified < cutoff
            else { continue }
            if (try? FileManager.default.removeItem(atPath: file)) != nil { removed += 1 }
        }
        return removed
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
