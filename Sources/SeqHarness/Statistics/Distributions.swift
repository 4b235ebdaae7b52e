import Foundation

/// Student's t distribution: the p-values of the paired t-test and the quantiles of t intervals.
///
/// Computed from the regularized incomplete beta function (a continued fraction) rather than a table or a
/// series, because seed counts are small (2…20 degrees of freedom), where the normal approximation is far off,
/// and the reports compare against scipy to about 1e-10.
public enum StudentT {
    /// P(T ≤ t) for `df` degrees of freedom (`df` > 0, need not be an integer).
    public static func cdf(_ t: Double, df: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? .nan : (t > 0 ? 1 : 0) }
        let tail = upperTail(abs(t), df: df)
        return t >= 0 ? 1 - tail : tail
    }

    /// P(|T| ≥ |t|): the two-sided p-value of a t statistic. Computed directly from the tail (not as
    /// 2·(1 − cdf)), so tiny p-values keep their relative accuracy.
    public static func twoSidedPValue(_ t: Double, df: Double) -> Double {
        guard !t.isNaN, df > 0 else { return .nan }
        guard t.isFinite else { return 0 }
        let (x, y) = betaArguments(t, df: df)
        return IncompleteBeta.regularized(a: df / 2, b: 0.5, x: x, y: y).lower
    }

    /// The `p` quantile: the t with P(T ≤ t) = p, for 0 < p < 1. `quantile(0.975, df: n - 1)` is the
    /// multiplier of a 95 % interval from n samples.
    ///
    /// Inverts the tail probability by bisection to full double precision: about 60 evaluations, which costs
    /// nothing here and, unlike Newton from an approximate start, cannot diverge at 1 or 2 degrees of freedom.
    public static func quantile(_ p: Double, df: Double) -> Double {
        guard p > 0, p < 1, df > 0 else { return p == 0 ? -.infinity : p == 1 ? .infinity : .nan }
        if p == 0.5 { return 0 }
        // Solve in the smaller tail, so that p = 0.975 and p = 0.025 use the same accurate tail probability.
        let q = min(p, 1 - p)
        let t = Bisection.solveDecreasing(target: q) { upperTail($0, df: df) }
        return p > 0.5 ? t : -t
    }

    /// P(T ≥ t) for t ≥ 0, which is half of I_x(df/2, 1/2) with x = df/(df + t²).
    static func upperTail(_ t: Double, df: Double) -> Double {
        let (x, y) = betaArguments(t, df: df)
        return IncompleteBeta.regularized(a: df / 2, b: 0.5, x: x, y: y).lower / 2
    }

    /// x = df/(df + t²) and 1 − x = t²/(df + t²), each formed without subtracting from 1, so that neither
    /// loses digits when t is small or large.
    private static func betaArguments(_ t: Double, df: Double) -> (x: Double, y: Double) {
        let t2 = t * t
        return (df / (df + t2), 1 / (1 + df / t2))
    }
}

/// The standard normal distribution, for the Wilcoxon test's normal approximation and the expanded
/// bootstrap percentile interval.
public enum StandardNormal {
    /// Φ(x) = P(Z ≤ x), from `erfc`, which keeps relative accuracy far into the lower tail.
    public static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.0.squareRoot())
    }

    /// Φ⁻¹(p) for 0 < p < 1, by bisection on the smaller tail (full double precision; speed does not
    /// matter here).
    public static func quantile(_ p: Double) -> Double {
        guard p > 0, p < 1 else { return p == 0 ? -.infinity : p == 1 ? .infinity : .nan }
        if p == 0.5 { return 0 }
        let q = min(p, 1 - p)
        let z = Bisection.solveDecreasing(target: q) { 0.5 * erfc($0 / 2.0.squareRoot()) }
        return p > 0.5 ? z : -z
    }
}

/// The regularized incomplete beta function I_x(a, b), the one special function behind the t and binomial
/// distributions here.
enum IncompleteBeta {
    /// I_x(a, b) and 1 − I_x(a, b) for x in [0, 1], with `y` = 1 − x passed in by the caller who can form it
    /// without cancellation. Whichever of the two is evaluated by the continued fraction keeps full relative
    /// accuracy (the small tail); the other is 1 minus it, which is then close to 1 and loses nothing that
    /// matters.
    static func regularized(a: Double, b: Double, x: Double, y: Double) -> (lower: Double, upper: Double) {
        if x <= 0 { return (0, 1) }
        if y <= 0 { return (1, 0) }
        // Front factor x^a y^b / (a B(a, b)), in logs so that large a and b neither overflow nor underflow early.
        let logFront = a * log(x) + b * log(y) - (lgamma(a) + lgamma(b) - lgamma(a + b))
        // The continued fraction converges quickly for x < (a + 1)/(a + b + 2); beyond, use the symmetry
        // I_x(a, b) = 1 − I_y(b, a) (Numerical Recipes §6.4).
        if x < (a + 1) / (a + b + 2) {
            let lower = exp(logFront) * continuedFraction(a: a, b: b, x: x) / a
            return (lower, 1 - lower)
        } else {
            let upper = exp(logFront) * continuedFraction(a: b, b: a, x: y) / b
            return (1 - upper, upper)
        }
    }

    /// The continued fraction for I_x(a, b), evaluated by the modified Lentz method.
    private static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        // Convergence takes O(√max(a, b)) terms; the cap only guards against a non-finite argument.
        for m in 1...100_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) <= 2 * Double.ulpOfOne { break }
        }
        return h
    }
}

enum Bisection {
    /// The x ≥ 0 where the decreasing function f(x) equals `target` (f(0) ≥ target > 0 assumed): bracket by
    /// doubling, then halve until the bracket cannot shrink, which is full double precision.
    static func solveDecreasing(target: Double, _ f: (Double) -> Double) -> Double {
        var lo = 0.0, hi = 1.0
        while f(hi) > target {
            lo = hi
            hi *= 2
            if !hi.isFinite { return .infinity }
        }
        while true {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { return f(lo) - target <= target - f(hi) ? lo : hi }
            if f(mid) > target { lo = mid } else { hi = mid }
        }
    }
}
