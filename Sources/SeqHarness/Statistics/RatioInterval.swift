import Foundation

extension PairedStatistics {
    /// The `level` interval of a ratio measured once per round (e.g. latency of a over latency of b, each round
    /// timing both): exp of the Student t interval of log r_i, with the geometric mean as the estimate.
    /// Ratios are averaged in logs because they multiply: 2× and 0.5× should cancel, and the interval should be
    /// the same whichever model is the numerator (its bounds invert). Nil for fewer than 2 rounds or any ratio
    /// that is not positive and finite.
    public static func ratioInterval(_ ratios: [Double], level: Double = level) -> ConfidenceInterval? {
        guard ratios.count >= 2, ratios.allSatisfy({ $0 > 0 && $0.isFinite }),
              let logs = tInterval(ratios.map { log($0) }, level: level) else { return nil }
        return ConfidenceInterval(estimate: exp(logs.estimate), lower: exp(logs.lower), upper: exp(logs.upper),
                                  level: level, method: .studentT)
    }
}
