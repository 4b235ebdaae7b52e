import SeqModels
import SeqTensor

/// Finite-difference gradient checking in Float32, with a tolerance derived from the arithmetic.
///
/// Why Float32 and not Float64: the models are Float32 kernels (oneDNN sgemm, SIMD σ/tanh), and the
/// check must exercise exactly that code. The numeric derivative uses the fourth-order central
/// stencil  f'(x) ≈ [8(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))] / 12h  with h = 1e-2, so truncation
/// error is O(h⁴) ≈ 1e-8 for these smooth functions, and rounding error is about
/// 1.5·δ/h where δ ≈ 1e-7·|loss| is Float32's rounding noise in the loss: ≈ 2e-5 for losses near 1.
/// Hence the test  |analytic − numeric| ≤ 1e-2·|numeric| + 1e-4 : the absolute term is 5× the
/// rounding bound, the relative term is far above the truncation error, and a wrong gradient
/// (a sign, a missing term, a swapped gate, a mis-aligned step) gives errors of order |numeric|.
public enum GradientCheck {
    public static let step: Float = 1e-2
    public static let relativeTolerance = 1e-2
    public static let absoluteTolerance = 1e-4

    /// One compared entry.
    public struct Mismatch: CustomStringConvertible {
        public let tensor: String, index: Int, analytic: Double, numeric: Double
        public var description: String { "\(tensor)[\(index)]: analytic \(analytic), numeric \(numeric)" }
    }

    /// Result over all checked tensors.
    public struct Report {
        /// Worst |a − n| / max(|n|, 1e-2) per tensor, for reporting (the pass/fail test is `mismatches`).
        public var worstRelativeError: [String: Double] = [:]
        public var mismatches: [Mismatch] = []
        public var checkedEntries = 0
        public var worst: Double { worstRelativeError.values.max() ?? 0 }
    }

    /// A tensor to perturb: its value storage and the analytic gradient the backward pass produced.
    public struct Target {
        public let name: String
        public let values: UnsafeMutablePointer<Float>
        public let count: Int
        public let analytic: [Float]
        public init(name: String, values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float]) {
            self.name = name; self.values = values; self.count = count; self.analytic = analytic
        }
    }

    /// Compares each target's analytic gradient with the numeric derivative of `loss`.
    /// `entries` limits how many entries per tensor are probed (spread evenly), nil = all.
    public static func compare(_ targets: [Target], entries: Int? = nil, loss: () -> Double) -> Report {
        var report = Report()
        for target in targets {
            var worst = 0.0
            let stride = max(1, entries.map { target.count / max($0, 1) } ?? 1)
            var k = 0
            while k < target.count {
                let original = target.values[k]
                func at(_ delta: Float) -> Double { target.values[k] = original + delta; return loss() }
                let h = step
                let numeric = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * Double(h))
                target.values[k] = original
                let analytic = Double(target.analytic[k])
                let diff = abs(analytic - numeric)
                worst = max(worst, diff / max(abs(numeric), 1e-2))
                if diff > relativeTolerance * abs(numeric) + absoluteTolerance {
                    report.mismatches.append(Mismatch(tensor: target.name, index: k, analytic: analytic, numeric: numeric))
                }
                report.checkedEntries += 1
                k += stride
            }
            report.worstRelativeError[target.name] = worst
        }
        return report
    }

    /// Checks every parameter of `model` (and, for dense input, the input features) against the mean
    /// cross-entropy of `batch` with `labels`. A model with dropout restarts its generator before every
    /// forward, so each pass drops the same values (a fixed mask) and the loss is a smooth function.
    public static func check(model: any SequenceModel, batch: SequenceBatch, labels: [Int], entries: Int? = nil) -> Report {
        var batch = batch
        let dropoutStart = model.dropoutRNG
        model.tracksInputGradient = true
        model.parameters.zeroGrad()
        model.accumulateGradients(batch, labels: labels)
        var targets = model.parameters.map {
            Target(name: $0.name, values: $0.pointer, count: $0.count, analytic: $0.gradient)
        }
        // Dense input: perturb the features themselves, held in a buffer the loss closure reads.
        var features: UnsafeMutablePointer<Float>? = nil
        if case .features(let values, let F) = batch.input, let g = model.inputGradient {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
            p.initialize(from: values, count: values.count)
            features = p
            targets.append(Target(name: "input.features", values: p, count: values.count, analytic: g.data))
            _ = F
        }
        defer { features?.deallocate() }
        let report = compare(targets, entries: entries) {
            if let features, case .features(let values, let F) = batch.input {
                batch = SequenceBatch(features: Array(UnsafeBufferPointer(start: features, count: values.count)),
                                      featureCount: F, lengths: batch.lengths, length: batch.length)
            }
            if dropoutStart != nil { model.dropoutRNG = dropoutStart }
            return CrossEntropy.loss(logits: model.forward(batch), labels: labels)
        }
        return report
    }
}
