import Foundation

/// A whole input file the user named (a CSV to import, a `--text-file`), read only when it is a regular file
/// of bounded size: a directory, a device such as /dev/zero, a pipe or a socket is refused with one line
/// instead of a vague system error or an endless read.
public enum InputFile {
    /// The largest input read whole: 4 GiB.
    public static let maxBytes = 1 << 32

    /// The file's bytes; throws an ``InputFileError`` naming `path` and what is wrong with it.
    public static func read(_ path: String) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "no such file" : "cannot read: \(String(cString: strerror(errno)))"
            throw InputFileError(path: path, reason)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw InputFileError(path: path, "is a directory; expected a file")
        default: throw InputFileError(path: path, "is not a regular file (a device, pipe or socket); expected a file")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw InputFileError(path: path, "is \(info.st_size) bytes; at most \(maxBytes) (4 GiB) are read")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputFileError(path: path, "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        do { return try handle.readToEnd() ?? Data() } catch {
            throw InputFileError(path: path, "cannot read: \((error as NSError).localizedDescription)")
        }
    }
}

/// An input file that cannot be read, as one line: `words.csv: is a directory; expected a file`.
public struct InputFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String
    public init(path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}
