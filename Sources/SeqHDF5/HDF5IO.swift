import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Element reading and writing shared by datasets and attributes.
///
/// The two differ only in the HDF5 call that moves the bytes (`H5Dread` with
/// `H5S_ALL` versus `H5Aread`), so callers pass that call as a closure taking
/// the memory type and the buffer.
enum HDF5IO {
    typealias Reader = (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t

    /// The extent of a dataspace. Rank 0 (scalar) gives `[]`.
    /// - Throws: for a null dataspace (no elements at all) or an unreadable one.
    static func shape(ofSpace space: hid_t, _ context: HDF5ErrorContext) throws -> [Int] {
        let kind = H5Sget_simple_extent_type(space)
        if kind == H5S_NULL { throw context.error("object has no data (null dataspace)") }
        if kind == H5S_SCALAR { return [] }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw context.stackError("cannot read dataspace") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else {
            throw context.stackError("cannot read dataspace")
        }
        return try dims.map { dimension in
            guard let value = Int(exactly: dimension) else { throw context.error("dimension too large") }
            return value
        }
    }

    /// A dataspace for `shape` (scalar for `[]`); the caller closes it.
    static func createSpace(_ shape: [Int], _ context: HDF5ErrorContext) throws -> hid_t {
        let space: hid_t
        if shape.isEmpty {
            space = H5Screate(H5S_SCALAR)
        } else {
            let dims = shape.map { hsize_t($0) }
            space = H5Screate_simple(Int32(dims.count), dims, nil)
        }
        guard space >= 0 else { throw context.stackError("cannot create dataspace") }
        return space
    }

    /// Refuses buffers larger than physical memory before allocating them:
    /// a damaged file can claim absurd dimensions, and a failed Swift
    /// allocation is a crash, not an error.
    static func checkAllocation(count: Int, elementSize: Int, _ context: HDF5ErrorContext) throws {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(elementSize, 1))
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        let limit = pages > 0 && pageSize > 0 ? pages.multipliedReportingOverflow(by: pageSize).partialValue : Int.max
        guard !overflow, bytes <= limit else {
            throw context.error("data too large to read (\(count) elements of \(elementSize) bytes)")
        }
    }

