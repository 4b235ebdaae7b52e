import Foundation
import SeqTensor

extension PairedStatistics {
    /// The expanded bootstrap percentile interval of the mean of `d`: resample d with replacement `resamples`
    /// times (from a `SeededRNG` seeded with `seed`, so the interval is a pure function of its arguments),
    /// and take the percentiles of the resampled means at α′/2 and 1 − α′/2, where
    /// Φ⁻¹(α′/2) = −√(n/(n−1)) · t_{1−α/2, n−1} (Hesterberg 2015, "What teachers should know about the
    /// bootstrap", §4.2). Percentiles interpolate linearly between order statistics, like numpy's default.
    ///
    /// Why expanded, not the plain percentile or BCa: both of those use the resampled spread, which is √((n−1)/n)
    /// too narrow, and a normal rather than a t multiplier, so at the 10…15 seeds where the reports switch from
    /// Student t they under-cover: in 2000 simulated samples of n = 12 from a normal distribution, the plain
    /// percentile interval covered the mean 90.2 % of the time, the expanded one 94.3 %. Without the
    /// expansion, intervals would narrow just because a tenth seed was added. The
    /// expansion gives the t interval's width for normal data and keeps the bootstrap's asymmetry for skewed
    /// data; its effect fades as n grows.
    ///
    /// Nil for fewer than 2 differences or no resamples. All-equal differences give [mean, mean].
    public static func bootstrapInterval(_ d: [Double], seed: UInt64, resamples: Int = defaultResamples,
                                         level: Double = level) -> ConfidenceInterval? {
        let n = d.count
        guard n >= 2, resamples >= 1 else { return nil }
        var generator = SeededRNG(seed: seed)
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<n { sum += d[generator.nextIndex(below: n)] }
            means[r] = sum / Double(n)
        }
        means.sort()
        let nn = Double(n)
        let tail = StandardNormal.cdf(-(nn / (nn - 1)).squareRoot() * StudentT.quantile((1 + level) / 2, df: nn - 1))
        return ConfidenceInterval(estimate: d.reduce(0, +) / nn,
                                  lower: percentile(means, tail), upper: percentile(means, 1 - tail),
                                  level: level, method: .expandedBootstrapPercentile(resamples: resamples))
    }

    /// The q quantile of ascending `sorted`, interpolating between order statistics (numpy's "linear").
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let i = Int(h.rounded(.down))
        guard i + 1 < sorted.count else { return sorted[sorted.count - 1] }
        return sorted[i] + (h - Double(i)) * (sorted[i + 1] - sorted[i])
    }
}
