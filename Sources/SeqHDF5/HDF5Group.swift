import CHDF5

/// What a path inside an HDF5 file refers to.
public enum HDF5ObjectKind: Sendable, Equatable {
    /// A group.
    case group
    /// A dataset.
    case dataset
    /// Nothing (or an object SeqHDF5 does not handle, such as a committed datatype).
    case none
}

/// An open HDF5 group: the root group of a file or any group below it.
///
/// Paths passed to a group's methods are relative to the group and may
/// contain `/` (`params/rnn/weight_ih_l0`); paths starting with `/` are
/// absolute within the file. Methods that create objects also create any
/// missing intermediate groups.
public final class HDF5Group: HDF5Object {
    // MARK: Navigation

    /// Whether `path` names an existing object. Safe for nested paths whose
    /// intermediate groups are missing (HDF5's `H5Lexists` alone fails there).
    public func exists(_ path: String) -> Bool {
        HDF5Library.prepare()
        guard isOpen else { return false }
        return HDF5Group.exists(path, in: id)
    }

    /// Whether `path` is a group, a dataset, or nothing. Soft, external and
    /// user-defined links are never followed and give `.none`; use
    /// ``checkLinks(_:)`` to tell them apart from missing objects.
    public func kind(of path: String) -> HDF5ObjectKind {
        HDF5Library.prepare()
        guard isOpen else { return .none }
        return HDF5Group.kind(of: path, in: id)
    }

    /// Opens the existing group at `path`.
    public func group(_ path: String) throws -> HDF5Group {
        let context = context("open group", object: path)
        let id = try checkedID(context)
        try checkLinks(path, context)
        switch HDF5Group.kind(of: path, in: id) {
        case .none: throw context.error("group does not exist")
        case .dataset: throw context.error("object is a dataset, not a group")
        case .group: break
        }
        let groupID = H5Gopen2(id, HDF5Path.normalized(path), seq_p_default())
        guard groupID >= 0 else { throw context.stackError("cannot open group") }
        return HDF5Group(id: groupID, path: context.object, file: file)
    }

    /// Creates the group at `path`, including missing intermediate groups,
    /// and returns it. If a group already exists there it is simply opened
    /// (like `mkdir -p`); a dataset in the way is an error.
    @discardableResult
    public func createGroup(_ path: String) throws -> HDF5Group {
        let context = context("create group", object: path)
        let id = try writableID(context)
        guard !HDF5Path.components(path).isEmpty else { return try group(path) }
        try checkIntermediateGroups(path, context)
        switch HDF5Group.kind(of: path, in: id) {
        case .group: return try group(path)
        case .dataset: throw context.error("a dataset exists at this path")
        case .none: if HDF5Group.exists(path, in: id) { throw context.error("another object exists at this path") }
        }
        let lcpl = try HDF5PropertyLists.linkCreation(context)
        defer { H5Pclose(lcpl) }
        let groupID = H5Gcreate2(id, HDF5Path.normalized(path), lcpl, seq_p_default(), seq_p_default())
        guard groupID >= 0 else { throw context.stackError("cannot create group") }
        return HDF5Group(id: groupID, path: context.object, file: file)
    }

