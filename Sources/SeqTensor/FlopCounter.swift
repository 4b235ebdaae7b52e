import Synchronization

/// Counts the arithmetic that the GEMM and elementwise wrappers actually execute.
///
/// Convention (README.md, "Measurements"): one multiply-add is one MAC and 2 FLOPs; transcendental functions
/// (σ, tanh, exp) are counted separately, by kind, and never folded into the matmul figure.
/// Counting is off unless a caller wraps work in `FlopCounter.measure`, so the hot path pays
/// one predictable branch.
public struct FlopCount: Equatable, Sendable, CustomStringConvertible {
    /// Multiply-accumulates executed by GEMMs.
    public var macs: Int = 0
    /// Sigmoid evaluations.
    public var sigmoid: Int = 0
    /// tanh evaluations.
    public var tanh: Int = 0
    /// exp evaluations (softmax).
    public var exp: Int = 0

    public init(macs: Int = 0, sigmoid: Int = 0, tanh: Int = 0, exp: Int = 0) {
        self.macs = macs; self.sigmoid = sigmoid; self.tanh = tanh; self.exp = exp
    }

    /// Matmul FLOPs: 2 per MAC.
    public var matmulFlops: Int { 2 * macs }
    /// All nonlinearity evaluations.
    public var nonlinearities: Int { sigmoid + tanh + exp }

    public static func + (a: FlopCount, b: FlopCount) -> FlopCount {
        FlopCount(macs: a.macs + b.macs, sigmoid: a.sigmoid + b.sigmoid, tanh: a.tanh + b.tanh, exp: a.exp + b.exp)
    }
    public static func += (a: inout FlopCount, b: FlopCount) { a = a + b }

    public var description: String {
        "MACs \(macs), FLOPs \(matmulFlops), sigmoid \(sigmoid), tanh \(tanh), exp \(exp)"
    }
}

public enum FlopCounter {
    // `enabled` is only written by `measure` (on the caller's thread, outside parallel sections) and read
    // everywhere, by every kernel call: an atomic read relaxed costs a plain load, with none of the runtime
    // exclusivity checks a `static var` would pay on each call. Counts may come from several threads of a
    // parallel section, hence the lock.
    static let enabled = Atomic<Bool>(false)
    static let counts = Mutex(FlopCount())

    /// Runs `body` and returns what the wrappers executed during it (on any thread).
    public static func measure(_ body: () throws -> Void) rethrows -> FlopCount {
        let savedEnabled = enabled.load(ordering: .relaxed)
        let saved = counts.withLock { c in defer { c = FlopCount() }; return c }
        enabled.store(true, ordering: .relaxed)
        defer { enabled.store(savedEnabled, ordering: .relaxed); counts.withLock { $0 = saved } }
        try body()
        return counts.withLock { $0 }
    }

    @inline(__always) static func addMACs(_ n: Int) {
        if enabled.load(ordering: .relaxed) { counts.withLock { $0.macs += n } }
    }

    /// Records work done by a fused kernel outside the wrappers (e.g. a cell's gate nonlinearities).
    @inline(__always) public static func count(macs: Int = 0, sigmoid: Int = 0, tanh: Int = 0, exp: Int = 0) {
        if enabled.load(ordering: .relaxed) {
            counts.withLock { c in c.macs += macs; c.sigmoid += sigmoid; c.tanh += tanh; c.exp += exp }
        }
    }
    @inline(__always) static func addSigmoid(_ n: Int) { count(sigmoid: n) }
    @inline(__always) static func addTanh(_ n: Int) { count(tanh: n) }
    @inline(__always) static func addExp(_ n: Int) { count(exp: n) }
}
