import SeqModels
import SeqTensor
import TestSupport
import XCTest

/// Finite-difference gradient checks of every registered model: all parameters (the embedding
/// included) and, for dense input, the input features; variable lengths in one batch; 1 and 2 layers.
final class ModelGradientTests: XCTestCase {
    func testEveryRegisteredModelMatchesFiniteDifferences() throws {
        var summary: [String] = []
        for descriptor in ModelRegistry.all {
            for input in [ModelConfig.InputKind.tokens, .dense] {
                for layers in [1, 2] {
                    let config = Samples.config(input, layers: layers)
                    let model = try ModelRegistry.make(descriptor.name, config: config, seed: 3)
                    let batch = Samples.batch(for: config)
                    let labels = Samples.labels(count: batch.batchSize, classes: config.classes)
                    let report = GradientCheck.check(model: model, batch: batch, labels: labels)
                    let tag = "\(descriptor.name) \(input) layers=\(layers)"
                    XCTAssertEqual(report.mismatches.count, 0, "\(tag): \(report.mismatches.prefix(5))")
                    XCTAssertEqual(report.checkedEntries,
                                   model.parameterCount + (input == .dense ? batch.batchSize * batch.length * config.features : 0),
                                   "\(tag): every entry is probed")
                    summary.append("\(tag): worst relative error \(report.worst)")
                }
            }
        }
        print("gradient check summary:\n" + summary.joined(separator: "\n"))
    }

    /// Batches of 8 or more sequences take other code paths (W_hh transposed once per forward, time loops
    /// split across threads): the gradients must not change.
    func testLargeBatchPathsMatchFiniteDifferences() throws {
        for name in ["rnn", "lstm", "bilstm_attention"] {
            let config = Samples.config(.dense, layers: 2)
            let model = try ModelRegistry.make(name, config: config, seed: 8)
            let lengths = [5, 2, 4, 1, 5, 3, 3, 5, 2, 4]
            let batch = Samples.batch(for: config, lengths: lengths, length: 5)
            let labels = Samples.labels(count: lengths.count, classes: config.classes)
            let report = GradientCheck.check(model: model, batch: batch, labels: labels)
            XCTAssertEqual(report.mismatches.count, 0, "\(name): \(report.mismatches.prefix(5))")
            XCTAssertGreaterThan(report.checkedEntries, model.parameterCount)
        }
    }
}
