import SeqTensor

/// A trainable tensor and its gradient, named by its PyTorch `state_dict` key.
///
/// Storage is owned by the parameter and allocated once, so kernels take stable pointers
/// (`pointer`, `gradPointer`) without copy-on-write checks in hot loops. The name is the HDF5
/// path of the checkpoint layout (README.md, "Files and the HDF5 layout") with `.` for `/`.
public final class Parameter: @unchecked Sendable {
    /// PyTorch state_dict key, e.g. `rnn.weight_ih_l0_reverse`.
    public let name: String
    /// PyTorch shape, e.g. `[4H, I]`.
    public let shape: [Int]
    public let count: Int
    /// Values, row-major.
    public let pointer: UnsafeMutablePointer<Float>
    /// d loss / d value; backward passes accumulate into it (`+=`), `zeroGrad` clears it.
    public let gradPointer: UnsafeMutablePointer<Float>

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
        count = shape.reduce(1, *)
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        gradPointer = .allocate(capacity: max(count, 1))
        gradPointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        pointer.deallocate()
        gradPointer.deallocate()
    }

    /// The values as an array (a copy).
    public var values: [Float] {
        get { Array(UnsafeBufferPointer(start: pointer, count: count)) }
        set {
            precondition(newValue.count == count, "\(name): expected \(count) values, got \(newValue.count)")
            newValue.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
        }
    }

    /// The gradient as an array (a copy).
    public var gradient: [Float] {
        get { Array(UnsafeBufferPointer(start: gradPointer, count: count)) }
        set {
            precondition(newValue.count == count, "\(name): expected \(count) gradient values, got \(newValue.count)")
            newValue.withUnsafeBufferPointer { gradPointer.update(from: $0.baseAddress!, count: count) }
        }
    }

    /// Clears the gradient.
    public func zeroGrad() { gradPointer.update(repeating: 0, count: count) }

    /// Fills with U(−bound, bound), PyTorch's default for recurrent and linear weights.
    public func initUniform(bound: Float, rng: inout SeededRNG) {
        for i in 0..<count { pointer[i] = rng.uniform(-bound, bound) }
    }

    /// Fills with N(0, 1), PyTorch's default for embeddings.
    public func initNormal(rng: inout SeededRNG) {
        for i in 0..<count { pointer[i] = rng.normal() }
    }
}

extension Array where Element == Parameter {
    /// Clears every gradient.
    public func zeroGrad() { for p in self { p.zeroGrad() } }

    /// The parameter with the given state_dict key.
    public subscript(named name: String) -> Parameter? { first { $0.name == name } }
}
