import CHDF5

/// An attribute value of any kind SeqHDF5 understands, for generic display.
public enum HDF5AttributeValue: Equatable, Sendable, CustomStringConvertible {
    /// A single string (scalar string attribute).
    case string(String)
    /// An array of strings.
    case strings([String])
    /// A single integer (scalar integer attribute of any width).
    case int(Int)
    /// An array of integers, flattened in row-major order.
    case ints([Int])
    /// A single floating-point number.
    case double(Double)
    /// An array of floating-point numbers, flattened in row-major order.
    case doubles([Double])

    /// A compact display form: `"text"`, `42`, `0.5`, `[1, 2, 3]`.
    public var description: String {
        switch self {
        case .string(let value): return value.debugDescription
        case .strings(let values): return "[" + values.map(\.debugDescription).joined(separator: ", ") + "]"
        case .int(let value): return String(value)
        case .ints(let values): return "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .double(let value): return String(value)
        case .doubles(let values): return "[" + values.map { String($0) }.joined(separator: ", ") + "]"
        }
    }
}

/// Attributes, shared by groups and datasets.
///
/// Writers store strings as variable-length UTF-8 scalars, `Int` as int64 and
/// `Double` as float64 (what h5py produces for Python `str`, `int` and
/// `float`). Readers also accept fixed-length strings (numpy bytes) and any
/// integer or float width. Setting an existing attribute replaces it.
extension HDF5Object {
    /// The names of all attributes, sorted.
    public func attributeNames() throws -> [String] {
        let context = context("list attributes")
        let id = try checkedID(context)
        var names: [String] = []
        let status = withUnsafeMutablePointer(to: &names) { pointer in
            H5Aiterate2(id, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, data in
                guard let name, let data else { return -1 }
                data.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, pointer)
        }
        guard status >= 0 else { throw context.stackError("cannot list attributes") }
        return names.sorted()
    }

    /// Whether an attribute called `name` exists.
    public func hasAttribute(_ name: String) -> Bool {
        HDF5Library.prepare()
        guard isOpen, !name.isEmpty else { return false }
        return H5Aexists(id, name) > 0
    }

    /// Stores `value` as a variable-length UTF-8 scalar string attribute.
    public func setAttribute(_ name: String, _ value: String) throws {
        let context = attributeContext("write", name)
        let type = try HDF5IO.variableStringType(context)
        defer { H5Tclose(type) }
        try HDF5IO.withCStrings([value], context) { buffer in
            try writeAttribute(name, context, fileType: type, memoryType: type, shape: [], data: buffer)
        }
    }

    /// Stores `value` as a scalar int64 attribute.
    public func setAttribute(_ name: String, _ value: Int) throws {
        var stored = Int64(value)
        try writeAttribute(name, attributeContext("write", name), fileType: seq_std_i64le(),
                           memoryType: seq_native_int64(), shape: [], data: &stored)
    }

    /// Stores `value` as a scalar float64 attribute.
    public func setAttribute(_ name: String, _ value: Double) throws {
        var stored = value
        try writeAttribute(name, attributeContext("write", name), fileType: seq_ieee_f64le(),
                           memoryType: seq_native_double(), shape: [], data: &stored)
    }

    /// Stores `values` as a 1-D int64 attribute.
    public func setAttribute(_ name: String, _ values: [Int]) throws {
        let stored = values.map { Int64($0) } + [0]  // padding keeps the buffer non-empty
        try stored.withUnsafeBytes {
            try writeAttribute(name, attributeContext("write", name), fileType: seq_std_i64le(),
                               memoryType: seq_native_int64(), shape: [values.count], data: $0.baseAddress!)
        }
    }

    /// Stores `values` as a 1-D float64 attribute.
    public func setAttribute(_ name: String, _ values: [Double]) throws {
        let stored = values + [0]  // padding keeps the buffer non-empty
        try stored.withUnsafeBytes {
            try writeAttribute(name, attributeContext("write", name), fileType: seq_ieee_f64le(),
                               memoryType: seq_native_double(), shape: [values.count], data: $0.baseAddress!)
        }
    }

    /// Reads a single string attribute (variable- or fixed-length, ASCII or UTF-8).
    public func stringAttribute(_ name: String) throws -> String {
        let context = attributeContext("read", name)
        return try withAttribute(name, context) { attribute, type, space, shape in
            guard H5Tget_class(type) == H5T_STRING else {
                throw context.error("type mismatch: stored \(HDF5IO.describe(type: type)), expected a string")
            }
            let values = try HDF5IO.readStrings(storedType: type, space: space, count: try count(shape, context),
                                                context) { H5Aread(attribute, $0, $1) }
            guard values.count == 1 else { throw singleValueError(shape, context) }
            return values[0]
        }
    }

    /// Reads a single integer attribute stored with any integer type.
    public func intAttribute(_ name: String) throws -> Int {
        let context = attributeContext("read", name)
        return try withAttribute(name, context) { attribute, type, _, shape in
            let values = try HDF5IO.readInts(storedType: type, count: try count(shape, context), context) {
                H5Aread(attribute, $0, $1)
            }
            guard values.count == 1 else { throw singleValueError(shape, context) }
            return values[0]
        }
    }

