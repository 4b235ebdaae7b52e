import Foundation
import GRUModel
import SeqHarness
import SeqModels
import SeqTensor
import TestSupport
import XCTest

/// The GRU against finite differences, its own FLOP formula and PyTorch, with seqbench's test helpers
/// (the `SeqTestSupport` product).
final class GRUTests: XCTestCase {
    static let exampleRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// seqbench's PyTorch reference file: its `gru_tokens` case is an `nn.GRU` classifier.
    static let torchReference = exampleRoot.appendingPathComponent("../../Tests/SeqModelsTests/Resources/torch_reference.h5")
        .standardizedFileURL.path

    override class func setUp() { ModelRegistry.register(GRUModel.descriptor) }

    private func make(_ input: ModelConfig.InputKind, layers: Int, seed: UInt64 = 3) throws -> any SequenceModel {
        try ModelRegistry.make("gru", config: Samples.config(input, layers: layers), seed: seed)
    }

    func testRegisteredWithPyTorchNamesAndShapes() throws {
        XCTAssertTrue(ModelRegistry.names.contains("gru"))
        XCTAssertEqual(Array(ModelRegistry.names.prefix(4)), ["rnn", "lstm", "bilstm", "bilstm_attention"], "built-ins stay first")
        let model = try make(.tokens, layers: 2)
        XCTAssertTrue(model is GRUClassifier)
        let c = model.config, H = c.hidden
        let expected: [(String, [Int])] = [
            ("embedding.weight", [c.vocab, c.embedDim]),
            ("rnn.weight_ih_l0", [3 * H, c.embedDim]), ("rnn.weight_hh_l0", [3 * H, H]),
            ("rnn.bias_ih_l0", [3 * H]), ("rnn.bias_hh_l0", [3 * H]),
            ("rnn.weight_ih_l1", [3 * H, H]), ("rnn.weight_hh_l1", [3 * H, H]),
            ("rnn.bias_ih_l1", [3 * H]), ("rnn.bias_hh_l1", [3 * H]),
            ("classifier.weight", [c.classes, H]), ("classifier.bias", [c.classes]),
        ]
        XCTAssertEqual(model.parameters.map(\.name), expected.map(\.0), "state_dict order")
        XCTAssertEqual(model.parameters.map(\.shape), expected.map(\.1))
        // PyTorch's initialisation: recurrent weights U(−1/√H, 1/√H), embedding row 0 (padding) zero.
        let bound = 1 / Float(H).squareRoot()
        for p in model.parameters where p.name.hasPrefix("rnn.") {
            XCTAssertTrue(p.values.allSatisfy { abs($0) <= bound }, p.name)
            XCTAssertGreaterThan(p.values.map(abs).max()!, bound / 2, "\(p.name) spans its range")
        }
        XCTAssertEqual(model.parameters[0].values.prefix(c.embedDim).allSatisfy { $0 == 0 }, true)
        let dense = try make(.dense, layers: 1)
        XCTAssertEqual(dense.parameters.first?.name, "rnn.weight_ih_l0")
        XCTAssertEqual(dense.parameters.first?.shape, [3 * H, c.features])
    }

    /// Every parameter entry (the embedding included) and, for dense input, every input feature; lengths
    /// 5, 2, 4, 1 in one batch; 1 and 2 layers. Tolerance and stencil: TestSupport/GradientCheck.swift.
    func testGradientsMatchFiniteDifferences() throws {
        var worst = 0.0
        for input in [ModelConfig.InputKind.tokens, .dense] {
            for layers in [1, 2] {
                let model = try make(input, layers: layers)
                let batch = Samples.batch(for: model.config)
                let labels = Samples.labels(count: batch.batchSize, classes: model.config.classes)
                let report = GradientCheck.check(model: model, batch: batch, labels: labels)
                let tag = "gru \(input) layers=\(layers)"
                XCTAssertEqual(report.mismatches.count, 0, "\(tag): \(report.mismatches.prefix(5))")
                XCTAssertEqual(report.checkedEntries,
                               model.parameterCount + (input == .dense ? batch.batchSize * batch.length * model.config.features : 0),
                               "\(tag): every entry is probed")
                print("gradient check \(tag): \(report.checkedEntries) entries, worst relative error \(report.worst)")
                worst = max(worst, report.worst)
            }
        }
        print("gradient check gru: worst relative error \(worst)")
    }

    /// What `flops(lengths:maxLength:)` says equals what the GEMM wrapper and the fused kernel counted.
    func testAnalyticFlopsEqualCounted() throws {
        let shapes: [(lengths: [Int], length: Int)] = [([5, 2, 4, 1], 5), ([7], 7), ([3, 3, 3], 6), ([9, 1, 6, 6, 2], 9)]
        for input in [ModelConfig.InputKind.tokens, .dense] {
            for layers in [1, 2] {
                for trackInput in [false, true] where input == .dense || !trackInput {
                    let model = try make(input, layers: layers, seed: 1)
                    model.tracksInputGradient = trackInput
                    for shape in shapes {
                        let batch = Samples.batch(for: model.config, lengths: shape.lengths, length: shape.length)
                        let tag = "gru \(input) layers=\(layers) input gradient \(trackInput) lengths=\(shape.lengths)"
                        var logits = Tensor(zeros: [0])
                        let forward = FlopCounter.measure { logits = model.forward(batch) }
                        let dLogits = Tensor(shape: logits.shape, data: logits.data.map { $0 * 0.01 })
                        let backward = FlopCounter.measure { model.backward(dLogits) }
                        let analytic = model.flops(lengths: shape.lengths, maxLength: shape.length)
                        XCTAssertEqual(analytic.total.forward, forward, "\(tag): forward")
                        XCTAssertEqual(analytic.total.backward, backward, "\(tag): backward")
                        XCTAssertEqual(analytic.map(\.name),
                                       (input == .tokens ? ["embedding"] : []) + (0..<layers).map { "rnn.l\($0)" } + ["classifier"])
                    }
                }
            }
        }
    }

