/// The epoch metric that picks the best epoch, drives early stopping and a plateau schedule.
public enum Monitor: String, Codable, CaseIterable, Sendable {
    case validationAccuracy = "val_accuracy"
    case validationLoss = "val_loss"
    case trainLoss = "train_loss"

    /// This metric's value in an epoch's record.
    public func value(in record: EpochRecord) -> Double {
        switch self {
        case .validationAccuracy: return record.validationAccuracy
        case .validationLoss: return record.validationLoss
        case .trainLoss: return record.trainLoss
        }
    }

    /// Whether higher is better when the mode is `auto`: accuracy yes, losses no.
    public var higherIsBetter: Bool { self == .validationAccuracy }
}

/// Whether the monitored metric should rise or fall; `auto` follows the metric.
public enum MonitorMode: String, Codable, CaseIterable, Sendable {
    case auto, max, min

    /// Whether `monitor` improves by rising under this mode.
    public func maximizes(_ monitor: Monitor) -> Bool {
        switch self {
        case .auto: return monitor.higherIsBetter
        case .max: return true
        case .min: return false
        }
    }
}

/// Early stopping's improvement test: better than the best so far by more than `minDelta`.
public struct Improvement: Sendable {
    public let maximize: Bool
    public let minDelta: Double

    public init(maximize: Bool, minDelta: Double) { self.maximize = maximize; self.minDelta = minDelta }

    /// The best value before any epoch: the worst possible.
    public var initialBest: Double { maximize ? -.infinity : .infinity }

    /// Whether `value` improves on `best`.
    public func improves(_ value: Double, on best: Double) -> Bool {
        maximize ? value > best + minDelta : value < best - minDelta
    }
}
