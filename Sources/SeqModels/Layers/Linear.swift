import SeqTensor

/// Affine map, PyTorch's `nn.Linear(in, out)`: y = x Wᵀ + b.
/// Parameters `weight [out, in]`, `bias [out]`, both initialised U(−1/√in, 1/√in).
public final class Linear {
    public let weight: Parameter, bias: Parameter
    public let inFeatures: Int, outFeatures: Int

    public init(prefix: String, inFeatures: Int, outFeatures: Int, rng: inout SeededRNG) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        weight = Parameter(name: prefix + "weight", shape: [outFeatures, inFeatures])
        bias = Parameter(name: prefix + "bias", shape: [outFeatures])
        let bound = 1 / Float(inFeatures).squareRoot()
        weight.initUniform(bound: bound, rng: &rng)
        bias.initUniform(bound: bound, rng: &rng)
    }

    public var parameters: [Parameter] { [weight, bias] }

    // forward:  x [M, in] → y [M, out]
    public func forward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, rows M: Int) {
        let O = outFeatures
        for r in 0..<M { (y + r * O).update(from: bias.pointer, count: O) }
        GEMM.sgemm(transA: false, transB: true, m: M, n: O, k: inFeatures,
                   a: x, lda: inFeatures, b: weight.pointer, ldb: inFeatures, beta: 1, c: y, ldc: O)
    }

    // backward: dy [M, out], x [M, in] → dweight [out, in] (+=), dbias [out] (+=),
    //           dx [M, in] (overwritten, or += when `accumulate`; skipped when nil)
    public func backward(dx: UnsafeMutablePointer<Float>?, accumulate: Bool = false,
                         dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows M: Int) {
        let I = inFeatures, O = outFeatures
        GEMM.sgemm(transA: true, transB: false, m: O, n: I, k: M,
                   a: dy, lda: O, b: x, ldb: I, beta: 1, c: weight.gradPointer, ldc: I)
        columnSums(dy, rows: M, columns: O, into: bias.gradPointer)
        if let dx {
            GEMM.sgemm(transA: false, transB: false, m: M, n: I, k: O,
                       a: dy, lda: O, b: weight.pointer, ldb: I, beta: accumulate ? 1 : 0, c: dx, ldc: I)
        }
    }
}

extension Linear {
    /// Analytic cost over `rows` rows: forward x Wᵀ; backward dW (and dx when `inputGradient`).
    /// Bias additions are not counted (FLOPs here are multiply-accumulates and nonlinearities).
    public func flops(rows M: Int, inputGradient: Bool) -> LayerFlops {
        let macs = M * inFeatures * outFeatures
        return LayerFlops(forward: FlopCount(macs: macs), backward: FlopCount(macs: macs * (inputGradient ? 2 : 1)))
    }
}

/// out[j] += Σ_r x[r, j] for a row-major [rows, columns] matrix (bias gradients). From a million entries the
/// threads take ranges of columns; every column is still summed over the rows in order, so the bits do not
/// depend on the number of threads.
func columnSums(_ x: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
    let parts = rows * columns >= 1 << 20 ? max(1, min(ComputeThreads.available, columns / 64)) : 1
    let ranges = (0..<parts).map { p in (columns * p / parts)..<(columns * (p + 1) / parts) }
    ComputeThreads.parallel(ranges) { range in
        for r in 0..<rows {
            Elementwise.add(x + r * columns + range.lowerBound, into: out + range.lowerBound, count: range.count)
        }
    }
}