    /// Hand count, one layer: I = 3, H = 2 (G = 3H = 6), lengths [2, 1] → N = 3 rows, B = 2.
    func testTinyLayerFlopsByHand() {
        var rng = SeededRNG(seed: 1)
        let layer = GRULayer(layer: 0, inputSize: 3, hidden: 2, prefix: "", rng: &rng)
        let layout = PackedLayout(lengths: [2, 1], maxLength: 2)
        let x = [Float](repeating: 0.5, count: 9), dout = [Float](repeating: 1, count: 6)
        var out = [Float](repeating: 0, count: 6), dx = [Float](repeating: 0, count: 9)
        let forward = FlopCounter.measure { layer.forward(out: &out, x: x, layout: layout) }
        // input projection 3·3·6 = 54, recurrent for the one row with a previous state 1·2·6 = 12;
        // σ for r, z: 2·2 per row · 3 rows = 12; tanh for n: 2·3 = 6
        XCTAssertEqual(forward, FlopCount(macs: 66, sigmoid: 12, tanh: 6))
        let backward = FlopCounter.measure { layer.backward(dx: &dx, dout: dout, ldDout: 2, x: x, layout: layout) }
        // dh through W_hh 1·6·2 = 12; dW_hh 6·2·3 = 36; dW_ih 6·3·3 = 54; dx 3·6·3 = 54
        XCTAssertEqual(backward, FlopCount(macs: 156))
        XCTAssertEqual(layer.flops(layout: layout, inputGradient: true), LayerFlops(forward: forward, backward: backward))
    }

    /// PyTorch's float64 logits, loss and every gradient for the same weights and batch (lengths 7, 3, 5, 1).
    func testMatchesPyTorch() throws {
        let cases = try TorchReferenceCase.load(Self.torchReference)
        let c = try XCTUnwrap(cases.first { $0.name == "gru_tokens" }, "torch_reference.h5 has a gru_tokens case")
        XCTAssertEqual(c.model, "gru")
        let report = c.parity(of: try ModelRegistry.make("gru", config: c.config, seed: 0))
        XCTAssertTrue(report.passes, "gru_tokens: \(report)")
        print("parity gru_tokens: \(report)")
    }

    /// Changing inputs at or past a sequence's length changes neither logits nor gradients, bit for bit.
    func testPaddingIsIgnored() throws {
        for input in [ModelConfig.InputKind.tokens, .dense] {
            let model = try make(input, layers: 2)
            model.tracksInputGradient = true
            let config = model.config
            let batch = Samples.batch(for: config, seed: 1)
            var scrambled = Samples.batch(for: config, seed: 99)
            switch (batch.input, scrambled.input) {
            case (.tokens(let a), .tokens(var b)):
                for i in 0..<batch.batchSize { for t in 0..<batch.lengths[i] { b[i * batch.length + t] = a[i * batch.length + t] } }
                scrambled = SequenceBatch(tokens: b, lengths: batch.lengths, length: batch.length)
            case (.features(let a, let F), .features(var b, _)):
                for i in 0..<batch.batchSize {
                    for t in 0..<batch.lengths[i] { for f in 0..<F { b[(i * batch.length + t) * F + f] = a[(i * batch.length + t) * F + f] } }
                }
                scrambled = SequenceBatch(features: b, featureCount: F, lengths: batch.lengths, length: batch.length)
            default: XCTFail("input kinds differ")
            }
            let labels = Samples.labels(count: batch.batchSize, classes: config.classes)
            func run(_ b: SequenceBatch) -> (Tensor, [[Float]], Tensor?) {
                model.parameters.zeroGrad()
                let logits = model.forward(b)
                var d: Tensor? = Tensor(zeros: [0])
                _ = CrossEntropy.lossAndGradient(logits: logits, labels: labels, dlogits: &d)
                model.backward(d!)
                return (logits, model.parameters.map(\.gradient), model.inputGradient)
            }
            let (logitsA, gradsA, inputA) = run(batch)
            let (logitsB, gradsB, inputB) = run(scrambled)
            XCTAssertEqual(logitsA, logitsB, "\(input): padding changed the logits")
            XCTAssertEqual(gradsA, gradsB, "\(input): padding changed the gradients")
            XCTAssertEqual(inputA, inputB, "\(input): padding changed the input gradient")
        }
    }

    /// The example's experiment config is valid for seqbench's experiment schema and plans gru and lstm runs.
    func testTinyConfigPlansAGRUAndAnLSTMRun() throws {
        let config = try ExperimentConfig.load(Self.exampleRoot.appendingPathComponent("tiny.yaml").path)
        let plan = try config.plan()
        XCTAssertEqual(plan.runs.map(\.config.model), ["gru", "lstm"])
        XCTAssertEqual(plan.runs.first?.config.train.epochs, 1)
    }
}
