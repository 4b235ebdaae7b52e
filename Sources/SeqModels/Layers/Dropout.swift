import SeqTensor

/// Inverted dropout, PyTorch's `nn.Dropout(p)` in training mode: each value is kept with probability 1 − p and
/// then scaled by 1 / (1 − p), or zeroed, so its expectation is unchanged and evaluation needs no rescaling
/// (models skip dropout in `infer`). The mask is drawn once per forward and reused by backward.
///
/// The scaling is PyTorch's to the bit: its CPU kernel divides the 0/1 noise by (1 − p) in float32 and
/// multiplies the input by it, as `forward` does with the stored mask values.
public final class Dropout {
    /// The probability of zeroing a value, in [0, 1).
    public let p: Double
    private let mask = Workspace()   // [n] 0 or 1 / (1 − p), of the last draw
    /// Values the current mask covers.
    public private(set) var count = 0

    public init(p: Double) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        self.p = p
    }

    /// Whether this layer drops anything at all (p > 0).
    public var isActive: Bool { p > 0 }

    /// The factor kept values are multiplied by.
    public var scale: Float { 1 / Float(1 - p) }

    /// Draws a fresh mask for `n` values from `rng`, one draw per value in order: a value is kept when its
    /// uniform draw in [0, 1) is below 1 − p.
    public func drawMask(count n: Int, rng: inout SeededRNG) {
        let m = mask.reserve(n), keep = 1 - p, scale = self.scale
        for i in 0..<n { m[i] = rng.nextUnitDouble() < keep ? scale : 0 }
        count = n
    }

    /// Sets the mask: value i is kept when `keep[i]` (for tests and reference fixtures).
    public func setMask(_ keep: [Bool]) {
        let m = mask.reserve(keep.count), scale = self.scale
        for (i, k) in keep.enumerated() { m[i] = k ? scale : 0 }
        count = keep.count
    }

    /// The current mask's factors: 0 for dropped values, `scale` for kept ones.
    public var maskValues: [Float] { Array(UnsafeBufferPointer(start: mask.pointer, count: count)) }

    // forward:  x [n] → y [n] = x · mask            (y may be x: in place); n ≤ count of the drawn mask
    public func forward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count n: Int) {
        precondition(n <= count, "dropout mask covers \(count) values, asked for \(n)")
        let m = mask.pointer
        for i in 0..<n { y[i] = x[i] * m[i] }
    }

    // backward: dy [n] → dx [n] = dy · mask          (dx may be dy: in place); the mask of the last forward
    public func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, count n: Int) {
        forward(y: dx, x: dy, count: n)
    }
}
