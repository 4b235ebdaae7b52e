import Foundation

/// Statistics for comparing two models over the same seeds: the per-seed differences d = a − b are the unit
/// of analysis, because seed-to-seed variation shared by both models cancels in them.
///
/// Everything here is a pure function of its arguments (random resampling takes an explicit seed), needs
/// nothing outside this module but Foundation's math (verdict sentences format numbers with `NumberFormat`),
/// and is checked against scipy 1.17.1 (Tests/SeqHarnessTests/Resources/
/// scipy_reference.json, made by scripts/make_scipy_reference.py).
public enum PairedStatistics {
    /// The interval every comparison reports.
    public static let level = 0.95

    /// From this many seeds on, intervals are bootstrapped; below it, Student t. Ten resampled values is about
    /// where the bootstrap distribution of a mean becomes more than a handful of distinct values, and below it
    /// the t interval's normality assumption is the lesser risk.
    public static let bootstrapMinimumCount = 10

    /// Bootstrap resamples: enough that the 2.5 % and 97.5 % percentiles move by well under a tenth of the
    /// interval's width between seeds of the resampler.
    public static let defaultResamples = 10_000

    /// The interval method the reports use for `count` paired differences: Student t below
    /// `bootstrapMinimumCount`, the expanded bootstrap percentile from there on.
    public static func intervalMethod(forCount count: Int) -> IntervalMethod {
        count < bootstrapMinimumCount ? .studentT : .expandedBootstrapPercentile(resamples: defaultResamples)
    }

    /// The `level` interval of the mean of `d`, by the method `intervalMethod(forCount:)` picks; `seed` drives
    /// the bootstrap, so the same differences and seed always give the same interval. Nil for fewer than 2
    /// differences.
    public static func interval(_ d: [Double], seed: UInt64 = 0, level: Double = level) -> ConfidenceInterval? {
        switch intervalMethod(forCount: d.count) {
        case .studentT: tInterval(d, level: level)
        case .expandedBootstrapPercentile(let resamples):
            bootstrapInterval(d, seed: seed, resamples: resamples, level: level)
        }
    }

    /// The Student t interval of the mean of `d`: mean ± t_{(1+level)/2, n−1} · s/√n, the same as
    /// `scipy.stats.t.interval(level, n - 1, loc=mean, scale=sem)`. Nil for n < 2 (no spread to estimate);
    /// when all differences are equal the interval is the single point [mean, mean].
    public static func tInterval(_ d: [Double], level: Double = level) -> ConfidenceInterval? {
        tInterval(PairedSummary(differences: d), level: level)
    }

    /// The Student t interval from a summary's n, mean and standard deviation; nil for n < 2.
    public static func tInterval(_ summary: PairedSummary, level: Double = level) -> ConfidenceInterval? {
        guard let mean = summary.mean, let s = summary.standardDeviation else { return nil }
        let half = StudentT.quantile((1 + level) / 2, df: Double(summary.n - 1)) * s / Double(summary.n).squareRoot()
        return ConfidenceInterval(estimate: mean, lower: mean - half, upper: mean + half, level: level, method: .studentT)
    }
}

/// The numbers a paired comparison starts from: the per-seed differences d = a − b, summarised.
public struct PairedSummary: Sendable, Equatable {
    /// The differences, in seed order.
    public let differences: [Double]
    /// Number of paired seeds.
    public var n: Int { differences.count }
    /// Mean difference; nil when there are no seeds.
    public let mean: Double?
    /// Median difference (mean of the middle two for even n); nil when there are no seeds.
    public let median: Double?
    /// Sample standard deviation (divisor n − 1, as numpy's `ddof=1`), the spread the intervals use; nil for
    /// n < 2, where there is no spread to estimate.
    public let standardDeviation: Double?
    /// Seeds where a beat b (d > 0).
    public let wins: Int
    /// Seeds where b beat a (d < 0).
    public let losses: Int
    /// Seeds where they are exactly equal (d == 0): common for accuracies of the same test set.
    public let ties: Int

    /// Summarises per-seed differences a − b.
    public init(differences d: [Double]) {
        differences = d
        wins = d.count(where: { $0 > 0 })
        losses = d.count(where: { $0 < 0 })
        ties = d.count(where: { $0 == 0 })
        guard !d.isEmpty else {
            mean = nil; median = nil; standardDeviation = nil
            return
        }
        let m = d.reduce(0, +) / Double(d.count)
        mean = m
        let sorted = d.sorted()
        median = d.count % 2 == 1 ? sorted[d.count / 2] : (sorted[d.count / 2 - 1] + sorted[d.count / 2]) / 2
        // Two passes (mean first), which is what numpy does and keeps nearly equal differences from cancelling.
        standardDeviation = d.count < 2 ? nil : (d.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(d.count - 1)).squareRoot()
    }

    /// Summarises paired results: `a[i]` and `b[i]` come from the same seed.
    public init(a: [Double], b: [Double]) {
        precondition(a.count == b.count, "paired results need one value per seed on each side")
        self.init(differences: zip(a, b).map { $0 - $1 })
    }
}

/// A confidence interval for a mean difference (or, from `ratioInterval`, a ratio).
public struct ConfidenceInterval: Sendable, Equatable {
    /// The point estimate the interval surrounds: the mean difference, or the geometric-mean ratio.
    public let estimate: Double
    /// Lower bound.
    public let lower: Double
    /// Upper bound.
    public let upper: Double
    /// Coverage, e.g. 0.95.
    public let level: Double
    /// How it was computed, for the report's footnote.
    public let method: IntervalMethod

    /// Creates an interval.
    public init(estimate: Double, lower: Double, upper: Double, level: Double, method: IntervalMethod) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.level = level
        self.method = method
    }

    /// Whether `value` lies inside (bounds included).
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

    /// Whether the interval lies strictly on one side of `value`: the only case where a verdict says
    /// "better" or "worse" (with `value` 0, or 1 for ratios).
    public func excludes(_ value: Double) -> Bool { !contains(value) }
}

/// How an interval was computed.
public enum IntervalMethod: Sendable, Equatable, CustomStringConvertible {
    /// Student t on the paired differences (or on log ratios).
    case studentT
    /// Percentile bootstrap of the mean, with the tail probability widened for small n (Hesterberg's
    /// "expanded percentile interval"); see `PairedStatistics.bootstrapInterval`.
    case expandedBootstrapPercentile(resamples: Int)

    /// The method as reports print it: "Student t", "expanded bootstrap percentile, 10 000 resamples".
    public var description: String {
        switch self {
        case .studentT: "Student t"
        case .expandedBootstrapPercentile(let resamples): "expanded bootstrap percentile, \(Self.grouped(resamples)) resamples"
        }
    }

    /// Digits in groups of three separated by spaces from five digits on (SI style: 10 000, but 5000), so the
    /// count reads the same in any locale.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        guard digits.count > 4 else { return String(n) }
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (n < 0 ? "-" : "") + groups.joined(separator: " ")
    }
}
