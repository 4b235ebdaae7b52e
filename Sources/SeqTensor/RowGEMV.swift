// Products of one to three rows against a weight matrix kept in PyTorch's layout, W [N, K]:
// C[m, N] (+)= A[m, K] · Wᵀ. The recurrent step of a batch of one or two sequences is this product,
// and it is bound by reading W (4 MB at H 512) once per step, not by arithmetic: packing W first
// (PanelGEMM) would cost a full extra pass over W per forward for no gain in the steps.
//
// Each output is a dot product of a row of A with a row of W, accumulated in 16 lanes over k and
// summed lane-halves first (a fixed tree, so results are reproducible). Four rows of W are walked
// together, each read once for all rows of A while it sits in L1.

public enum RowGEMV {
    // multiply: A [m, K] (row stride lda), W [N, K] (row stride K) → C [m, N] (row stride ldc);
    //           only the outputs `columns` (default all) are computed, so threads can share a product.
    /// `C (+)= A · Wᵀ` for a few rows of A; counted as m·|columns|·K MACs.
    public static func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, w: UnsafePointer<Float>, n: Int, k: Int,
                                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, columns: Range<Int>? = nil) {
        let columns = columns ?? 0..<n
        guard m > 0, !columns.isEmpty else { return }
        FlopCounter.addMACs(m * columns.count * k)
        var j = columns.lowerBound
        while j + 4 <= columns.upperBound {
            for r in 0..<m { dot4(a + r * lda, w + j * k, k, c + r * ldc + j, accumulate) }
            j += 4
        }
        while j < columns.upperBound {
            for r in 0..<m {
                let v = dot(a + r * lda, w + j * k, k)
                c[r * ldc + j] = accumulate ? c[r * ldc + j] + v : v
            }
            j += 1
        }
    }

    private typealias V = SIMD16<Float>

    /// Lanes summed as halves (16 → 8 → 4 → 2 → 1): short dependency chains, a fixed order.
    @inline(__always) private static func total(_ v: V) -> Float {
        let v8 = v.lowHalf + v.highHalf, v4 = v8.lowHalf + v8.highHalf, v2 = v4.lowHalf + v4.highHalf
        return v2[0] + v2[1]
    }

    // dot4: x [K] against 4 consecutive rows of W (row stride K) → out[0..<4].
    @inline(__always)
    private static func dot4(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ k: Int,
                             _ out: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        var i = 0
        while i + 16 <= k {
            let xv = SIMDMath.load(x + i, count: 16)
            s0 = s0.addingProduct(xv, SIMDMath.load(w + i, count: 16))
            s1 = s1.addingProduct(xv, SIMDMath.load(w + k + i, count: 16))
            s2 = s2.addingProduct(xv, SIMDMath.load(w + 2 * k + i, count: 16))
            s3 = s3.addingProduct(xv, SIMDMath.load(w + 3 * k + i, count: 16))
            i += 16
        }
        if i < k {
            let n = k - i, xv = SIMDMath.load(x + i, count: n)
            s0 = s0.addingProduct(xv, SIMDMath.load(w + i, count: n))
            s1 = s1.addingProduct(xv, SIMDMath.load(w + k + i, count: n))
            s2 = s2.addingProduct(xv, SIMDMath.load(w + 2 * k + i, count: n))
            s3 = s3.addingProduct(xv, SIMDMath.load(w + 3 * k + i, count: n))
        }
        let sums = SIMD4(total(s0), total(s1), total(s2), total(s3))
        for q in 0..<4 { out[q] = accumulate ? out[q] + sums[q] : sums[q] }
    }

    // dot: x [K] · one row of W → the sum, in the same lane order as dot4.
    @inline(__always)
    private static func dot(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ k: Int) -> Float {
        var s = V()
        var i = 0
        while i + 16 <= k {
            s = s.addingProduct(SIMDMath.load(x + i, count: 16), SIMDMath.load(w + i, count: 16))
            i += 16
        }
        if i < k { s = s.addingProduct(SIMDMath.load(x + i, count: k - i), SIMDMath.load(w + i, count: k - i)) }
        return total(s)
    }
}
