#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Positional reads from a file, for the few structural checks Steiger makes before
/// handing a file to FFmpeg (format detection, MP4 box layout, Matroska doc type).
struct FileReader: ~Copyable {
    let path: String
    private let descriptor: Int32
    /// The file's size in bytes when it was opened.
    let size: Int64

    /// Opens a regular file for reading.
    init(path: String) throws(MediaError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                throw MediaError(.fileNotFound, "There is no file at this path.", path: path)
            }
            throw MediaError(.unreadable, "The file cannot be read: \(String(cString: strerror(errno))).", path: path)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw MediaError(.fileNotFound, "This path is not a regular file.", path: path)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MediaError(.unreadable, "The file cannot be opened: \(String(cString: strerror(errno))).", path: path)
        }
        self.path = path
        self.descriptor = fd
        self.size = Int64(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads up to `count` bytes at `offset`; fewer at the end of the file.
    func read(at offset: Int64, count: Int) throws(MediaError) -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw MediaError(.unreadable, "Reading the file failed: \(String(cString: strerror(errno))).", path: path)
            }
            if n == 0 { break }
            done += n
        }
        bytes.removeLast(count - done)
        return bytes
    }
}
