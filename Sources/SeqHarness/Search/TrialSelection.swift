import Foundation
import SeqStore

/// All that selection may see of a trial: its number and its validation accuracy. The type has no test
/// field, so choosing a trial cannot depend on the test split (a test shuffles the test labels to check it).
public struct TrialScore: Equatable, Sendable {
    /// The trial number (from 1).
    public let trial: Int
    /// The best validation accuracy over the trial's epochs (the epoch whose weights it keeps); nil for a
    /// trial that failed or has no finite figure: it cannot be chosen.
    public let validationAccuracy: Double?

    public init(trial: Int, validationAccuracy: Double?) {
        self.trial = trial
        self.validationAccuracy = validationAccuracy.flatMap { $0.isFinite ? $0 : nil }
    }

    /// A finished trial's score, read from its run file: its best validation accuracy and nothing else.
    public init(trial: Int, result: RunResult) {
        self.init(trial: trial, validationAccuracy: result.status == .failed ? nil : result.metrics[.bestValidationAccuracy])
    }
}

/// Chooses the best trial of a model entry.
public enum TrialSelection {
    /// The highest validation accuracy; of equal ones the lowest trial number (deterministic, independent of
    /// the order the scores come in); nil when no trial has a score.
    public static func best(_ scores: [TrialScore]) -> TrialScore? {
        scores.filter { $0.validationAccuracy != nil }.min { a, b in
            a.validationAccuracy! != b.validationAccuracy! ? a.validationAccuracy! > b.validationAccuracy! : a.trial < b.trial
        }
    }
}
