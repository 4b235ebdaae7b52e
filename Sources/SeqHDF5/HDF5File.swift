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
    /// Creates `<dir>/.<name>.tmp-<pid>-<random>` next to `path` (exclusively:
    /// never someone else's file), runs `body` on an HDF5 file of that name
    /// kept in memory, then writes its image into the temporary file, syncs it
    /// to disk and renames it over `path` (POSIX `rename`, atomic within a file
    /// system). If anything throws, including `body`, the temporary file is
    /// removed and the error rethrown; an existing file at `path` is then left
    /// untouched.
    ///
    /// HDF5 itself never writes to disk here: a full disk or a read-only
    /// folder fails the plain `write`/`fsync`/`rename` with one error naming
    /// `path`, and every HDF5 identifier is closed on every path (HDF5 cannot
    /// close a file whose flush fails, which used to leave handles open and
    /// crash the process at exit).
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
        let descriptor = posixOpen(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw HDF5Error(file: path, object: "/", operation: "create temporary file", reason: errnoDescription(errno))
        }
        var descriptorOpen = true
        var file: HDF5File?
        do {
            let memory = try createInMemory(temporary, context)
            file = memory
            try body(memory)
            let image = try memory.image(context)
            try memory.close()
            try image.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw context.error("cannot write temporary file: \(errnoDescription(errno))")
                    }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else {
                throw context.error("cannot sync temporary file: \(errnoDescription(errno))")
            }
            descriptorOpen = false
            guard posixClose(descriptor) == 0 else {
                throw context.error("cannot write temporary file: \(errnoDescription(errno))")
            }
            guard rename(temporary, path) == 0 else {
                throw context.error("cannot rename temporary file: \(errnoDescription(errno))")
            }
        } catch {
            try? file?.close()
            if descriptorOpen { _ = posixClose(descriptor) }
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable (best effort).
        syncDirectory(directory ?? ".")
    }

    /// The bytes of this (in-memory) file, after flushing it.
    private func image(_ context: HDF5ErrorContext) throws -> [UInt8] {
        guard state.isOpen else { throw context.error("file is closed") }
        guard H5Fflush(state.id, H5F_SCOPE_GLOBAL) >= 0 else { throw context.stackError("cannot flush file") }
        let size = H5Fget_file_image(state.id, nil, 0)
        guard size > 0 else { throw context.stackError("cannot get file image") }
        var bytes = [UInt8](repeating: 0, count: size)
        let got = bytes.withUnsafeMutableBytes { H5Fget_file_image(state.id, $0.baseAddress, size) }
        guard got == size else { throw context.stackError("cannot get file image") }
        return bytes
    }

    /// A new HDF5 file held in memory only (the core driver without a backing store); `path` names it in
    /// errors. The library's own name for it is `path` with a suffix that exists on no disk.
    private static func createInMemory(_ path: String, _ context: HDF5ErrorContext) throws -> HDF5File {
        let fapl = try fileAccessList(context)
        defer { H5Pclose(fapl) }
        guard H5Pset_fapl_core(fapl, 1 << 20, false) >= 0 else {
            throw context.stackError("cannot configure an in-memory file")
        }
        let id = H5Fcreate(path + ".memory", seq_f_acc_trunc(), seq_p_default(), fapl)
        guard id >= 0 else { throw context.stackError("cannot create file") }
        return try wrap(id: id, path: path, writable: true, context)
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

/// `open(2)` and `close(2)`, named apart from `HDF5File`'s own `open` and `close`.
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
private func posixClose(_ descriptor: Int32) -> Int32 { close(descriptor) }

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
