import Foundation
import SeqStore

/// Writes `data` to `path` through a uniquely named temporary file beside it, renamed into place: a reader
/// sees the old file or the new one, never a part, and concurrent writers of the same content (shards on a
/// shared file system) are harmless. `permissions` (e.g. 0o755 for a script) are set before the rename.
/// The one text-file writer of seqbench; HDF5 files go through `HDF5File.writeAtomically`.
public func writeAtomically(_ data: Data, to path: String, permissions: Int? = nil) throws {
    let url = URL(fileURLWithPath: path)
    let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString)")
    do {
        try data.write(to: temp)
        if let permissions { try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: temp.path) }
    } catch {
        try? FileManager.default.removeItem(at: temp)
        throw StoreError(file: path, "cannot write: \((error as NSError).localizedDescription)")
    }
    guard rename(temp.path, path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temp)
        throw StoreError(file: path, "cannot write: \(reason)")
    }
}

/// Text, UTF-8, written atomically.
public func writeAtomically(_ text: String, to path: String) throws { try writeAtomically(Data(text.utf8), to: path) }