    /// The names of the group's direct children (groups, datasets and other
    /// links), sorted.
    public func childNames() throws -> [String] {
        let context = context("list group")
        let id = try checkedID(context)
        var names: [String] = []
        let status = withUnsafeMutablePointer(to: &names) { pointer in
            H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, data in
                guard let name, let data else { return -1 }
                data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, pointer)
        }
        guard status >= 0 else { throw context.stackError("cannot list group members") }
        return names.sorted()
    }

    // MARK: Datasets

    /// Opens the existing dataset at `path` (for its attributes, shape, ...).
    public func dataset(_ path: String) throws -> HDF5Dataset {
        try openDataset(path, context("open dataset", object: path))
    }

    /// Reads the numeric dataset at `path`, converting from the stored
    /// numeric type to `T`.
    ///
    /// - Parameter expectedShape: if given, a dataset of any other shape is an error.
    /// - Throws: ``HDF5Error`` if the dataset is missing, not numeric, or has
    ///   the wrong shape.
    public func read<T: HDF5Scalar>(_ path: String, as type: T.Type,
                                    expectedShape: [Int]? = nil) throws -> HDF5Array<T> {
        let dataset = try openDataset(path, context("read dataset", object: path))
        return try dataset.read(as: type, expectedShape: expectedShape)
    }

    /// Writes `array` as a dataset at `path` (stored as float32, float64,
    /// int32 or int64 to match `T`), creating intermediate groups. An existing
    /// dataset at `path` is replaced (HDF5 does not reclaim its space).
    ///
    /// - Returns: the new dataset, e.g. for setting attributes on it.
    @discardableResult
    public func write<T: HDF5Scalar>(_ path: String, _ array: HDF5Array<T>) throws -> HDF5Dataset {
        let context = context("write dataset", object: path)
        let id = try writableID(context)
        guard T.hasMatchingLayout else { throw context.error("unsupported HDF5Scalar conformance \(T.self)") }
        guard let count = array.elementCount else {
            throw context.error("invalid shape \(HDF5Shape.describe(array.shape))")
        }
        guard count == array.values.count else {
            throw context.error("shape \(HDF5Shape.describe(array.shape)) needs \(count) values, got \(array.values.count)")
        }
        let element = T.hdf5ElementType
        let dataset = try createDataset(id, path, fileType: element.fileType, shape: array.shape, context)
        if count > 0 {
            let status = array.values.withUnsafeBytes {
                H5Dwrite(dataset.id, element.memoryType, seq_s_all(), seq_s_all(), seq_p_default(), $0.baseAddress)
            }
            guard status >= 0 else { throw discard(dataset, path, context.stackError("cannot write data")) }
        }
        return dataset
    }

    /// Writes `values` with the given `shape` as a dataset at `path`; see
    /// ``write(_:_:)``.
    @discardableResult
    public func write<T: HDF5Scalar>(_ path: String, values: [T], shape: [Int]) throws -> HDF5Dataset {
        try write(path, HDF5Array(shape: shape, values: values))
    }

    /// Reads a 1-D (or scalar) string dataset; variable- and fixed-length
    /// strings are both accepted.
    public func readStrings(_ path: String) throws -> [String] {
        let dataset = try openDataset(path, context("read string dataset", object: path))
        return try dataset.readStrings()
    }

    /// Writes `strings` as a 1-D dataset of variable-length UTF-8 strings at
    /// `path`, creating intermediate groups and replacing an existing dataset.
    @discardableResult
    public func writeStrings(_ path: String, _ strings: [String]) throws -> HDF5Dataset {
        let context = context("write string dataset", object: path)
        let id = try writableID(context)
        let type = try HDF5IO.variableStringType(context)
        defer { H5Tclose(type) }
        return try HDF5IO.withCStrings(strings, context) { buffer in
            let dataset = try createDataset(id, path, fileType: type, shape: [strings.count], context)
            if !strings.isEmpty {
                guard H5Dwrite(dataset.id, type, seq_s_all(), seq_s_all(), seq_p_default(), buffer) >= 0 else {
                    throw discard(dataset, path, context.stackError("cannot write strings"))
                }
            }
            return dataset
        }
    }

    /// The shape and stored element type (`float32`, `float64`, `int32`,
    /// `int64`, `uint8`, `string`, ...) of the dataset at `path`.
    public func datasetInfo(_ path: String) throws -> (shape: [Int], typeDescription: String) {
        let dataset = try openDataset(path, context("inspect dataset", object: path))
        return try dataset.info()
    }

    // MARK: - Internals

    /// Fixed-length, NUL-padded strings as numpy's `S` dtype stores them.
    /// Internal: lets tests produce what h5py writes for numpy bytes.
    @discardableResult
    func writeFixedLengthStrings(_ path: String, _ strings: [String], utf8: Bool = false) throws -> HDF5Dataset {
        let context = context("write string dataset", object: path)
        let id = try writableID(context)
        let length = max(strings.map(\.utf8.count).max() ?? 0, 1)
        let type = try HDF5IO.fixedStringType(length: length, charset: utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII,
                                              context)
        defer { H5Tclose(type) }
        var bytes = [UInt8](repeating: 0, count: max(length, 1) * strings.count)
        for (index, string) in strings.enumerated() {
            bytes.replaceSubrange(index * length ..< index * length + string.utf8.count, with: string.utf8)
        }
        let dataset = try createDataset(id, path, fileType: type, shape: [strings.count], context)
        if !strings.isEmpty {
            let status = bytes.withUnsafeBytes {
                H5Dwrite(dataset.id, type, seq_s_all(), seq_s_all(), seq_p_default(), $0.baseAddress)
            }
            guard status >= 0 else { throw discard(dataset, path, context.stackError("cannot write strings")) }
        }
        return dataset
    }

    /// Opens the dataset at `path` with clear errors for missing objects.
    /// Every dataset opened for reading passes through here, so the checks
    /// for untrusted files (hard links only, self-contained storage) apply
    /// to all read paths.
    private func openDataset(_ path: String, _ context: HDF5ErrorContext) throws -> HDF5Dataset {
        let id = try checkedID(context)
        try checkLinks(path, context)
        switch HDF5Group.kind(of: path, in: id) {
        case .none: throw context.error("dataset does not exist")
        case .group: throw context.error("object is a group, not a dataset")
        case .dataset: break
        }
        let datasetID = H5Dopen2(id, HDF5Path.normalized(path), seq_p_default())
        guard datasetID >= 0 else { throw context.stackError("cannot open dataset") }
        let dataset = HDF5Dataset(id: datasetID, path: context.object, file: file)
        try dataset.checkSelfContained(context)
        return dataset
    }

    /// Creates an empty dataset, replacing an existing dataset at `path`.
    private func createDataset(_ id: hid_t, _ path: String, fileType: hid_t, shape: [Int],
                               _ context: HDF5ErrorContext) throws -> HDF5Dataset {
        guard !HDF5Path.components(path).isEmpty else { throw context.error("invalid dataset path") }
        try checkIntermediateGroups(path, context)
        switch HDF5Group.kind(of: path, in: id) {
        case .group:
            throw context.error("a group exists at this path")
        case .dataset:
            guard H5Ldelete(id, HDF5Path.normalized(path), seq_p_default()) >= 0 else {
                throw context.stackError("cannot replace existing dataset")
            }
        case .none:
            if HDF5Group.exists(path, in: id) { throw context.error("another object exists at this path") }
        }
        let lcpl = try HDF5PropertyLists.linkCreation(context)
        defer { H5Pclose(lcpl) }
        let space = try HDF5IO.createSpace(shape, context)
        defer { H5Sclose(space) }
        let datasetID = H5Dcreate2(id, HDF5Path.normalized(path), fileType, space, lcpl,
                                   seq_p_default(), seq_p_default())
        guard datasetID >= 0 else { throw context.stackError("cannot create dataset") }
        return HDF5Dataset(id: datasetID, path: context.object, file: file)
    }

    /// Closes and unlinks a dataset whose data could not be written, so no
    /// half-written dataset remains; returns `error` for rethrowing.
    private func discard(_ dataset: HDF5Dataset, _ path: String, _ error: HDF5Error) -> HDF5Error {
        dataset.closeHandle()
        _ = H5Ldelete(id, HDF5Path.normalized(path), seq_p_default())
        return error
    }

    /// Every existing intermediate component of `path` must be a group.
    private func checkIntermediateGroups(_ path: String, _ context: HDF5ErrorContext) throws {
        for prefix in HDF5Path.prefixes(path).dropLast() {
            switch HDF5Group.kind(of: prefix, in: id) {
            case .group: continue
            case .dataset: throw context.error("\(HDF5Path.resolve(prefix, from: self.path)) is a dataset, not a group")
            case .none:
                if HDF5Group.exists(prefix, in: id) {
                    throw context.error("\(HDF5Path.resolve(prefix, from: self.path)) is not a group")
                }
                return  // missing from here on: HDF5 creates the rest
            }
        }
    }

    /// A link that is not a hard link counts as existing but is never
    /// followed (following an external link opens another file); opening
    /// it through ``group(_:)`` or ``dataset(_:)`` then reports why it is refused.
    static func exists(_ path: String, in location: hid_t) -> Bool {
        if HDF5Path.components(path).isEmpty { return true }  // "", ".", "/"
        for prefix in HDF5Path.prefixes(path) {
            // Fails (< 0) rather than returning false when an earlier component
            // is missing or not a group, so check each level in turn.
            guard H5Lexists(location, prefix, seq_p_default()) > 0 else { return false }
            if linkProblem(prefix, in: location) != nil { return true }
        }
        // The link may still dangle (soft links).
        return H5Oexists_by_name(location, HDF5Path.normalized(path), seq_p_default()) > 0
    }

    /// Links other than hard links give `.none` without being followed.
    static func kind(of path: String, in location: hid_t) -> HDF5ObjectKind {
        guard exists(path, in: location) else { return .none }
        if HDF5Path.prefixes(path).contains(where: { linkProblem($0, in: location) != nil }) { return .none }
        let objectID = H5Oopen(location, HDF5Path.normalized(path), seq_p_default())
        guard objectID >= 0 else { return .none }
        defer { H5Oclose(objectID) }
        switch H5Iget_type(objectID) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .none
        }
    }
}
