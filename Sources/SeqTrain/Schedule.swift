import Foundation

/// A learning-rate schedule, each with the semantics of its PyTorch counterpart. Rates are computed in
/// Double, as PyTorch keeps them in Python floats, and handed to the optimizer as Float.
public enum LearningRateSchedule: Equatable, Sendable {
    /// The configured rate throughout.
    case constant
    /// `StepLR(step_size, gamma)`, stepped once per epoch: the rate is multiplied by `gamma` after every
    /// `stepSize` epochs.
    case step(stepSize: Int, gamma: Double)
    /// Linear warmup then cosine decay, per optimizer update t = 0, 1, …, T − 1 (T: all updates `epochs`
    /// would make): `lr · (t + 1) / W` for t < W, then `lr · (r + (1 − r) · ½ (1 + cos(π · (t − W) / (T − W))))`
    /// with r = minLR / lr, so the rate falls from `lr` towards `minLR`. In PyTorch:
    /// `LambdaLR(optimizer, λ)` with that factor as λ(t), stepped after every update.
    case cosine(warmupSteps: Int, minLR: Double)
    /// `ReduceLROnPlateau(mode, factor, patience, threshold, threshold_mode="rel", cooldown=0, min_lr, eps=1e-8)`,
    /// stepped once per epoch with the monitored metric.
    case plateau(factor: Double, patience: Int, threshold: Double, minLR: Double, maximize: Bool)
}

/// What a schedule carries from one epoch to the next: only `plateau` has any (ReduceLROnPlateau's `best`,
/// `num_bad_epochs` and the rate it has reached); the other schedules are functions of the step and epoch.
public struct ScheduleState: Equatable, Sendable {
    /// The rate a plateau schedule has reached.
    public var learningRate: Double
    /// The best metric so far (±infinity before the first epoch).
    public var best: Double
    /// Epochs since `best` last improved.
    public var badEpochs: Int

    public init(learningRate: Double, best: Double, badEpochs: Int) {
        self.learningRate = learningRate; self.best = best; self.badEpochs = badEpochs
    }
}

/// Computes the learning rate of every update from a schedule, and keeps the schedule's state.
public struct LearningRateScheduler: Sendable {
    public let schedule: LearningRateSchedule
    /// The configured (initial) rate.
    public let baseRate: Double
    public private(set) var state: ScheduleState

    public init(_ schedule: LearningRateSchedule, baseRate: Double) {
        self.schedule = schedule
        self.baseRate = baseRate
        var worst = Double.infinity
        if case .plateau(_, _, _, _, let maximize) = schedule, maximize { worst = -.infinity }
        state = ScheduleState(learningRate: baseRate, best: worst, badEpochs: 0)
    }

    /// Continues from a saved state.
    public mutating func restore(_ saved: ScheduleState) { state = saved }

    /// The rate of update number `step` (0-based, over the whole training), made during epoch `epoch` (0-based),
    /// in a training of `totalSteps` updates.
    public func learningRate(step: Int, epoch: Int, totalSteps: Int) -> Double {
        switch schedule {
        case .constant:
            return baseRate
        case .step(let stepSize, let gamma):
            // Repeated products, as StepLR's chained form computes them.
            var rate = baseRate
            for _ in 0..<(epoch / max(stepSize, 1)) { rate *= gamma }
            return rate
        case .cosine(let warmupSteps, let minLR):
            return baseRate * Self.cosineFactor(step: step, warmupSteps: warmupSteps, totalSteps: totalSteps,
                                                floor: minLR / baseRate)
        case .plateau:
            return state.learningRate
        }
    }

    /// λ(t) of the warmup-cosine schedule (see `LearningRateSchedule.cosine`); `floor` = minLR / lr.
    static func cosineFactor(step t: Int, warmupSteps: Int, totalSteps: Int, floor r: Double) -> Double {
        if t < warmupSteps { return Double(t + 1) / Double(warmupSteps) }
        let progress = min(Double(t - warmupSteps) / Double(max(totalSteps - warmupSteps, 1)), 1)
        return r + (1 - r) * 0.5 * (1 + cos(Double.pi * progress))
    }

    /// Ends an epoch whose monitored metric was `metric`: a plateau schedule may lower the rate.
    public mutating func endEpoch(metric: Double) {
        guard case .plateau(let factor, let patience, let threshold, let minLR, let maximize) = schedule else { return }
        let better = maximize ? metric > state.best * (threshold + 1) : metric < state.best * (1 - threshold)
        if better {
            state.best = metric
            state.badEpochs = 0
        } else {
            state.badEpochs += 1
        }
        if state.badEpochs > patience {
            let reduced = max(state.learningRate * factor, minLR)
            // PyTorch's eps: changes smaller than 1e-8 are ignored.
            if state.learningRate - reduced > 1e-8 { state.learningRate = reduced }
            state.badEpochs = 0
        }
    }
}
