import SeqModels
import SeqTensor
import TestSupport
import XCTest

/// Properties every registered model must have. The tests iterate over `ModelRegistry.all`,
/// so a newly registered model is covered without touching this file.
final class RegistryConformanceTests: XCTestCase {
    let inputs: [ModelConfig.InputKind] = [.tokens, .dense]

    func testBuiltInNames() {
        XCTAssertEqual(Array(ModelRegistry.names.prefix(4)), ["rnn", "lstm", "bilstm", "bilstm_attention"])
        XCTAssertThrowsError(try ModelRegistry.make("transformer", config: ModelConfig(), seed: 1)) { error in
            XCTAssertEqual("\(error)", "unknown model 'transformer'; expected one of: \(ModelRegistry.names.joined(separator: ", "))")
        }
    }

    func testBuiltInsDeclareOrderStyleAndRoles() throws {
        let builtIn = ModelRegistry.all.prefix(4)
        XCTAssertEqual(builtIn.map(\.order), [0, 1, 2, 3])
        XCTAssertEqual(builtIn.map(\.style), [ModelStyle(color: "#0072B2", marker: .circle),
                                              ModelStyle(color: "#E69F00", marker: .square),
                                              ModelStyle(color: "#009E73", marker: .triangle),
                                              ModelStyle(color: "#D55E00", marker: .diamond)])
        XCTAssertEqual(builtIn.map(\.roles.noAttentionCounterpart), [nil, nil, nil, "bilstm"])
    }

    /// Every registered model: a declared counterpart is another registered model, and a style is `#RRGGBB`.
    func testRolesNameRegisteredModelsAndStylesAreColours() {
        for d in ModelRegistry.all {
            if let twin = d.roles.noAttentionCounterpart {
                XCTAssertNotEqual(twin, d.name)
                XCTAssertNotNil(ModelRegistry.entry(named: twin), "\(d.name): counterpart '\(twin)' is not registered")
            }
            let color = d.resolvedStyle.color
            XCTAssertTrue(color.count == 7 && color.first == "#" && color.dropFirst().allSatisfy(\.isHexDigit), "\(d.name): \(color)")
        }
    }

    func testPluginDescriptorDefaultsAndFallbackStyle() {
        // A plugin written before order, style and roles existed still compiles and gets defaults.
        let plugin = ModelDescriptor(name: "plugin", summary: "a plugin") { config, rng in
            LSTMModel.descriptor.make(config, &rng)
        }
        XCTAssertEqual(plugin.order, ModelDescriptor.defaultOrder)
        XCTAssertGreaterThan(plugin.order, 3, "after the built-ins")
        XCTAssertNil(plugin.style)
        XCTAssertNil(plugin.roles.noAttentionCounterpart)
        XCTAssertEqual(plugin.resolvedStyle, ModelStyle.fallback(for: "plugin"))
        // FNV-1a of the UTF-8 bytes, not Hasher (seeded per process): fixed across runs and machines.
        XCTAssertEqual(ModelStyle.fallbackIndex(for: ""), Int(0xcbf2_9ce4_8422_2325 % UInt64(28)))
        XCTAssertEqual(ModelStyle.fallbackIndex(for: "gru"), 19)
        XCTAssertEqual(ModelStyle.fallbackStyles.count, 28)
        XCTAssertEqual(Set(ModelStyle.fallbackStyles).count, 28)
        let builtInColours = Set(ModelRegistry.all.prefix(4).compactMap { $0.style?.color })
        XCTAssertTrue(builtInColours.isDisjoint(with: ModelStyle.fallbackPalette), "fallbacks never look like a built-in")
        XCTAssertNil(ModelRegistry.entry(named: "no such model"))
    }

    func testParameterNamesAreUniqueAndShapesFollowPyTorch() throws {
        for d in ModelRegistry.all {
            for input in inputs {
                for layers in [1, 2] {
                    let config = Samples.config(input, layers: layers)
                    let model = try ModelRegistry.make(d.name, config: config, seed: 1)
                    let names = model.parameters.map(\.name)
                    XCTAssertEqual(Set(names).count, names.count, "\(d.name): duplicate parameter names \(names)")
                    try assertPyTorchShapes(model, name: d.name)
                }
            }
        }
    }

