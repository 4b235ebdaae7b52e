/// Vectorised transcendental functions on `SIMD16<Float>`, accurate to a few ulp, written with
/// IEEE arithmetic only (no libm), so results are identical on every platform and there is no
/// per-element call in hot loops. Build with `-target-cpu native` for real vector code.
public typealias Vec16 = SIMD16<Float>

public enum SIMDMath {
    // The functions are @_transparent: always inlined into the caller's loop (plain @inline(__always)
    // can leave them as calls that pass each vector through memory), and written without lane-wise
    // selects (`replace(with:where:)` can be scalarised once inlined into a larger loop): clamps are
    // min/max, sign handling is bit arithmetic, polynomials are fused multiply-adds.

    /// e^x. Range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial for e^r
    /// (truncation error < 2e-9 relative), scaled by 2^n through the exponent bits.
    /// Inputs are clamped to [-87.3, 88.7]: the result stays a normal float.
    @_transparent
    public static func exp(_ x: Vec16) -> Vec16 {
        let x = pointwiseMax(pointwiseMin(x, Vec16(repeating: 88.7)), Vec16(repeating: -87.3))
        // Adding 1.5·2^23 rounds x·log2(e) to the nearest integer, which then sits in the low mantissa bits.
        let magic = Vec16(repeating: 12_582_912)
        let shifted = magic.addingProduct(x, Vec16(repeating: 1.442_695_04))
        let n = shifted - magic
        // r = x − n·ln2, ln2 split in two for exactness.
        let r = x.addingProduct(n, Vec16(repeating: -0.693_145_75)).addingProduct(n, Vec16(repeating: -1.428_606_8e-6))
        var p = Vec16(repeating: 1.0 / 5040)
        p = Vec16(repeating: 1.0 / 720).addingProduct(p, r)
        p = Vec16(repeating: 1.0 / 120).addingProduct(p, r)
        p = Vec16(repeating: 1.0 / 24).addingProduct(p, r)
        p = Vec16(repeating: 1.0 / 6).addingProduct(p, r)
        p = Vec16(repeating: 0.5).addingProduct(p, r)
        p = Vec16(repeating: 1).addingProduct(p, r)
        p = Vec16(repeating: 1).addingProduct(p, r)
        let ni = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: Vec16.self)
        return p * scale
    }

    /// σ(x) = 1 / (1 + e^−x).
    @_transparent
    public static func sigmoid(_ x: Vec16) -> Vec16 {
        1 / (1 + exp(-x))
    }

    /// tanh(x): (1 − e^−2|x|)/(1 + e^−2|x|) with the sign restored; below |x| = 0.3, where that
    /// form loses relative precision, its odd Taylor series to x¹¹ (error < 1e-9 relative).
    @_transparent
    public static func tanh(_ x: Vec16) -> Vec16 {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let sign = bits & 0x8000_0000
        let ax = unsafeBitCast(bits & 0x7FFF_FFFF, to: Vec16.self)
        let e = exp(-2 * ax)
        let large = (1 - e) / (1 + e)
        let x2 = ax * ax
        var s = Vec16(repeating: -1382.0 / 155_925)
        s = Vec16(repeating: 62.0 / 2835).addingProduct(s, x2)
        s = Vec16(repeating: -17.0 / 315).addingProduct(s, x2)
        s = Vec16(repeating: 2.0 / 15).addingProduct(s, x2)
        s = Vec16(repeating: -1.0 / 3).addingProduct(s, x2)
        let small = ax.addingProduct(ax * x2, s)
        // All ones where |x| < 0.3: the sign bit of |x| − 0.3 spread by an arithmetic shift.
        let useSmall = unsafeBitCast(unsafeBitCast(ax - 0.3, to: SIMD16<Int32>.self) &>> 31, to: SIMD16<UInt32>.self)
        let magnitude = (unsafeBitCast(small, to: SIMD16<UInt32>.self) & useSmall)
            | (unsafeBitCast(large, to: SIMD16<UInt32>.self) & ~useSmall)
        return unsafeBitCast(magnitude | sign, to: Vec16.self)
    }

    // Kernels loop as `while j + 16 <= n { lanes(j, 16) }; if j < n { lanes(j, n - j) }` with `lanes` a
    // nested @inline(__always) function: the full chunks then compile with the lane count known to be 16
    // (plain vector moves); a closure handed to a helper is compiled once for any count, lane by lane.

    /// Loads up to 16 floats; missing lanes are zero.
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, count: Int) -> Vec16 {
        if count >= 16 { return UnsafeRawPointer(p).loadUnaligned(as: Vec16.self) }
        var v = Vec16()
        for j in 0..<count { v[j] = p[j] }
        return v
    }

    /// Stores the first `count` lanes (up to 16).
    @inlinable @inline(__always)
    public static func store(_ v: Vec16, _ p: UnsafeMutablePointer<Float>, count: Int) {
        if count >= 16 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec16.self); return }
        for j in 0..<count { p[j] = v[j] }
    }
}