    /// A short name for a stored type: `float32`, `int64`, `uint8`, `string`, ...
    static func describe(type: hid_t) -> String {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
        case H5T_FLOAT: return "float\(size * 8)"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        case H5T_ENUM: return "enum"
        case H5T_BITFIELD: return "bitfield"
        case H5T_OPAQUE: return "opaque"
        case H5T_REFERENCE: return "reference"
        case H5T_VLEN: return "vlen"
        case H5T_ARRAY: return "array"
        case H5T_TIME: return "time"
        default: return "unknown"
        }
    }

    /// Whether a stored type holds numbers HDF5 can convert to our scalars.
    static func isNumeric(_ type: hid_t) -> Bool {
        let typeClass = H5Tget_class(type)
        return typeClass == H5T_INTEGER || typeClass == H5T_FLOAT
    }

    // MARK: Numbers

    /// Reads `count` elements of a numeric object as `T`, letting HDF5 convert
    /// from the stored type.
    static func readNumbers<T: HDF5Scalar>(_: T.Type, storedType: hid_t, count: Int,
                                           _ context: HDF5ErrorContext,
                                           read: Reader) throws -> [T] {
        guard T.hasMatchingLayout else {
            throw context.error("unsupported HDF5Scalar conformance \(T.self)")
        }
        guard isNumeric(storedType) else {
            throw context.error("type mismatch: stored \(describe(type: storedType)), "
                + "cannot read as \(T.hdf5ElementType.rawValue)")
        }
        guard count > 0 else { return [] }
        try checkAllocation(count: count, elementSize: MemoryLayout<T>.stride, context)
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard read(T.hdf5ElementType.memoryType, UnsafeMutableRawPointer(buffer.baseAddress!)) >= 0 else {
                throw context.stackError("cannot read data")
            }
            initialized = count
        }
    }

    /// Reads an integer object as `Int`, accepting any integer storage;
    /// unsigned 64-bit values above `Int.max` are an error, not a clamp.
    static func readInts(storedType: hid_t, count: Int, _ context: HDF5ErrorContext,
                         read: Reader) throws -> [Int] {
        guard H5Tget_class(storedType) == H5T_INTEGER else {
            throw context.error("type mismatch: stored \(describe(type: storedType)), expected an integer")
        }
        guard count > 0 else { return [] }
        try checkAllocation(count: count, elementSize: 8, context)
        if H5Tget_sign(storedType) == H5T_SGN_NONE && H5Tget_size(storedType) >= 8 {
            var raw = [UInt64](repeating: 0, count: count)
            guard raw.withUnsafeMutableBytes({ read(seq_native_uint64(), $0.baseAddress!) }) >= 0 else {
                throw context.stackError("cannot read data")
            }
            return try raw.map { value in
                guard let int = Int(exactly: value) else { throw context.error("value \(value) out of range for Int") }
                return int
            }
        }
        var values = [Int64](repeating: 0, count: count)
        guard values.withUnsafeMutableBytes({ read(seq_native_int64(), $0.baseAddress!) }) >= 0 else {
            throw context.stackError("cannot read data")
        }
        return values.map { Int($0) }
    }

    // MARK: Strings

    /// A variable-length UTF-8 string type; the caller closes it.
    static func variableStringType(_ context: HDF5ErrorContext,
                                   charset: H5T_cset_t = H5T_CSET_UTF8) throws -> hid_t {
        let type = H5Tcopy(seq_c_s1())
        guard type >= 0 else { throw context.stackError("cannot create string type") }
        guard H5Tset_size(type, seq_t_variable()) >= 0, H5Tset_cset(type, charset) >= 0 else {
            let error = context.stackError("cannot create string type")
            H5Tclose(type)
            throw error
        }
        return type
    }

    /// A fixed-length, NUL-padded string type of `length` bytes (numpy `S`
    /// style); the caller closes it.
    static func fixedStringType(length: Int, charset: H5T_cset_t,
                                _ context: HDF5ErrorContext) throws -> hid_t {
        let type = H5Tcopy(seq_c_s1())
        guard type >= 0 else { throw context.stackError("cannot create string type") }
        guard H5Tset_size(type, max(length, 1)) >= 0,
              H5Tset_strpad(type, H5T_STR_NULLPAD) >= 0,
              H5Tset_cset(type, charset) >= 0 else {
            let error = context.stackError("cannot create string type")
            H5Tclose(type)
            throw error
        }
        return type
    }

    /// Reads `count` strings stored either as variable-length or as
    /// fixed-length strings (any padding, ASCII or UTF-8).
    ///
    /// - Parameter space: the object's dataspace, needed to free the library's
    ///   variable-length buffers.
    static func readStrings(storedType: hid_t, space: hid_t, count: Int,
                            _ context: HDF5ErrorContext, read: Reader) throws -> [String] {
        guard H5Tget_class(storedType) == H5T_STRING else {
            throw context.error("type mismatch: stored \(describe(type: storedType)), expected strings")
        }
        guard count > 0 else { return [] }
        try checkAllocation(count: count, elementSize: max(H5Tget_size(storedType), 8), context)
        let charset = H5Tget_cset(storedType)
        switch H5Tis_variable_str(storedType) {
        case let flag where flag < 0:
            throw context.stackError("cannot inspect string type")
        case 0:
            return try readFixedStrings(storedType: storedType, count: count, context, read: read)
        default:
            break
        }
        // Keep the stored character set: HDF5 does not convert ASCII <-> UTF-8.
        let memoryType = try variableStringType(context, charset: charset)
        defer { H5Tclose(memoryType) }
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        return try pointers.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            guard read(memoryType, base) >= 0 else { throw context.stackError("cannot read strings") }
            defer { H5Dvlen_reclaim(memoryType, space, seq_p_default(), base) }
            return buffer.map { $0.map { String(cString: $0) } ?? "" }
        }
    }

    private static func readFixedStrings(storedType: hid_t, count: Int,
                                         _ context: HDF5ErrorContext, read: Reader) throws -> [String] {
        let length = H5Tget_size(storedType)
        guard length > 0 else { throw context.stackError("cannot read string size") }
        let (total, overflow) = length.multipliedReportingOverflow(by: count)
        guard !overflow else { throw context.error("string data too large") }
        let spacePadded = H5Tget_strpad(storedType) == H5T_STR_SPACEPAD
        // The stored type doubles as the memory type: same size, padding and charset.
        var bytes = [UInt8](repeating: 0, count: total)
        guard bytes.withUnsafeMutableBytes({ read(storedType, $0.baseAddress!) }) >= 0 else {
            throw context.stackError("cannot read strings")
        }
        return (0 ..< count).map { index in
            var element = bytes[index * length ..< (index + 1) * length]
            if let nul = element.firstIndex(of: 0) { element = element[..<nul] }
            if spacePadded {
                while element.last == UInt8(ascii: " ") { element = element.dropLast() }
            }
            return String(decoding: element, as: UTF8.self)
        }
    }

    /// Calls `body` with a buffer of NUL-terminated copies of `strings`
    /// (the layout HDF5 expects for variable-length strings).
    static func withCStrings<R>(_ strings: [String], _ context: HDF5ErrorContext,
                                _ body: (UnsafeRawPointer) throws -> R) throws -> R {
        if strings.contains(where: { $0.utf8.contains(0) }) {
            throw context.error("strings must not contain NUL characters")
        }
        var copies: [UnsafeMutablePointer<CChar>?] = []
        copies.reserveCapacity(strings.count)
        defer { copies.forEach { free($0) } }
        for string in strings {
            guard let copy = strdup(string) else { throw context.error("out of memory") }
            copies.append(copy)
        }
        if copies.isEmpty { copies.append(nil) }  // never hand HDF5 a nil buffer
        return try copies.withUnsafeBufferPointer { try body(UnsafeRawPointer($0.baseAddress!)) }
    }
}
