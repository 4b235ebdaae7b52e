import Foundation

/// McNemar's exact test of two models on the same test set: only the examples where exactly one of them is
/// right carry information about which is better.
public struct McNemarResult: Sendable, Equatable {
    /// Examples a gets right and b gets wrong (McNemar's b).
    public let onlyACorrect: Int
    /// Examples a gets wrong and b gets right (McNemar's c).
    public let onlyBCorrect: Int
    /// Two-sided exact p-value: `scipy.stats.binomtest(b, b + c, 0.5).pvalue`, and 1 when b + c = 0 (the
    /// models never disagree, so nothing speaks for either).
    public let pValue: Double

    /// Creates a result.
    public init(onlyACorrect: Int, onlyBCorrect: Int, pValue: Double) {
        self.onlyACorrect = onlyACorrect
        self.onlyBCorrect = onlyBCorrect
        self.pValue = pValue
    }
}

extension PairedStatistics {
    /// McNemar's exact test on two models' per-example correctness over the same test set (`aCorrect[i]` and
    /// `bCorrect[i]` are the same example). Exact binomial rather than the chi-squared form, because the
    /// disagreements between two similar models are often few. Nil when the two lists differ in length.
    public static func mcnemarExact(aCorrect: [Bool], bCorrect: [Bool]) -> McNemarResult? {
        guard aCorrect.count == bCorrect.count else { return nil }
        var b = 0, c = 0
        for (x, y) in zip(aCorrect, bCorrect) where x != y {
            if x { b += 1 } else { c += 1 }
        }
        return McNemarResult(onlyACorrect: b, onlyBCorrect: c, pValue: binomialTwoSidedPValue(successes: b, trials: b + c))
    }

    /// The two-sided exact binomial test of `successes` out of `trials` against p = 1/2, as
    /// `scipy.stats.binomtest(k, n, 0.5).pvalue`; 1 for no trials (where scipy refuses).
    ///
    /// scipy's two-sided p-value sums the probabilities of all outcomes no more likely than the observed one,
    /// allowing a relative 1e-7 for rounding. At p = 1/2 the distribution is symmetric and strictly
    /// unimodal on each side, and neighbouring probabilities differ by the factor (n − k)/(k + 1), which is
    /// 1 only at the centre (n odd) and otherwise at least 1 + 1/(k + 1), far above 1 + 1e-7 for any k below
    /// ten million. So those outcomes are exactly the two tails i ≤ min(k, n − k) and i ≥ max(k, n − k):
    /// p = min(1, 2·P(X ≤ min(k, n − k))), and 1 when k = n/2. P(X ≤ j) = I_{1/2}(n − j, j + 1), evaluated in
    /// its small tail, so tiny p-values (2⁻⁹⁹⁹ for 0 of 1000) keep their relative accuracy.
    public static func binomialTwoSidedPValue(successes k: Int, trials n: Int) -> Double {
        precondition(k >= 0 && k <= n, "binomial test needs 0 ≤ successes ≤ trials")
        let j = min(k, n - k)
        guard 2 * j < n else { return 1 }
        let cdf = IncompleteBeta.regularized(a: Double(n - j), b: Double(j + 1), x: 0.5, y: 0.5).lower
        return min(1, 2 * cdf)
    }
}
