/// SplitMix64 (Steele, Lea & Flood 2014; the generator Java's SplittableRandom uses): a tiny, fast PRNG whose
/// output is fixed by its seed on every platform and Swift version, which the standard library's generators
/// and `random(in:)` helpers do not promise. Bootstrap intervals are therefore reproducible from the seed
/// recorded in a report. Not for cryptography.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    private var state: UInt64

    /// A generator whose whole output sequence is determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) from the top 53 bits, every value a multiple of 2⁻⁵³.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in 0..<bound, by the high half of a 64×64-bit product (Lemire): the bias is at most
    /// bound/2⁶⁴, far below anything a bootstrap can see, and it needs no rejection loop, so the number of
    /// draws, and so the sequence, never depends on the values drawn.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "nextIndex(below:) needs a positive bound")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}
