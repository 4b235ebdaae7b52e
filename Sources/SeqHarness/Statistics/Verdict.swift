import Foundation

/// What a comparison of two models over seeds may claim.
public enum Verdict: Sendable, Equatable {
    /// The interval lies entirely on the better side of zero.
    case better
    /// The interval lies entirely on the worse side of zero.
    case worse
    /// The interval contains zero: the seeds cannot tell the models apart (which is not evidence that they
    /// are equal).
    case noDetectableDifference
    /// Fewer than 3 seeds: no interval is given. `needed` is about how many seeds the observed spread would
    /// need for an interval of that width to exclude zero; nil when the spread or the difference is unknown
    /// or zero.
    case tooFewSeeds(needed: Int?)
}

/// A verdict and the sentence that states it.
public struct VerdictText: Sendable, Equatable {
    /// The typed verdict, for code (counts, colours).
    public let verdict: Verdict
    /// The sentence for reports, e.g. "bilstm_attention is better than bilstm in test accuracy: +5.2 pp
    /// (95 % CI [+1.1, +9.3], n = 6 seeds)".
    public let text: String

    /// Creates a verdict text.
    public init(verdict: Verdict, text: String) {
        self.verdict = verdict
        self.text = text
    }
}

extension PairedStatistics {
    /// Below this many seeds verdicts give no interval. Two seeds do give a t interval, but with one degree of
    /// freedom its multiplier is 12.7 and its width rests on a single spread estimate, so it would read as
    /// evidence when it is mostly noise.
    public static let minimumSeedsForInterval = 3

    /// The seeds suggested when there is no spread to extrapolate from (one seed, or identical differences).
    public static let suggestedSeeds = 5

    /// The verdict on a − b, generated from the numbers so that the words never claim more than the interval:
    /// "better"/"worse" only when the interval excludes zero.
    ///
    /// - Parameters:
    ///   - summary: the per-seed differences a − b, in the unit the text shows (multiply accuracy fractions
    ///     by 100 for "pp").
    ///   - interval: the interval of the mean difference (`interval(_:seed:)`); when nil and n ≥ 3, the
    ///     Student t interval is used.
    ///   - higherIsBetter: false for metrics like loss or latency, where a negative difference is better.
    ///   - decimals: decimals of the numbers shown.
    public static func verdict(_ summary: PairedSummary, _ interval: ConfidenceInterval?, metricName: String,
                               unit: String, nameA: String, nameB: String, higherIsBetter: Bool = true,
                               decimals: Int = 1) -> VerdictText {
        let n = summary.n
        let seeds = n == 1 ? "1 seed" : "\(n) seeds"
        func value(_ x: Double) -> String { NumberFormat.signed(x, decimals) + (unit.isEmpty ? "" : " " + unit) }
        let subject = "\(nameA) vs \(nameB), \(metricName)"

        guard n >= minimumSeedsForInterval, let mean = summary.mean,
              let interval = interval ?? tInterval(summary) else {
            let needed = summary.standardDeviation.flatMap { s in summary.mean.flatMap { seedsNeeded(mean: $0, standardDeviation: s) } }
            var text = "\(subject): " + (n == 0 ? "no seeds" : "only \(seeds)") + ", so no interval can be given"
            if let mean = summary.mean { text += " (difference \(value(mean)))" }
            if let needed {
                text += "; with the spread seen so far (std \(NumberFormat.fixed(summary.standardDeviation!, decimals))"
                    + "\(unit.isEmpty ? "" : " " + unit)) about \(needed) seeds would be needed to show a difference of this size"
            } else if n == 1 || summary.standardDeviation == 0 {
                text += "; the spread between seeds is unknown, so run at least \(suggestedSeeds) seeds"
            } else {
                text += "; run at least \(suggestedSeeds) seeds"
            }
            return VerdictText(verdict: .tooFewSeeds(needed: needed), text: text)
        }

        let percent = NumberFormat.significant(interval.level * 100, 3, trimZeros: true)
        let ci = "\(percent) % CI [\(NumberFormat.signed(interval.lower, decimals)), \(NumberFormat.signed(interval.upper, decimals))], n = \(seeds)"
        guard interval.excludes(0) else {
            return VerdictText(verdict: .noDetectableDifference, text: "\(subject): no detectable difference (\(ci))")
        }
        let aIsBetter = (interval.lower > 0) == higherIsBetter
        return VerdictText(verdict: aIsBetter ? .better : .worse,
                           text: "\(nameA) is \(aIsBetter ? "better" : "worse") than \(nameB) in \(metricName): \(value(mean)) (\(ci))")
    }

    /// About how many seeds an interval needs to exclude zero if the differences keep their observed mean and
    /// standard deviation: the smallest n with t_{0.975, n−1} · s/√n < |mean|, and at least
    /// `minimumSeedsForInterval` (no interval is given below it). Nil when the mean or the spread is zero or
    /// not finite, or when more than `limit` seeds would be needed.
    public static func seedsNeeded(mean: Double, standardDeviation s: Double, level: Double = level,
                                   limit: Int = 1_000_000) -> Int? {
        guard mean != 0, s > 0, mean.isFinite, s.isFinite else { return nil }
        func enough(_ n: Int) -> Bool {
            StudentT.quantile((1 + level) / 2, df: Double(n - 1)) * s / Double(n).squareRoot() < abs(mean)
        }
        // The half-width t_{n−1}/√n shrinks as n grows, so bracket by doubling and then bisect.
        var lo = 1, hi = 2
        while !enough(hi) {
            guard hi < limit else { return nil }
            lo = hi
            hi = min(2 * hi, limit)
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if enough(mid) { hi = mid } else { lo = mid }
        }
        return max(hi, minimumSeedsForInterval)
    }
}
