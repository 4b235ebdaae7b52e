@testable import SeqModels
import SeqTensor
import TestSupport
import XCTest

/// The dropout layer on its own (gradients with a fixed mask, mask statistics, exact scaling) and wired into
/// every built-in model (gradients through all three dropouts, training-only, off by default).
final class DropoutTests: XCTestCase {
    /// L = Σ w ⊙ dropout(x) with the mask held fixed: d L / d x = w ⊙ mask, checked by finite differences.
    func testGradientWithAFixedMaskMatchesFiniteDifferences() {
        var rng = SeededRNG(seed: 5, stream: "dropout-test")
        let n = 40
        let x = Parameter(name: "x", shape: [n]), w = Parameter(name: "w", shape: [n])
        x.initUniform(bound: 1, rng: &rng)
        w.initUniform(bound: 1, rng: &rng)
        let dropout = Dropout(p: 0.4)
        dropout.drawMask(count: n, rng: &rng)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: n); defer { y.deallocate() }
        dropout.forward(y: y, x: x.pointer, count: n)
        dropout.backward(dx: x.gradPointer, dy: w.pointer, count: n)
        let report = GradientCheck.compare([.init(name: "x", values: x.pointer, count: n, analytic: x.gradient)]) {
            dropout.forward(y: y, x: x.pointer, count: n)
            return (0..<n).reduce(0.0) { $0 + Double(y[$1]) * Double(w.pointer[$1]) }
        }
        XCTAssertEqual(report.mismatches.count, 0, "\(report.mismatches.prefix(5))")
        XCTAssertEqual(report.checkedEntries, n)
        // Dropped entries have a zero gradient, kept ones w / (1 − p): the mask is not trivial.
        XCTAssertTrue(x.gradient.contains(0) && x.gradient.contains { $0 != 0 })
        print("dropout: worst relative error \(report.worst) over \(report.checkedEntries) entries")
    }

    /// The kept fraction is 1 − p within 5 binomial standard deviations, and every kept value is x / (1 − p)
    /// as float32 computes it.
    func testKeepRateAndScaling() {
        let n = 200_000
        var rng = SeededRNG(seed: 9, stream: "dropout-test")
        let x = (0..<n).map { _ in rng.uniform(-2, 2) }
        for p in [0.1, 0.5, 0.8] {
            let dropout = Dropout(p: p)
            dropout.drawMask(count: n, rng: &rng)
            var y = [Float](repeating: .nan, count: n)
            dropout.forward(y: &y, x: x, count: n)
            let kept = dropout.maskValues.filter { $0 != 0 }.count
            let bound = 5 * (p * (1 - p) / Double(n)).squareRoot()
            XCTAssertEqual(Double(kept) / Double(n), 1 - p, accuracy: bound, "p = \(p)")
            let scale = 1 / Float(1 - p)
            XCTAssertEqual(Set(dropout.maskValues), [0, scale], "p = \(p)")
            for i in 0..<n { XCTAssertEqual(y[i], dropout.maskValues[i] == 0 ? 0 : x[i] * scale) }
        }
    }

    private func droppingConfig(_ input: ModelConfig.InputKind) -> ModelConfig {
        var config = Samples.config(input, layers: 2)
        config.embedDropout = 0.2; config.layerDropout = 0.3; config.outputDropout = 0.25
        return config
    }

    /// Every built-in model with all three dropouts on, both input kinds, two layers: every parameter and
    /// the dense input against finite differences (each forward drawing the same masks).
    func testEveryModelWithDropoutMatchesFiniteDifferences() throws {
        for descriptor in ModelRegistry.builtIn {
            for input in [ModelConfig.InputKind.tokens, .dense] {
                let config = droppingConfig(input)
                let model = try ModelRegistry.make(descriptor.name, config: config, seed: 3)
                XCTAssertNotNil(model.dropoutRNG)
                let batch = Samples.batch(for: config)
                let report = GradientCheck.check(model: model, batch: batch,
                                                 labels: Samples.labels(count: batch.batchSize, classes: config.classes))
                XCTAssertEqual(report.mismatches.count, 0, "\(descriptor.name) \(input): \(report.mismatches.prefix(5))")
                XCTAssertGreaterThan(report.checkedEntries, model.parameterCount - 1)
            }
        }
    }

    /// Training passes drop (two passes draw different masks); `infer` never does and equals the same weights
    /// without dropout; and with every probability 0 a model has no dropout stream at all.
    func testDropoutOnlyWhileTrainingAndOffByDefault() throws {
        for descriptor in ModelRegistry.builtIn {
            let config = droppingConfig(.tokens)
            var plainConfig = config
            plainConfig.embedDropout = 0; plainConfig.layerDropout = 0; plainConfig.outputDropout = 0
            let model = try ModelRegistry.make(descriptor.name, config: config, seed: 4)
            let plain = try ModelRegistry.make(descriptor.name, config: plainConfig, seed: 4)
            XCTAssertNil(plain.dropoutRNG, descriptor.name)
            XCTAssertEqual(model.parameters.map(\.values), plain.parameters.map(\.values), "dropout draws nothing at init")
            let batch = Samples.batch(for: config)
            XCTAssertEqual(model.infer(batch), plain.infer(batch), descriptor.name)
            let first = model.forward(batch), second = model.forward(batch)
            XCTAssertNotEqual(first, plain.forward(batch), descriptor.name)
            XCTAssertNotEqual(first, second, "\(descriptor.name): each training pass draws new masks")
        }
    }
}
