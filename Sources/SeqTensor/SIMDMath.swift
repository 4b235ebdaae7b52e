/// Vectorised transcendental functions on `SIMD16<Float>`, accurate to a few ulp, written with
/// IEEE arithmetic only (no libm), so results are identical on every platform and there is no
/// per-element call in hot loops. Build with `-target-cpu native` for real vector code.
public typealias Vec16 = SIMD16<Float>

public enum SIMDMath {
    /// e^x. Range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial for e^r
    /// (truncation error < 2e-9 relative), scaled by 2^n through the exponent bits.
    /// Inputs are clamped to [-87.3, 88.7]: the result stays a normal float.
    @inlinable @inline(__always)
    public static func exp(_ x: Vec16) -> Vec16 {
        var x = x
        x.replace(with: Vec16(repeating: 88.7), where: x .> 88.7)
        x.replace(with: Vec16(repeating: -87.3), where: x .< -87.3)
        // Adding 1.5·2^23 rounds x·log2(e) to the nearest integer, which then sits in the low mantissa bits.
        let magic = Vec16(repeating: 12_582_912)
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6   // ln2 split in two for exactness
        var p = Vec16(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let ni = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: Vec16.self)
        return p * scale
    }

    /// σ(x) = 1 / (1 + e^−x).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Vec16) -> Vec16 {
        1 / (1 + exp(-x))
    }

    /// tanh(x): (1 − e^−2|x|)/(1 + e^−2|x|) with the sign restored; below |x| = 0.3, where that
    /// form loses relative precision, its odd Taylor series to x¹¹ (error < 1e-9 relative).
    @inlinable @inline(__always)
    public static func tanh(_ x: Vec16) -> Vec16 {
        let negative = x .< 0
        var ax = x
        ax.replace(with: -x, where: negative)
        let e = exp(-2 * ax)
        var t = (1 - e) / (1 + e)
        let x2 = ax * ax
        var s = Vec16(repeating: -1382.0 / 155_925)
        s = s * x2 + 62.0 / 2835
        s = s * x2 - 17.0 / 315
        s = s * x2 + 2.0 / 15
        s = s * x2 - 1.0 / 3
        let small = ax * (1 + x2 * s)
        t.replace(with: small, where: ax .< 0.3)
        t.replace(with: -t, where: negative)
        return t
    }

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
