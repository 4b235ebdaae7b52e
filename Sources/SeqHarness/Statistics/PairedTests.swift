import Foundation

/// The significance tests a paired comparison can report.
public enum PairedTest: Sendable, Equatable, CustomStringConvertible {
    /// Wilcoxon signed-rank test, p-value from the exact null distribution of W+ over all 2^m sign patterns
    /// of the m nonzero differences' ranks (midranks where |d| ties).
    case wilcoxonExact
    /// Wilcoxon signed-rank test, normal approximation with the tie-corrected variance and no continuity
    /// correction (scipy's default `correction=False`).
    case wilcoxonNormal
    /// Paired t-test: t = mean/(s/√n) on n − 1 degrees of freedom (`scipy.stats.ttest_rel`).
    case pairedT

    /// The test as reports print it.
    public var description: String {
        switch self {
        case .wilcoxonExact: "Wilcoxon signed-rank, exact"
        case .wilcoxonNormal: "Wilcoxon signed-rank, normal approximation"
        case .pairedT: "paired t-test"
        }
    }
}

/// The outcome of a paired test.
public struct PairedTestResult: Sendable, Equatable {
    /// Which test (and, for Wilcoxon, which null distribution) produced the p-value.
    public let test: PairedTest
    /// The statistic scipy reports: min(W+, W−) for Wilcoxon (its two-sided statistic), t for the t-test.
    public let statistic: Double
    /// Two-sided p-value.
    public let pValue: Double
    /// Differences the test used: all of them for the t-test, the nonzero ones for Wilcoxon.
    public let count: Int

    /// Creates a result.
    public init(test: PairedTest, statistic: Double, pValue: Double, count: Int) {
        self.test = test
        self.statistic = statistic
        self.pValue = pValue
        self.count = count
    }
}

extension PairedStatistics {
    /// Above this many nonzero differences the Wilcoxon test uses the normal approximation; up to it, the exact
    /// distribution (the same bound scipy uses for its exact test).
    public static let wilcoxonExactLimit = 50

    /// The test reports use: the Wilcoxon signed-rank test, `wilcoxon(d)`, exact for up to 50 nonzero
    /// differences. Chosen over the t-test because with a handful of seeds nothing says the differences are
    /// normal, and one diverging seed should not decide the verdict.
    public static func defaultTest(_ d: [Double]) -> PairedTestResult? { wilcoxon(d) }

    /// The paired t-test on differences d = a − b, two-sided: equal to `scipy.stats.ttest_rel(a, b)`. Nil for
    /// fewer than 2 differences, and when all differences are zero (t is 0/0; scipy gives NaN).
    public static func pairedT(_ d: [Double]) -> PairedTestResult? {
        let summary = PairedSummary(differences: d)
        guard let mean = summary.mean, let s = summary.standardDeviation, mean != 0 || s != 0 else { return nil }
        let t = mean / (s / Double(d.count).squareRoot())
        return PairedTestResult(test: .pairedT, statistic: t, pValue: StudentT.twoSidedPValue(t, df: Double(d.count - 1)),
                                count: d.count)
    }

    /// The Wilcoxon signed-rank test on differences d = a − b, two-sided, with `scipy.stats.wilcoxon`'s
    /// `zero_method='wilcox'`: zero differences are dropped before ranking.
    ///
    /// With m ≤ 50 nonzero differences the p-value is exact (`.wilcoxonExact`): W+ (the doubled ranks, so
    /// midranks stay integers) is counted over all 2^m sign patterns by dynamic programming, and
    /// p = min(1, 2·min(P(W+ ≤ w), P(W+ ≥ w))). Without ties this is the classic exact table, and equals
    /// scipy's `method='exact'` and its default. With ties it is the exact distribution given the tied ranks,
    /// which is what scipy's default computes for n ≤ 13 (an exhaustive permutation test); for 13 < n ≤ 50
    /// with ties scipy's default falls back to the normal approximation, this stays exact. Above 50, or with
    /// `normalApproximation`, it is the normal approximation (`.wilcoxonNormal`), equal to scipy's
    /// `method='asymptotic'`.
    ///
    /// Ties are exact float equality, as in scipy: differences of accuracies computed as a − b from
    /// fractions may differ in the last bit where the counts tie, so form them from counts when ties matter.
    /// Nil for no differences; all-zero differences give p = 1.
    public static func wilcoxon(_ d: [Double], normalApproximation: Bool = false) -> PairedTestResult? {
        guard !d.isEmpty else { return nil }
        let nonzero = d.filter { $0 != 0 }
        let m = nonzero.count
        guard m > 0 else {
            return PairedTestResult(test: normalApproximation ? .wilcoxonNormal : .wilcoxonExact, statistic: 0, pValue: 1, count: 0)
        }
        // Doubled midranks of |d|: positions i...j (1-based) that tie share rank (i + j)/2, doubled i + j.
        let order = nonzero.indices.sorted { abs(nonzero[$0]) < abs(nonzero[$1]) }
        var doubledRank = [Int](repeating: 0, count: m)
        var tieGroups: [Int] = []
        var start = 0
        while start < m {
            var end = start
            while end + 1 < m && abs(nonzero[order[end + 1]]) == abs(nonzero[order[start]]) { end += 1 }
            for k in start...end { doubledRank[order[k]] = (start + 1) + (end + 1) }
            tieGroups.append(end - start + 1)
            start = end + 1
        }
        let doubledPlus = nonzero.indices.reduce(0) { $0 + (nonzero[$1] > 0 ? doubledRank[$1] : 0) }
        let doubledTotal = m * (m + 1)
        let statistic = Double(min(doubledPlus, doubledTotal - doubledPlus)) / 2

        if m <= wilcoxonExactLimit && !normalApproximation {
            // counts[s]: sign patterns whose positive doubled ranks sum to s. At most 2^50 patterns, so every count
            // is an integer a Double holds exactly, and dividing by 2^m is exact too.
            var counts = [Double](repeating: 0, count: doubledTotal + 1)
            counts[0] = 1
            var reach = 0
            for r in doubledRank {
                for s in stride(from: reach, through: 0, by: -1) where counts[s] != 0 { counts[s + r] += counts[s] }
                reach += r
            }
            let total = Double(sign: .plus, exponent: m, significand: 1)
            let atMost = counts[0...doubledPlus].reduce(0, +) / total
            let atLeast = counts[doubledPlus...].reduce(0, +) / total
            return PairedTestResult(test: .wilcoxonExact, statistic: statistic, pValue: min(1, 2 * min(atMost, atLeast)), count: m)
        }

        let mm = Double(m)
        let wPlus = Double(doubledPlus) / 2
        // Each group of t tied ranks lowers the variance by (t³ − t)/48.
        let tieCorrection = tieGroups.reduce(0.0) { $0 + (Double($1) * Double($1) * Double($1) - Double($1)) }
        let se = ((mm * (mm + 1) * (2 * mm + 1) - tieCorrection / 2) / 24).squareRoot()
        let z = (wPlus - mm * (mm + 1) / 4) / se
        return PairedTestResult(test: .wilcoxonNormal, statistic: statistic, pValue: erfc(abs(z) / 2.0.squareRoot()), count: m)
    }
}
