import CHDF5

/// The numeric element types SeqHDF5 reads and writes.
public enum HDF5ElementType: String, Sendable, CaseIterable {
    case float32, float64, int32, int64

    /// Size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        }
    }

    /// The in-memory (native) HDF5 type.
    var memoryType: hid_t {
        switch self {
        case .float32: return seq_native_float()
        case .float64: return seq_native_double()
        case .int32: return seq_native_int32()
        case .int64: return seq_native_int64()
        }
    }

    /// The type used when creating datasets: explicit little-endian standard
    /// types, as h5py/numpy write them.
    var fileType: hid_t {
        switch self {
        case .float32: return seq_ieee_f32le()
        case .float64: return seq_ieee_f64le()
        case .int32: return seq_std_i32le()
        case .int64: return seq_std_i64le()
        }
    }
}

/// A Swift number that maps onto a native HDF5 numeric type.
///
/// SeqHDF5 provides the conformances for `Float` (float32), `Double`
/// (float64), `Int32` and `Int64`; other conformances are not supported.
/// Reading converts from whatever numeric type is stored, as HDF5 does: a
/// float64 dataset can be read as `Float`, an int32 dataset as `Double`, and
/// so on (float-to-integer conversion truncates, out-of-range values clamp).
public protocol HDF5Scalar: BitwiseCopyable, Equatable, Sendable {
    /// The HDF5 element type this Swift type is stored as.
    static var hdf5ElementType: HDF5ElementType { get }
}

extension Float: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .float32 }
}

extension Double: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .float64 }
}

extension Int32: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .int32 }
}

extension Int64: HDF5Scalar {
    public static var hdf5ElementType: HDF5ElementType { .int64 }
}

extension HDF5Scalar {
    /// Whether the Swift layout matches the HDF5 element size (guards against
    /// foreign conformances before any raw memory is handed to HDF5).
    static var hasMatchingLayout: Bool {
        MemoryLayout<Self>.size == hdf5ElementType.byteCount
            && MemoryLayout<Self>.stride == hdf5ElementType.byteCount
    }
}

/// An n-dimensional array of numbers in row-major (C) order.
///
/// `shape` lists the extent of each dimension; `values.count` must equal the
/// product of `shape`. Rank 0 (`shape == []`) is a scalar holding one value.
public struct HDF5Array<T: HDF5Scalar>: Equatable, Sendable {
    /// Extent of each dimension, outermost first.
    public var shape: [Int]
    /// The elements in row-major order.
    public var values: [T]

    /// Creates an array. The shape is validated when the array is written.
    public init(shape: [Int], values: [T]) {
        self.shape = shape
        self.values = values
    }

    /// A rank-0 (scalar) array.
    public init(scalar: T) {
        self.init(shape: [], values: [scalar])
    }

    /// A rank-1 array holding `values`.
    public init(_ values: [T]) {
        self.init(shape: [values.count], values: values)
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements the shape describes (1 for a scalar), or `nil`
    /// if a dimension is negative or the product overflows.
    public var elementCount: Int? { HDF5Shape.elementCount(shape) }

    /// The single value of a one-element array (for example a rank-0 scalar).
    public var scalar: T? { values.count == 1 ? values[0] : nil }
}

/// Shape arithmetic shared by datasets and attributes.
enum HDF5Shape {
    /// Product of the dimensions, or `nil` on a negative dimension or overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var total = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }

    /// `[2, 3]` formatted for messages.
    static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }
}