    /// Shapes implied by PyTorch's conventions for the module names (docs/models.md, "Parameters").
    private func assertPyTorchShapes(_ model: any SequenceModel, name: String) throws {
        let c = model.config
        let shapes = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.shape) })
        let hasReverse = shapes.keys.contains { $0.hasSuffix("_reverse") }
        let directions = hasReverse ? 2 : 1
        let gates = try XCTUnwrap(shapes["rnn.weight_hh_l0"]?[0]) / c.hidden
        XCTAssertEqual(shapes["embedding.weight"], c.input == .tokens ? [c.vocab, c.embedDim] : nil, name)
        for k in 0..<c.layers {
            for suffix in hasReverse ? ["", "_reverse"] : [""] {
                let inputWidth = k == 0 ? c.inputWidth : directions * c.hidden
                XCTAssertEqual(shapes["rnn.weight_ih_l\(k)\(suffix)"], [gates * c.hidden, inputWidth], name)
                XCTAssertEqual(shapes["rnn.weight_hh_l\(k)\(suffix)"], [gates * c.hidden, c.hidden], name)
                XCTAssertEqual(shapes["rnn.bias_ih_l\(k)\(suffix)"], [gates * c.hidden], name)
                XCTAssertEqual(shapes["rnn.bias_hh_l\(k)\(suffix)"], [gates * c.hidden], name)
            }
        }
        let width = directions * c.hidden
        XCTAssertEqual(shapes["classifier.weight"], [c.classes, width], name)
        XCTAssertEqual(shapes["classifier.bias"], [c.classes], name)
        if shapes["attention.v"] != nil {
            XCTAssertEqual(shapes["attention.proj.weight"], [c.attentionDim, width], name)
            XCTAssertEqual(shapes["attention.proj.bias"], [c.attentionDim], name)
            XCTAssertEqual(shapes["attention.v"], [c.attentionDim], name)
        }
        let expectedCount = (c.input == .tokens ? 1 : 0) + 4 * directions * c.layers + 2 + (shapes["attention.v"] != nil ? 3 : 0)
        XCTAssertEqual(shapes.count, expectedCount, "\(name): unexpected parameters \(shapes.keys.sorted())")
    }

    /// Changing inputs at or past a sequence's length changes neither outputs nor gradients.
    func testPaddingInvariance() throws {
        for d in ModelRegistry.all {
            for input in inputs {
                let config = Samples.config(input, layers: 2)
                let model = try ModelRegistry.make(d.name, config: config, seed: 2)
                model.tracksInputGradient = true
                let batch = Samples.batch(for: config, seed: 1)
                var scrambled = Samples.batch(for: config, seed: 99)   // different content everywhere…
                scrambled = copyValidSteps(from: batch, into: scrambled)   // …except on valid steps
                let labels = Samples.labels(count: batch.batchSize, classes: config.classes)
                let (logitsA, gradsA, inputGradA, attentionA) = run(model, batch, labels)
                let (logitsB, gradsB, inputGradB, attentionB) = run(model, scrambled, labels)
                XCTAssertEqual(logitsA, logitsB, "\(d.name) \(input): padding changed the logits")
                XCTAssertEqual(gradsA, gradsB, "\(d.name) \(input): padding changed the gradients")
                XCTAssertEqual(attentionA, attentionB, "\(d.name) \(input): padding changed the attention")
                if input == .dense {
                    let g = try XCTUnwrap(inputGradB)
                    XCTAssertEqual(inputGradA, g, "\(d.name): padding changed the input gradient")
                    // …and the gradient on padding positions is exactly zero.
                    for (b, len) in batch.lengths.enumerated() {
                        for t in len..<batch.length {
                            for f in 0..<config.features {
                                XCTAssertEqual(g.data[(b * batch.length + t) * config.features + f], 0)
                            }
                        }
                    }
                }
                if let attention = attentionA {
                    for (b, len) in batch.lengths.enumerated() {
                        let row = attention.data[(b * batch.length)..<((b + 1) * batch.length)]
                        XCTAssertEqual(row.prefix(len).reduce(0, +), 1, accuracy: 1e-5, "\(d.name): weights sum to 1")
                        XCTAssertTrue(row.dropFirst(len).allSatisfy { $0 == 0 }, "\(d.name): no weight on padding")
                    }
                }
            }
        }
    }

    /// A sequence's logits are the same alone and inside a padded batch (to 1e-5).
    func testBatchInvariance() throws {
        for d in ModelRegistry.all {
            for input in inputs {
                let config = Samples.config(input, layers: 2)
                let model = try ModelRegistry.make(d.name, config: config, seed: 4)
                let batch = Samples.batch(for: config, lengths: [3, 5, 1, 4, 5, 2], length: 7, seed: 5)
                let together = model.forward(batch)
                for b in 0..<batch.batchSize {
                    let len = batch.lengths[b]
                    // Alone, and alone with the padding trimmed away.
                    for single in [batch.selecting([b]), trimmed(batch.selecting([b]), to: len)] {
                        let alone = model.forward(single)
                        for c in 0..<config.classes {
                            XCTAssertEqual(alone.data[c], together.data[b * config.classes + c], accuracy: 1e-5,
                                           "\(d.name) \(input): sequence \(b) differs alone")
                        }
                    }
                }
            }
        }
    }

    /// `infer` skips only what backward reads: the same logits and attention weights as `forward`, bit for
    /// bit, on every step path (a batch split by sequences, one and two sequences sharing steps by units,
    /// both directions side by side), and a training step after it still gets `forward`'s gradients.
    func testInferGivesForwardsResultsBitForBit() throws {
        for d in ModelRegistry.all {
            for input in inputs {
                let config = Samples.config(input, layers: 2)
                let model = try ModelRegistry.make(d.name, config: config, seed: 6)
                for lengths in [[3, 5, 1, 4, 5, 2, 6, 6], [4, 6], [5]] {
                    let batch = Samples.batch(for: config, lengths: lengths, length: 7, seed: 7)
                    let trained = model.forward(batch)
                    let trainedAttention = model.attentionWeights
                    let inferred = model.infer(batch)
                    XCTAssertEqual(trained.data, inferred.data, "\(d.name) \(input) lengths \(lengths)")
                    XCTAssertEqual(trainedAttention?.data, model.attentionWeights?.data, "\(d.name) attention")
                }
                // forward → backward, and forward → infer → forward → backward: the same gradients.
                let batch = Samples.batch(for: config, lengths: [3, 5, 1, 4], length: 5, seed: 8)
                var gradients: [[Float]] = []
                for inferFirst in [false, true] {
                    model.parameters.zeroGrad()
                    if inferFirst { _ = model.infer(batch) }
                    let logits = model.forward(batch)
                    model.backward(Tensor(shape: logits.shape, data: logits.data.map { $0 * 0.5 - 0.1 }))
                    gradients.append(model.parameters.flatMap(\.gradient))
                }
                XCTAssertEqual(gradients[0], gradients[1], "\(d.name) \(input): gradients after infer")
                XCTAssertTrue(gradients[0].contains { $0 != 0 })
            }
        }
    }

    func testAttentionWeightsExposedOnlyByAttentionModels() throws {
        for d in ModelRegistry.all {
            let config = Samples.config(.tokens, layers: 1)
            let model = try ModelRegistry.make(d.name, config: config, seed: 1)
            let batch = Samples.batch(for: config)
            _ = model.forward(batch)
            let isAttention = model.parameters.contains { $0.name.hasPrefix("attention.") }
            XCTAssertEqual(model.attentionWeights != nil, isAttention, d.name)
            if let w = model.attentionWeights { XCTAssertEqual(w.shape, [batch.batchSize, batch.length]) }
        }
    }

    func testSameSeedSameWeightsDifferentSeedDifferentWeights() throws {
        for d in ModelRegistry.all {
            let config = Samples.config(.tokens, layers: 1)
            let a = try ModelRegistry.make(d.name, config: config, seed: 5).parameters.map(\.values)
            let b = try ModelRegistry.make(d.name, config: config, seed: 5).parameters.map(\.values)
            let c = try ModelRegistry.make(d.name, config: config, seed: 6).parameters.map(\.values)
            XCTAssertEqual(a, b, d.name)
            XCTAssertNotEqual(a, c, d.name)
        }
    }

    func testEmbeddingPaddingRowIsZeroAndGetsNoGradient() throws {
        for d in ModelRegistry.all {
            let config = Samples.config(.tokens, layers: 1)
            let model = try ModelRegistry.make(d.name, config: config, seed: 1)
            let embedding = try XCTUnwrap(model.parameters[named: "embedding.weight"])
            XCTAssertTrue(embedding.values.prefix(config.embedDim).allSatisfy { $0 == 0 })
            // A batch whose valid steps include id 0 explicitly.
            let batch = SequenceBatch(tokens: [0, 2, 3, 0, 1, 0], lengths: [3, 2], length: 3)
            _ = run(model, batch, [0, 1])
            XCTAssertTrue(embedding.gradient.prefix(config.embedDim).allSatisfy { $0 == 0 }, d.name)
            XCTAssertTrue(embedding.gradient.dropFirst(config.embedDim).contains { $0 != 0 }, d.name)
        }
    }

    // MARK: helpers

    private func run(_ model: any SequenceModel, _ batch: SequenceBatch, _ labels: [Int])
        -> (Tensor, [[Float]], Tensor?, Tensor?) {
        model.parameters.zeroGrad()
        let logits = model.forward(batch)
        var d: Tensor? = Tensor(zeros: [0])
        _ = CrossEntropy.lossAndGradient(logits: logits, labels: labels, dlogits: &d)
        let attention = model.attentionWeights
        model.backward(d!)
        return (logits, model.parameters.map(\.gradient), model.inputGradient, attention)
    }

    private func copyValidSteps(from source: SequenceBatch, into target: SequenceBatch) -> SequenceBatch {
        let T = source.length
        switch (source.input, target.input) {
        case (.tokens(let a), .tokens(var b)):
            for (i, len) in source.lengths.enumerated() { for t in 0..<len { b[i * T + t] = a[i * T + t] } }
            return SequenceBatch(tokens: b, lengths: source.lengths, length: T)
        case (.features(let a, let F), .features(var b, _)):
            for (i, len) in source.lengths.enumerated() {
                for k in 0..<(len * F) { b[i * T * F + k] = a[i * T * F + k] }
            }
            return SequenceBatch(features: b, featureCount: F, lengths: source.lengths, length: T)
        default: fatalError("mismatched inputs")
        }
    }

    private func trimmed(_ single: SequenceBatch, to length: Int) -> SequenceBatch {
        switch single.input {
        case .tokens(let ids): return SequenceBatch(tokens: Array(ids.prefix(length)), lengths: [length], length: length)
        case .features(let x, let F):
            return SequenceBatch(features: Array(x.prefix(length * F)), featureCount: F, lengths: [length], length: length)
        }
    }
}
