import CHDF5

/// An open HDF5 dataset.
///
/// Obtained from ``HDF5Group/dataset(_:)`` or returned by the group's write
/// methods; mostly useful for its attributes and for inspecting its shape and
/// stored type.
public final class HDF5Dataset: HDF5Object {
    /// The dataset's extent (`[]` for a scalar dataset).
    public var shape: [Int] {
        get throws { try info().shape }
    }

    /// The stored element type: `float32`, `float64`, `int32`, `int64`,
    /// `uint8`, `string`, ...
    public var typeDescription: String {
        get throws { try info().typeDescription }
    }

    /// Shape and stored element type together.
    public func info() throws -> (shape: [Int], typeDescription: String) {
        try withSpaceAndType(context("inspect dataset")) { _, type, shape in
            (shape, HDF5IO.describe(type: type))
        }
    }

    /// Reads the dataset as numbers of type `T`, converting from the stored
    /// numeric type as HDF5 does (e.g. float64 storage read as `Float`).
    ///
    /// - Parameter expectedShape: if given, any other shape is an error.
    public func read<T: HDF5Scalar>(as type: T.Type = T.self,
                                    expectedShape: [Int]? = nil) throws -> HDF5Array<T> {
        let context = context("read dataset")
        return try withSpaceAndType(context) { _, storedType, shape in
            guard HDF5IO.isNumeric(storedType) else {
                throw context.error("type mismatch: stored \(HDF5IO.describe(type: storedType)), "
                    + "cannot read as \(T.hdf5ElementType.rawValue)")
            }
            if let expectedShape, expectedShape != shape {
                throw context.error("shape mismatch: expected \(HDF5Shape.describe(expectedShape)), "
                    + "found \(HDF5Shape.describe(shape))")
            }
            let count = try HDF5ReadLimits.checkedCount(shape, context)
            let values = try HDF5IO.readNumbers(T.self, storedType: storedType, count: count, context) {
                H5Dread(id, $0, seq_s_all(), seq_s_all(), seq_p_default(), $1)
            }
            return HDF5Array(shape: shape, values: values)
        }
    }

    /// Reads a 1-D (or scalar) dataset of variable- or fixed-length strings.
    public func readStrings() throws -> [String] {
        let context = context("read string dataset")
        return try withSpaceAndType(context) { space, storedType, shape in
            guard H5Tget_class(storedType) == H5T_STRING else {
                throw context.error("type mismatch: stored \(HDF5IO.describe(type: storedType)), expected strings")
            }
            guard shape.count <= 1 else {
                throw context.error("expected a 1-D string dataset, found shape \(HDF5Shape.describe(shape))")
            }
            _ = try HDF5ReadLimits.checkedCount(shape, context)
            return try HDF5IO.readStrings(storedType: storedType, space: space, count: shape.first ?? 1, context) {
                H5Dread(id, $0, seq_s_all(), seq_s_all(), seq_p_default(), $1)
            }
        }
    }

    /// Runs `body` with the dataset's dataspace, stored type and shape, and
    /// closes the first two afterwards.
    private func withSpaceAndType<R>(_ context: HDF5ErrorContext,
                                     _ body: (_ space: hid_t, _ type: hid_t, _ shape: [Int]) throws -> R) throws -> R {
        let id = try checkedID(context)
        let type = H5Dget_type(id)
        guard type >= 0 else { throw context.stackError("cannot read datatype") }
        defer { H5Tclose(type) }
        let space = H5Dget_space(id)
        guard space >= 0 else { throw context.stackError("cannot read dataspace") }
        defer { H5Sclose(space) }
        return try body(space, type, try HDF5IO.shape(ofSpace: space, context))
    }
}
