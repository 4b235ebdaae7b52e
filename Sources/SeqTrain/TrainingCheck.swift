import Foundation

/// Whether a finished fit learned anything. A run that did not train still completes and is measured, but
/// comparisons report it apart: averaging a stalled seed into a mean is how a single bad seed turns "+26 pp"
/// into "−8 pp".
public struct TrainingOutcome: Equatable, Sendable {
    public enum Problem: Equatable, Sendable {
        /// The best validation accuracy stayed within two binomial standard errors of always predicting the
        /// most frequent validation class.
        case stayedAtChance(best: Double, chance: Double)
        /// The training loss never fell clearly below the loss of predicting the class frequencies.
        case lossDidNotFall(lowest: Double, reference: Double)
        /// A finite training loss grew far beyond where it started.
        case lossExploded(highest: Double, reference: Double)
    }

    /// The first problem found; nil when the run trained.
    public var problem: Problem?
    /// Accuracy of always predicting the most frequent validation class.
    public var chanceAccuracy: Double

    public var trained: Bool { problem == nil }

    /// One line: what went wrong and what to try (empty when the run trained).
    public var note: String {
        guard let problem else { return "" }
        let pct = { (x: Double) in String(format: "%.1f %%", 100 * x) }
        switch problem {
        case .stayedAtChance(let best, let chance):
            return "did not train: validation accuracy never left chance level (best \(pct(best)), chance \(pct(chance))); "
                + "try a lower train.lr, more train.patience or more train.epochs"
        case .lossDidNotFall(let lowest, let reference):
            return "did not train: training loss did not fall (lowest \(String(format: "%.4g", lowest)), "
                + "class-frequency loss \(String(format: "%.4g", reference))); try another train.lr or more train.epochs"
        case .lossExploded(let highest, let reference):
            return "did not train: training loss exploded (\(String(format: "%.3g", highest)); a model that learned "
                + "only the class frequencies has \(String(format: "%.3g", reference))); try a lower train.lr or a train.clip"
        }
    }
}

public enum TrainingCheck {
    /// Judges a fit from its history and the labels it trained and validated on.
    public static func judge(history: [EpochRecord], bestValidationAccuracy: Double, trainLabels: [Int],
                             validationLabels: [Int]) -> TrainingOutcome {
        let chance = majorityRate(validationLabels)
        let reference = labelEntropy(trainLabels)
        var outcome = TrainingOutcome(problem: nil, chanceAccuracy: chance)
        let losses = history.map(\.trainLoss)
        // Exploding: finite losses far above the loss of a model that knows nothing (a fresh model starts near
        // it). Checked first: an exploded run also stays at chance, and the cause matters.
        if let highest = losses.filter(\.isFinite).max(), highest > 10 * max(reference, 0.01) {
            outcome.problem = .lossExploded(highest: highest, reference: reference)
            return outcome
        }
        let n = Double(max(validationLabels.count, 1))
        let margin = 2 * (chance * (1 - chance) / n).squareRoot()
        if !(bestValidationAccuracy > chance + margin) {
            outcome.problem = .stayedAtChance(best: bestValidationAccuracy, chance: chance)
            return outcome
        }
        if let lowest = losses.filter(\.isFinite).min(), lowest >= 0.98 * reference {
            outcome.problem = .lossDidNotFall(lowest: lowest, reference: reference)
        }
        return outcome
    }

    /// Frequency of the most common label.
    static func majorityRate(_ labels: [Int]) -> Double {
        guard !labels.isEmpty else { return 0 }
        var counts: [Int: Int] = [:]
        for l in labels { counts[l, default: 0] += 1 }
        return Double(counts.values.max()!) / Double(labels.count)
    }

    /// Cross-entropy of predicting the label frequencies: the loss of a model that learned only the priors.
    static func labelEntropy(_ labels: [Int]) -> Double {
        guard !labels.isEmpty else { return 0 }
        var counts: [Int: Int] = [:]
        for l in labels { counts[l, default: 0] += 1 }
        let n = Double(labels.count)
        return counts.values.reduce(0) { h, c in let p = Double(c) / n; return h - p * log(p) }
    }
}
