import CHDF5
import Synchronization

// Reading untrusted files (checkpoints, prediction inputs, task data).
//
// A file someone hands to seqbench must not make it read other files, follow
// links out of the file, allocate absurd amounts of memory or loop forever.
// HDF5 itself happily does all of these: external links and external storage
// open other paths on disk, virtual datasets map data from other files,
// unknown filters load plugins, and hard links can make the group graph
// cyclic. SeqHDF5 therefore checks every link it traverses and every dataset
// it opens, and limits the size of every read, before touching any data.

/// Limits applied to every read of a dataset or attribute.
public enum HDF5ReadLimits {
    private static let maxElements = Atomic<Int>(1 << 28)

    /// The most elements one dataset or attribute read may have (default
    /// 2^28, i.e. 1 GiB of float32). Larger objects are refused with an
    /// error naming them before any memory is allocated. Thread-safe.
    public static var maxElementsPerRead: Int {
        get { maxElements.load(ordering: .relaxed) }
        set { maxElements.store(max(newValue, 0), ordering: .relaxed) }
    }

    /// The element count of `shape`, checked for overflow and against
    /// ``maxElementsPerRead``.
    static func checkedCount(_ shape: [Int], _ context: HDF5ErrorContext) throws -> Int {
        guard let count = HDF5Shape.elementCount(shape) else {
            throw context.error("shape \(HDF5Shape.describe(shape)) has too many elements (the product overflows)")
        }
        let limit = maxElementsPerRead
        guard count <= limit else {
            throw context.error("shape \(HDF5Shape.describe(shape)) has \(count) elements, "
                + "more than the per-read limit of \(limit)")
        }
        return count
    }
}

/// Where an object lives: the file number and the object header's address.
/// Two paths reaching the same object (hard links) give equal addresses,
/// which is what makes walks over a group tree cycle-safe.
public struct HDF5ObjectAddress: Hashable, Sendable {
    public let fileNumber: UInt
    public let address: UInt64
}

extension HDF5Object {
    /// The object's address; see ``HDF5ObjectAddress``.
    public var address: HDF5ObjectAddress {
        get throws {
            let context = context("get object info")
            let id = try checkedID(context)
            var info = H5O_info_t()
            guard H5Oget_info2(id, &info, seq_o_info_basic()) >= 0 else {
                throw context.stackError("cannot read object info")
            }
            return HDF5ObjectAddress(fileNumber: UInt(info.fileno), address: UInt64(info.addr))
        }
    }
}

/// The reason seqbench refuses content that is not self-contained.
let selfContainedOnly = "seqbench reads only self-contained files"

extension HDF5Group {
    /// Checks that every link on `path` (relative to this group) is a hard
    /// link, without following any other kind.
    ///
    /// External and user-defined links are refused: they open other files.
    /// Soft links are refused too: seqbench never writes them, and refusing
    /// them keeps every object reachable under exactly the names walked,
    /// so nothing outside the tree checked can be reached. Missing links are
    /// not an error here (callers report them in their own words).
    public func checkLinks(_ path: String) throws {
        try checkLinks(path, context("open", object: path))
    }

    func checkLinks(_ path: String, _ context: HDF5ErrorContext) throws {
        let id = try checkedID(context)
        for prefix in HDF5Path.prefixes(path) {
            guard H5Lexists(id, prefix, seq_p_default()) > 0 else { return }
            if let problem = HDF5Group.linkProblem(prefix, in: id) {
                // Name the link at fault, which may be a prefix of `path`.
                var error = HDF5Error(file: context.file, object: HDF5Path.resolve(prefix, from: self.path),
                                      operation: context.operation, reason: problem)
                error.isRefusal = true
                throw error
            }
        }
    }

    /// Why the (existing) link `path` must not be followed, or `nil` for a hard link.
    static func linkProblem(_ path: String, in location: hid_t) -> String? {
        var info = H5L_info_t()
        guard H5Lget_info(location, path, &info, seq_p_default()) >= 0 else {
            return "cannot read link info"
        }
        switch info.type {
        case H5L_TYPE_HARD: return nil
        case H5L_TYPE_SOFT: return "is a soft link; \(selfContainedOnly) without soft links"
        case H5L_TYPE_EXTERNAL: return "is an external link to another file; \(selfContainedOnly)"
        default: return "is a user-defined link (type \(info.type.rawValue)); \(selfContainedOnly)"
        }
    }
}

extension HDF5Dataset {
    /// Filters whose decoding needs nothing but libhdf5 and zlib/libaec:
    /// deflate, shuffle, fletcher32, szip, nbit, scaleoffset. Any other filter
    /// would make HDF5 search for and load a plugin library.
    static let allowedFilters: Set<H5Z_filter_t> = [
        H5Z_filter_t(H5Z_FILTER_DEFLATE), H5Z_filter_t(H5Z_FILTER_SHUFFLE), H5Z_filter_t(H5Z_FILTER_FLETCHER32),
        H5Z_filter_t(H5Z_FILTER_SZIP), H5Z_filter_t(H5Z_FILTER_NBIT), H5Z_filter_t(H5Z_FILTER_SCALEOFFSET),
    ]

    /// Refuses datasets whose data lives outside the file (external storage,
    /// virtual datasets) or needs filters beyond ``allowedFilters``.
    func checkSelfContained(_ context: HDF5ErrorContext) throws {
        let id = try checkedID(context)
        let dcpl = H5Dget_create_plist(id)
        guard dcpl >= 0 else { throw context.stackError("cannot read dataset creation properties") }
        defer { H5Pclose(dcpl) }
        let external = H5Pget_external_count(dcpl)
        guard external >= 0 else { throw context.stackError("cannot read external storage") }
        if external > 0 { throw context.refusal("stored in an external file; \(selfContainedOnly)") }
        let layout = H5Pget_layout(dcpl)
        if layout == H5D_VIRTUAL {
            throw context.refusal("is a virtual dataset (data mapped from other datasets or files); \(selfContainedOnly)")
        }
        guard layout == H5D_COMPACT || layout == H5D_CONTIGUOUS || layout == H5D_CHUNKED else {
            throw context.error("has an unknown storage layout (\(layout.rawValue))")
        }
        let filters = H5Pget_nfilters(dcpl)
        guard filters >= 0 else { throw context.stackError("cannot read filters") }
        for index in 0 ..< UInt32(filters) {
            var flags: UInt32 = 0, count = 0, config: UInt32 = 0
            var name = [CChar](repeating: 0, count: 64)
            let filter = H5Pget_filter2(dcpl, index, &flags, &count, nil, name.count, &name, &config)
            guard filter >= 0 else { throw context.stackError("cannot read filter") }
            guard HDF5Dataset.allowedFilters.contains(filter) else {
                throw context.refusal("uses filter \(filter); seqbench reads only deflate, shuffle, fletcher32, "
                    + "szip, nbit and scaleoffset")
            }
        }
    }
}