    /// Reads a single number stored as a float or an integer, as `Double`.
    public func doubleAttribute(_ name: String) throws -> Double {
        let context = attributeContext("read", name)
        return try withAttribute(name, context) { attribute, type, _, shape in
            let values = try HDF5IO.readNumbers(Double.self, storedType: type, count: try count(shape, context),
                                                context) { H5Aread(attribute, $0, $1) }
            guard values.count == 1 else { throw singleValueError(shape, context) }
            return values[0]
        }
    }

    /// Reads any string, integer or float attribute. Scalars (rank 0) give
    /// `.string`, `.int` or `.double`; arrays of any rank give the flattened
    /// `.strings`, `.ints` or `.doubles`.
    public func attributeValue(_ name: String) throws -> HDF5AttributeValue {
        let context = attributeContext("read", name)
        return try withAttribute(name, context) { attribute, type, space, shape in
            let count = try count(shape, context)
            let scalar = shape.isEmpty
            switch H5Tget_class(type) {
            case H5T_STRING:
                let values = try HDF5IO.readStrings(storedType: type, space: space, count: count, context) {
                    H5Aread(attribute, $0, $1)
                }
                return scalar ? .string(values[0]) : .strings(values)
            case H5T_INTEGER:
                let values = try HDF5IO.readInts(storedType: type, count: count, context) { H5Aread(attribute, $0, $1) }
                return scalar ? .int(values[0]) : .ints(values)
            case H5T_FLOAT:
                let values = try HDF5IO.readNumbers(Double.self, storedType: type, count: count, context) {
                    H5Aread(attribute, $0, $1)
                }
                return scalar ? .double(values[0]) : .doubles(values)
            default:
                throw context.error("unsupported attribute type \(HDF5IO.describe(type: type))")
            }
        }
    }

    // MARK: - Internals

    /// A fixed-length, NUL-padded string attribute as h5py writes numpy
    /// bytes. Internal: for tests.
    func setFixedLengthStringAttribute(_ name: String, _ value: String, utf8: Bool = false) throws {
        let context = attributeContext("write", name)
        let bytes = Array(value.utf8) + [0]
        let type = try HDF5IO.fixedStringType(length: bytes.count - 1,
                                              charset: utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII, context)
        defer { H5Tclose(type) }
        try bytes.withUnsafeBytes {
            try writeAttribute(name, context, fileType: type, memoryType: type, shape: [], data: $0.baseAddress!)
        }
    }

    private func attributeContext(_ verb: String, _ name: String) -> HDF5ErrorContext {
        context("\(verb) attribute '\(name)'")
    }

    private func count(_ shape: [Int], _ context: HDF5ErrorContext) throws -> Int {
        try HDF5ReadLimits.checkedCount(shape, context)
    }

    private func singleValueError(_ shape: [Int], _ context: HDF5ErrorContext) -> HDF5Error {
        context.error("expected a single value, found shape \(HDF5Shape.describe(shape))")
    }

    /// Creates (or replaces) attribute `name` and writes `data` into it.
    private func writeAttribute(_ name: String, _ context: HDF5ErrorContext, fileType: hid_t,
                                memoryType: hid_t, shape: [Int], data: UnsafeRawPointer) throws {
        let id = try writableID(context)
        guard !name.isEmpty else { throw context.error("attribute name is empty") }
        switch H5Aexists(id, name) {
        case let flag where flag < 0:
            throw context.stackError("cannot check attribute")
        case 0:
            break
        default:
            guard H5Adelete(id, name) >= 0 else { throw context.stackError("cannot replace attribute") }
        }
        let acpl = try HDF5PropertyLists.attributeCreation(context)
        defer { H5Pclose(acpl) }
        let space = try HDF5IO.createSpace(shape, context)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(id, name, fileType, space, acpl, seq_p_default())
        guard attribute >= 0 else { throw context.stackError("cannot create attribute") }
        defer { H5Aclose(attribute) }
        guard H5Awrite(attribute, memoryType, data) >= 0 else {
            let error = context.stackError("cannot write attribute")
            H5Aclose(attribute)
            _ = H5Adelete(id, name)
            throw error
        }
    }

    /// Opens attribute `name` and runs `body` with it, its stored type, its
    /// dataspace and its shape; closes all three afterwards.
    private func withAttribute<R>(_ name: String, _ context: HDF5ErrorContext,
                                  _ body: (_ attribute: hid_t, _ type: hid_t, _ space: hid_t,
                                           _ shape: [Int]) throws -> R) throws -> R {
        let id = try checkedID(context)
        guard !name.isEmpty else { throw context.error("attribute name is empty") }
        switch H5Aexists(id, name) {
        case let flag where flag < 0: throw context.stackError("cannot check attribute")
        case 0: throw context.error("attribute does not exist")
        default: break
        }
        let attribute = H5Aopen(id, name, seq_p_default())
        guard attribute >= 0 else { throw context.stackError("cannot open attribute") }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        guard type >= 0 else { throw context.stackError("cannot read attribute type") }
        defer { H5Tclose(type) }
        let space = H5Aget_space(attribute)
        guard space >= 0 else { throw context.stackError("cannot read attribute dataspace") }
        defer { H5Sclose(space) }
        return try body(attribute, type, space, try HDF5IO.shape(ofSpace: space, context))
    }
}
