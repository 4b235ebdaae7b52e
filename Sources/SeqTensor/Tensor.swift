/// A dense, row-major Float32 tensor: a shape and contiguous storage.
///
/// `Tensor` is a value type (copy-on-write through its array). Hot loops take the storage's
/// pointer once with `withUnsafeMutableBufferPointer` rather than indexing element by element.
public struct Tensor: Equatable, Sendable {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// Elements in row-major order; `data.count == shape.reduce(1, *)`.
    public var data: [Float]

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor over existing values; `data.count` must equal the product of `shape`.
    public init(shape: [Int], data: [Float]) {
        precondition(data.count == shape.reduce(1, *), "shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// Number of elements.
    @inlinable public var count: Int { data.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// Reinterprets the storage with another shape of the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Changes the shape, reusing storage when the element count stays the same (workspaces are
    /// resized this way once per batch shape, never inside a time loop).
    public mutating func resize(_ newShape: [Int]) {
        let n = newShape.reduce(1, *)
        if n != data.count { data = [Float](repeating: 0, count: n) }
        shape = newShape
    }

    /// Sets every element to zero without reallocating.
    public mutating func zero() {
        data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}
