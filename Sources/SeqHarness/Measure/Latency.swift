import Histogram
import SeqTensor

/// Summary statistics of latency samples, computed through HdrHistogram (3 significant digits:
/// values are exact below 2048 ns and within 0.1 % above).
public struct LatencyStats: Equatable, Sendable {
    public var count: Int
    public var min: Double, p50: Double, p90: Double, p99: Double, max: Double
    public var mean: Double, standardDeviation: Double
    /// Interquartile range over median: torch.utils.benchmark warns above 10 %.
    public var spread: Double

    /// Statistics of samples in nanoseconds; the figures are in nanoseconds too.
    public init(nanoseconds samples: [Int64]) {
        var h = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        h.autoResize = true
        for s in samples { _ = h.record(UInt64(Swift.max(s, 0))) }
        count = samples.count
        guard !samples.isEmpty else {
            min = .nan; p50 = .nan; p90 = .nan; p99 = .nan; max = .nan; mean = .nan; standardDeviation = .nan; spread = .nan
            return
        }
        func at(_ p: Double) -> Double { Double(h.valueAtPercentile(p)) }
        min = Double(h.min); max = Double(h.max)
        p50 = at(50); p90 = at(90); p99 = at(99)
        mean = h.mean; standardDeviation = h.stdDeviation
        spread = p50 > 0 ? (at(75) - at(25)) / p50 : 0
    }

    /// Whether the spread is large enough to distrust the median (IQR/median above 10 %).
    public var isNoisy: Bool { spread > 0.10 }
}

/// Times a body: warm-up iterations discarded, then samples until `samples` are taken or
/// `maxSeconds` have passed (at least 3 samples in any case). Monotonic clock, nanoseconds.
public func sampleLatency(warmup: Int, samples: Int, maxSeconds: Double, _ body: () -> Void) -> [Int64] {
    for _ in 0..<warmup { body() }
    let clock = ContinuousClock()
    let start = clock.now
    var out: [Int64] = []
    out.reserveCapacity(samples)
    while out.count < samples && (out.count < 3 || (clock.now - start) < .milliseconds(Int64(maxSeconds * 1000))) {
        let d = clock.measure(body)
        out.append(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }
    return out
}
