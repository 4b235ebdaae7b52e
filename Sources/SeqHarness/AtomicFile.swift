import Foundation
import SeqStore

/// Writes `data` to `path` through a uniquely named temporary file beside it (`.<name>.tmp-<pid>-<uuid>`,
/// created exclusively), synced and renamed into place: a reader sees the old file or the new one, never a
/// part, and concurrent writers of the same content (shards on a shared file system) are harmless.
/// `permissions` (e.g. 0o755 for a script) are set before the rename. On any failure (disk full, read-only
/// folder) the temporary file is removed and one error naming `path` is thrown.
/// The one text-file writer of seqbench; HDF5 files go through `HDF5File.writeAtomically`.
public func writeAtomically(_ data: Data, to path: String, permissions: Int? = nil) throws {
    let url = URL(fileURLWithPath: path)
    let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString)").path
    func failure(_ code: Int32) -> StoreError {
        StoreError(file: path, "cannot write: \(String(cString: strerror(code)))")
    }
    let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions ?? 0o644))
    guard fd >= 0 else { throw failure(errno) }
    var closed = false
    do {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure(errno)
                }
                offset += n
            }
        }
        if let permissions, fchmod(fd, mode_t(permissions)) != 0 { throw failure(errno) }
        guard fsync(fd) == 0 else { throw failure(errno) }
        closed = true
        guard close(fd) == 0 else { throw failure(errno) }
        guard rename(temp, path) == 0 else { throw failure(errno) }
    } catch {
        if !closed { close(fd) }
        unlink(temp)
        throw error
    }
}

/// Text, UTF-8, written atomically.
public func writeAtomically(_ text: String, to path: String) throws { try writeAtomically(Data(text.utf8), to: path) }

/// `mkdir -p`, failing with one line naming the folder ("…: cannot create folder: Read-only file system").
public func createFolder(_ path: String) throws {
    var info = stat()
    if stat(path, &info) == 0 {
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw StoreError(file: path, "cannot create folder: a file is in the way") }
        return
    }
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty && parent != path { try createFolder(parent) }
    guard mkdir(path, 0o777) == 0 || errno == EEXIST else {
        throw StoreError(file: path, "cannot create folder: \(String(cString: strerror(errno)))")
    }
}
