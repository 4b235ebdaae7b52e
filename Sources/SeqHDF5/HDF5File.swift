import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open HDF5 file.
///
/// Open an existing file with ``open(_:writable:)``, create one with
/// ``create(_:)``, or build one safely with ``writeAtomically(to:_:)``. All
/// access goes through ``root`` and the groups and datasets reached from it.
///
/// ``close()`` closes the file and every group or dataset still open in it;
/// objects used after that throw "file is closed". Without an explicit
/// `close()`, the file is closed once the `HDF5File` and every object obtained
/// from it have been deinitialised. Every HDF5 identifier is closed exactly once.
///
/// Not thread-safe: use a file and its objects from one thread at a time.
/// (Different files may be used on different threads; Debian's HDF5 is a
/// thread-safe build.)
public final class HDF5File {
    /// The file-system path the file was opened or created with.
    public let path: String
    /// The root group `/`.
    public let root: HDF5Group
    let state: HDF5FileState

    private init(state: HDF5FileState, root: HDF5Group) {
        self.state = state
        self.root = root
        self.path = state.path
    }

    /// Whether the file was opened for writing.
    public var isWritable: Bool { state.isWritable }

    /// Whether the file is still open (``close()`` not yet called).
    public var isOpen: Bool { state.isOpen }

    /// Opens an existing HDF5 file, read-only unless `writable` is true.
    ///
    /// - Throws: ``HDF5Error`` if the file is missing, unreadable, not an HDF5
    ///   file (including empty files) or damaged (for example truncated).
    public static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
        HDF5Library.prepare()
        let context = HDF5ErrorContext(file: path, object: "/", operation: writable ? "open for writing" : "open")
        try checkReadableFile(path, context)

        switch H5Fis_hdf5(path) {
        case let result where result < 0:
            throw context.stackError("cannot read file")
        case 0:
            throw context.error("not an HDF5 file")
        default:
            break
        }
        let fapl = try fileAccessList(context)
        defer { H5Pclose(fapl) }
        let id = H5Fopen(path, writable ? seq_f_acc_rdwr() : seq_f_acc_rdonly(), fapl)
        guard id >= 0 else { throw context.stackError("cannot open file") }
        return try wrap(id: id, path: path, writable: writable, context)
    }

    /// Creates a new, empty HDF5 file open for writing, replacing any existing
    /// file at `path`.
    public static func create(_ path: String) throws -> HDF5File {
        HDF5Library.prepare()
        return try create(path, exclusive: false)
    }

    /// Closes every group and dataset still open in this file, then the file.
    ///
    /// Calling `close()` again does nothing. Objects obtained from the file
    /// throw "file is closed" afterwards.
    public func close() throws {
        HDF5Library.prepare()
        try state.close()
    }

    /// Writes buffered data to disk without closing the file.
    public func flush() throws {
        HDF5Library.prepare()
        let context = HDF5ErrorContext(file: path, object: "/", operation: "flush")
        guard state.isOpen else { throw context.error("file is closed") }
        guard H5Fflush(state.id, H5F_SCOPE_GLOBAL) >= 0 else {
            throw context.stackError("cannot flush file")
        }
    }

    /// Builds an HDF5 file so that `path` only ever holds a complete file.
    ///
    /// Creates `<dir>/.<name>.tmp-<pid>-<random>` next to `path`, runs `body`
    /// on it, closes it, syncs it to disk and renames it over `path` (POSIX
    /// `rename`, atomic within a file system). If anything throws, including
    /// `body`, the temporary file is removed and the error rethrown; an
    /// existing file at `path` is then left untouched.
    public static func writeAtomically(to path: String, _ body: (HDF5File) throws -> Void) throws {
        HDF5Library.prepare()
        let context = HDF5ErrorContext(file: path, object: "/", operation: "write atomically")
        let (directory, name) = splitPath(path)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw context.error("path does not name a file")
        }
        let suffix = String(UInt64.random(in: 0 ... UInt64.max), radix: 16)
        let temporary = (directory.map { $0 + "/" } ?? "") + ".\(name).tmp-\(getpid())-\(suffix)"

        // Exclusive create: never clobber someone else's file.
        let file: HDF5File
        do {
            file = try create(temporary, exclusive: true)
        } catch let error as HDF5Error {
            throw HDF5Error(file: path, object: "/", operation: "create temporary file", reason: error.reason)
        }
        do {
            try body(file)
            try file.close()
            try syncToDisk(temporary, context)
            guard rename(temporary, path) == 0 else {
                throw context.error("cannot rename temporary file: \(errnoDescription(errno))")
            }
        } catch {
            try? file.close()
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable (best effort).
        syncDirectory(directory ?? ".")
    }

    // MARK: - Internals

    private static func create(_ path: String, exclusive: Bool) throws -> HDF5File {
        let context = HDF5ErrorContext(file: path, object: "/", operation: "create")
        let fapl = try fileAccessList(context)
        defer { H5Pclose(fapl) }
        let id = H5Fcreate(path, exclusive ? seq_f_acc_excl() : seq_f_acc_trunc(), seq_p_default(), fapl)
        guard id >= 0 else { throw context.stackError("cannot create file") }
        return try wrap(id: id, path: path, writable: true, context)
    }

    /// Wraps a freshly opened file identifier and opens its root group.
    private static func wrap(id: hid_t, path: String, writable: Bool,
                             _ context: HDF5ErrorContext) throws -> HDF5File {
        let state = HDF5FileState(id: id, path: path, writable: writable)
        let rootID = H5Gopen2(id, "/", seq_p_default())
        guard rootID >= 0 else {
            let error = context.stackError("cannot open root group")
            try? state.close()
            throw error
        }
        return HDF5File(state: state, root: HDF5Group(id: rootID, path: "/", file: state))
    }

    /// A file-access property list. File locking stays on, but is skipped on
    /// file systems that do not support it instead of failing the open.
    private static func fileAccessList(_ context: HDF5ErrorContext) throws -> hid_t {
        let fapl = H5Pcreate(seq_p_file_access())
        guard fapl >= 0 else { throw context.stackError("cannot create file access property list") }
        guard H5Pset_file_locking(fapl, true, true) >= 0 else {
            let error = context.stackError("cannot configure file locking")
            H5Pclose(fapl)
            throw error
        }
        return fapl
    }

    /// Gives clear errors for missing, unreadable and non-regular paths
    /// before HDF5 produces less readable ones.
    private static func checkReadableFile(_ path: String, _ context: HDF5ErrorContext) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            throw context.error(code == ENOENT ? "file does not exist" : errnoDescription(code))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw context.error("is a directory") }
        if info.st_size == 0 { throw context.error("file is empty, not an HDF5 file") }
        guard access(path, R_OK) == 0 else { throw context.error(errnoDescription(errno)) }
    }

    /// Splits `a/b/c.h5` into (`a/b`, `c.h5`); no directory gives `nil`.
    private static func splitPath(_ path: String) -> (directory: String?, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (nil, path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}

/// `fsync`s a file (by path) so its contents are on disk before a rename.
private func syncToDisk(_ path: String, _ context: HDF5ErrorContext) throws {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
        throw context.error("cannot reopen temporary file: \(errnoDescription(errno))")
    }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else {
        throw context.error("cannot sync temporary file: \(errnoDescription(errno))")
    }
}

