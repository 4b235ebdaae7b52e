/// Elementwise kernels over contiguous Float buffers, vectorised 16 lanes at a time. Each one
/// reports its transcendental evaluations to `FlopCounter`.
public enum Elementwise {
    /// out[i] = σ(x[i]); `out` may alias `x`.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        FlopCounter.addSigmoid(count)
        map(x, out, count) { SIMDMath.sigmoid($0) }
    }

    /// out[i] = tanh(x[i]); `out` may alias `x`.
    public static func tanh(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        FlopCounter.addTanh(count)
        map(x, out, count) { SIMDMath.tanh($0) }
    }

    /// out[i] = e^x[i]; `out` may alias `x`.
    public static func exp(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        FlopCounter.addExp(count)
        map(x, out, count) { SIMDMath.exp($0) }
    }

    /// In-place softmax of a contiguous vector: p = e^(x − max x) / Σ. `count` must be ≥ 1.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count >= 1)
        var m = x[0]
        for i in 1..<count where x[i] > m { m = x[i] }
        for i in 0..<count { x[i] -= m }
        exp(x, x, count: count)
        var sum: Float = 0
        for i in 0..<count { sum += x[i] }
        let inv = 1 / sum
        for i in 0..<count { x[i] *= inv }
    }

    /// dst[c, r] = src[r, c] for a row-major [rows, cols] matrix, in cache-sized tiles.
    public static func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
        let tile = 32
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: cols, by: tile) {
                for r in r0..<min(r0 + tile, rows) {
                    for c in c0..<min(c0 + tile, cols) { dst[c * rows + r] = src[r * cols + c] }
                }
            }
        }
    }

    /// y[i] += x[i].
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            let n = min(16, count - i)
            SIMDMath.store(SIMDMath.load(y + i, count: n) + SIMDMath.load(x + i, count: n), y + i, count: n)
            i += 16
        }
    }

    /// y[i] += a·x[i]; counted as `count` MACs.
    @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        FlopCounter.addMACs(count)
        let av = Vec16(repeating: a)
        var i = 0
        while i < count {
            let n = min(16, count - i)
            SIMDMath.store(SIMDMath.load(y + i, count: n) + av * SIMDMath.load(x + i, count: n), y + i, count: n)
            i += 16
        }
    }

    /// Σ x[i]·y[i]; counted as `count` MACs.
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        FlopCounter.addMACs(count)
        var acc = Vec16()
        var i = 0
        while i < count {
            let n = min(16, count - i)
            acc += SIMDMath.load(x + i, count: n) * SIMDMath.load(y + i, count: n)
            i += 16
        }
        return acc.sum()
    }

    /// g[i] *= 1 − t[i]², where t = tanh(·) was the forward output: the gradient through tanh.
    public static func multiplyByTanhDerivative(_ g: UnsafeMutablePointer<Float>, tanhOutput t: UnsafePointer<Float>,
                                                count: Int) {
        var i = 0
        while i < count {
            let n = min(16, count - i)
            let tv = SIMDMath.load(t + i, count: n)
            SIMDMath.store(SIMDMath.load(g + i, count: n) * (1 - tv * tv), g + i, count: n)
            i += 16
        }
    }

    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int,
                    _ f: (Vec16) -> Vec16) {
        var i = 0
        while i + 16 <= count {
            SIMDMath.store(f(SIMDMath.load(x + i, count: 16)), out + i, count: 16)
            i += 16
        }
        if i < count {
            SIMDMath.store(f(SIMDMath.load(x + i, count: count - i)), out + i, count: count - i)
        }
    }
}

/// Natural logarithm from IEEE-exact operations only (libm's `log` may differ in the last bit
/// between platforms): x = m·2^e with m in [√½, √2), log m = 2·atanh((m−1)/(m+1)) by its series.
public func portableLog(_ x: Double) -> Double {
    if x.isNaN || x < 0 { return .nan }
    if x == 0 { return -.infinity }
    if x.isInfinite { return .infinity }
    var m = x.significand            // [1, 2)
    var e = Double(x.exponent)
    if m > 1.4142135623730951 { m *= 0.5; e += 1 }
    let s = (m - 1) / (m + 1)        // |s| ≤ 0.1716
    let s2 = s * s
    var term = s, sum = 0.0
    var k = 1.0
    while k < 40 {                   // s^39 < 1e-29: converged far below double precision
        sum += term / k
        term *= s2
        k += 2
    }
    return 2 * sum + e * 0.6931471805599453
}
