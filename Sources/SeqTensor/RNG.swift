/// seqbench's own seeded random number generator, so a seed gives the same numbers on every
/// machine and Swift version (the standard library's generators promise neither).
///
/// SplitMix64 (Steele, Lea, Flood 2014): 64-bit state, full period, passes BigCrush; more than
/// enough for initialisation, shuffling and synthetic data.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator's whole state, to save and later continue the stream exactly (`init(state:)`).
    public var currentState: UInt64 { state }

    /// Continues a stream from a saved `currentState`.
    public init(state: UInt64) { self.state = state }

    /// A generator for a named sub-stream (e.g. "init", "shuffle", "data"), so that adding a draw
    /// in one place does not shift the numbers every other place sees.
    public init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the stream name
        for byte in stream.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        var mixer = SeededRNG(seed: seed ^ h)
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1), 53 random bits.
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * nextUnitFloat()
    }

    /// Standard normal by Marsaglia's polar method (one of the pair is used). Only IEEE-exact
    /// operations and our own logarithm are involved, so every platform draws the same values.
    public mutating func normal() -> Float {
        while true {
            let u = 2 * nextUnitDouble() - 1
            let v = 2 * nextUnitDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return Float(u * (-2 * portableLog(s) / s).squareRoot())
            }
        }
    }

    /// Uniform integer in 0..<bound, without modulo bias.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next(upperBound: UInt64(bound)))
    }

    /// Uniform in 0..<bound by the high half of a 64×64-bit product (Lemire): exactly one draw per call, so
    /// the stream never depends on the values drawn (a bootstrap's resamples stay reproducible); the bias is
    /// at most bound/2⁶⁴.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "nextIndex(below:) needs a positive bound")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Fisher–Yates shuffle driven only by this generator.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, int(below: i + 1))
        }
    }
}