/// `fsync`s a directory so a rename inside it is durable (best effort).
private func syncDirectory(_ directory: String) {
    let descriptor = open(directory, O_RDONLY | O_DIRECTORY)
    guard descriptor >= 0 else { return }
    _ = fsync(descriptor)
    close(descriptor)
}

/// State shared by an ``HDF5File`` and every object opened from it: the file
/// identifier and a registry of open objects so ``HDF5File/close()`` can
/// close them. Kept alive by the file and by each object, so the file
/// identifier outlives every object identifier in it.
final class HDF5FileState {
    let path: String
    let isWritable: Bool
    private(set) var id: hid_t
    private(set) var isOpen = true
    private var objects: [ObjectIdentifier: WeakObject] = [:]

    private struct WeakObject {
        weak var object: HDF5Object?
    }

    init(id: hid_t, path: String, writable: Bool) {
        self.id = id
        self.path = path
        self.isWritable = writable
    }

    deinit {
        // Every object holds this state strongly, so all object identifiers
        // are already closed here.
        if isOpen {
            _ = H5Fclose(id)
        }
    }

    func register(_ object: HDF5Object) {
        objects[ObjectIdentifier(object)] = WeakObject(object: object)
    }

    func unregister(_ object: HDF5Object) {
        objects[ObjectIdentifier(object)] = nil
    }

    /// Closes all registered objects, then the file. Idempotent.
    func close() throws {
        guard isOpen else { return }
        isOpen = false
        var failed: [String] = []
        let live = objects.values.compactMap(\.object)
        objects.removeAll()
        for object in live where !object.closeHandle() {
            failed.append(object.path)
        }
        let context = HDF5ErrorContext(file: path, object: "/", operation: "close")
        guard H5Fclose(id) >= 0 else { throw context.stackError("cannot close file") }
        if let first = failed.first {
            throw HDF5Error(file: path, object: first, operation: "close", reason: "cannot close object")
        }
    }
}
