import CHDF5

/// An open group or dataset inside an HDF5 file.
///
/// This is the common base of ``HDF5Group`` and ``HDF5Dataset``; it owns one
/// HDF5 identifier, which is closed exactly once: by ``HDF5File/close()`` on
/// the owning file, or when the object is deinitialised, whichever comes
/// first. Attribute access (see `HDF5Attributes.swift`) is shared by both
/// subclasses through this class.
///
/// Objects are not thread-safe; use one file and its objects from one thread
/// (or task) at a time.
public class HDF5Object {
    /// Absolute path of the object inside the file, e.g. `/params/rnn`.
    public let path: String
    /// The shared state of the file the object belongs to.
    let file: HDF5FileState
    /// The HDF5 identifier; valid while `handleIsOpen`.
    private(set) var id: hid_t
    private var handleIsOpen: Bool

    init(id: hid_t, path: String, file: HDF5FileState) {
        self.id = id
        self.path = path
        self.file = file
        self.handleIsOpen = true
        file.register(self)
    }

    deinit {
        if handleIsOpen {
            _ = H5Oclose(id)
        }
        file.unregister(self)
    }

    /// The file-system path of the file containing this object.
    public var filePath: String { file.path }

    /// Whether the object (and its file) can still be used.
    public var isOpen: Bool { handleIsOpen && file.isOpen }

    /// The object's name: the last component of `path` (`/` for the root group).
    public var name: String {
        path == "/" ? "/" : String(path.split(separator: "/").last ?? "/")
    }

    /// Closes the identifier if still open; returns `false` if HDF5 reported
    /// an error while closing.
    @discardableResult
    func closeHandle() -> Bool {
        guard handleIsOpen else { return true }
        handleIsOpen = false
        return H5Oclose(id) >= 0
    }

    /// An error context for an operation on this object (or on `object`,
    /// a path relative to this object).
    func context(_ operation: String, object: String? = nil) -> HDF5ErrorContext {
        HDF5ErrorContext(file: file.path,
                         object: object.map { HDF5Path.resolve($0, from: path) } ?? path,
                         operation: operation)
    }

    /// The identifier, after making sure the library is ready and the object
    /// is still open.
    func checkedID(_ context: HDF5ErrorContext) throws -> hid_t {
        HDF5Library.prepare()
        guard isOpen else { throw context.error("file is closed") }
        return id
    }

    /// Like `checkedID`, and also requires the file to be open for writing.
    func writableID(_ context: HDF5ErrorContext) throws -> hid_t {
        let id = try checkedID(context)
        guard file.isWritable else { throw context.error("file is open read-only") }
        return id
    }
}

/// Paths inside an HDF5 file.
enum HDF5Path {
    /// The non-empty components of `path`, without `.` entries.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." }
    }

    /// The absolute, normalised form of `path` interpreted relative to the
    /// absolute path `base` (absolute `path`s ignore `base`).
    static func resolve(_ path: String, from base: String) -> String {
        let parts = path.hasPrefix("/") ? components(path) : components(base) + components(path)
        return "/" + parts.joined(separator: "/")
    }

    /// `path` normalised for handing to HDF5 relative to a location:
    /// repeated slashes and `.` components removed; `.` for the location itself.
    static func normalized(_ path: String) -> String {
        let parts = components(path)
        if path.hasPrefix("/") { return "/" + parts.joined(separator: "/") }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// Every prefix of `path` that names a link, outermost first:
    /// `a/b/c` gives `a`, `a/b`, `a/b/c`.
    static func prefixes(_ path: String) -> [String] {
        let parts = components(path)
        let lead = path.hasPrefix("/") ? "/" : ""
        return parts.indices.map { lead + parts[...$0].joined(separator: "/") }
    }
}

/// Property lists for creating links and attributes with UTF-8 names.
enum HDF5PropertyLists {
    /// A link-creation property list that creates missing intermediate groups
    /// and marks link names as UTF-8. The caller closes it with `H5Pclose`.
    static func linkCreation(_ context: HDF5ErrorContext) throws -> hid_t {
        let lcpl = H5Pcreate(seq_p_link_create())
        guard lcpl >= 0 else { throw context.stackError("cannot create link property list") }
        guard H5Pset_create_intermediate_group(lcpl, 1) >= 0,
              H5Pset_char_encoding(lcpl, H5T_CSET_UTF8) >= 0 else {
            let error = context.stackError("cannot configure link property list")
            H5Pclose(lcpl)
            throw error
        }
        return lcpl
    }

    /// An attribute-creation property list marking the name as UTF-8.
    static func attributeCreation(_ context: HDF5ErrorContext) throws -> hid_t {
        let acpl = H5Pcreate(seq_p_attribute_create())
        guard acpl >= 0 else { throw context.stackError("cannot create attribute property list") }
        guard H5Pset_char_encoding(acpl, H5T_CSET_UTF8) >= 0 else {
            let error = context.stackError("cannot configure attribute property list")
            H5Pclose(acpl)
            throw error
        }
        return acpl
    }
}
