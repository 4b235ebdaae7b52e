import Foundation
import SeqStore

/// Where a command may write a file it creates whole (`predict --output`): never over one of the files it
/// reads, only ever a regular file (written to a temporary file and renamed into place), and over an
/// existing file only when asked (`--force`).
public enum OutputTarget {
    /// Throws one line naming `output` unless it may be written. `protected` are the files being read
    /// (label, path): the output may not be any of them, compared by device and inode, so also not through a
    /// symlink or a hard link. Refused even with `force`: a directory, a device (`/dev/null`), a FIFO, a
    /// socket, or a symlink to any of these.
    public static func check(_ output: String, force: Bool, protecting protected: [(label: String, path: String)]) throws {
        var link = stat()
        guard lstat(output, &link) == 0 else {
            let code = errno
            guard code == ENOENT else { throw StoreError(file: output, "cannot write: \(String(cString: strerror(code)))") }
            return   // nothing there: a new file
        }
        var target = stat()
        let isLink = (link.st_mode & S_IFMT) == S_IFLNK
        if isLink && stat(output, &target) != 0 {
            // A dangling symlink: the rename would replace the link itself.
            guard force else { throw StoreError(file: output, "exists (a symbolic link); pass --force to replace it") }
            return
        }
        if !isLink { target = link }
        for (label, path) in protected {
            var other = stat()
            if stat(path, &other) == 0, other.st_dev == target.st_dev, other.st_ino == target.st_ino {
                throw StoreError(file: output, "is the \(label) \(path) (the same file); choose another output file")
            }
        }
        let kind = target.st_mode & S_IFMT
        guard kind == S_IFREG else {
            let what: String
            switch kind {
            case S_IFDIR: what = "a directory"
            case S_IFCHR: what = "a character device"
            case S_IFBLK: what = "a block device"
            case S_IFIFO: what = "a FIFO"
            case S_IFSOCK: what = "a socket"
            default: what = "not a regular file"
            }
            throw StoreError(file: output, "is \(what)\(isLink ? " (through a symbolic link)" : ""); the output must be a regular file")
        }
        guard force else { throw StoreError(file: output, "already exists; pass --force to replace it") }
    }
}
