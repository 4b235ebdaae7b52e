import Foundation
import SeqData
import SeqModels
import SeqTensor
import SeqTrain
import TestSupport
import XCTest

final class OptimizerTests: XCTestCase {
    private func parameter(_ values: [Float], grad: [Float]) -> Parameter {
        let p = Parameter(name: "w", shape: [values.count])
        p.values = values
        p.gradient = grad
        return p
    }

    /// torch.optim.Adam's update written out in Double, step by step.
    func testAdamFollowsPyTorch() {
        let p = parameter([0.5, -1, 2], grad: [0, 0, 0])
        let adam = Adam(learningRate: 0.1)
        var w = [0.5, -1.0, 2.0], m = [0.0, 0.0, 0.0], v = [0.0, 0.0, 0.0]
        let grads: [[Float]] = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [-0.3, 0.0, 0.2]]
        for (t, g) in grads.enumerated() {
            p.gradient = g
            adam.step([p])
            let step = Double(t + 1)
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                let mHat = m[i] / (1 - pow(0.9, step)), denom = (v[i] / (1 - pow(0.999, step))).squareRoot() + 1e-8
                w[i] -= 0.1 * mHat / denom
            }
            for i in 0..<3 { XCTAssertEqual(Double(p.values[i]), w[i], accuracy: 1e-6) }
        }
        XCTAssertEqual(adam.stepCount, 3)
        for (got, want) in zip(adam.moments(of: p).m, m) { XCTAssertEqual(Double(got), want, accuracy: 1e-7) }
    }

    func testSGDWithAndWithoutMomentum() {
        let plain = parameter([1, 2], grad: [0.5, -1])
        SGD(learningRate: 0.1).step([plain])
        XCTAssertEqual(plain.values, [0.95, 2.1])
        let p = parameter([1], grad: [1])
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        sgd.step([p])            // buffer = g = 1 → w = 0.9
        p.gradient = [1]
        sgd.step([p])            // buffer = 0.9·1 + 1 = 1.9 → w = 0.9 − 0.19
        XCTAssertEqual(p.values[0], 0.71, accuracy: 1e-6)
    }

    func testGlobalNormClipping() {
        let a = parameter([0], grad: [3]), b = parameter([0, 0], grad: [0, 4])
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 1), 5, accuracy: 1e-9)
        let scale = Float(1 / (5 + 1e-6))
        XCTAssertEqual(a.gradient, [3 * scale])
        XCTAssertEqual(b.gradient, [0, 4 * scale])
        // Under the limit: untouched.
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 10), 1, accuracy: 1e-6)
        XCTAssertEqual(a.gradient, [3 * scale])
    }
}


final class TrainerTests: XCTestCase {
    let task = ContainsTokenTask(length: 12, minLength: 3, vocab: 8, trainSize: 256, validationSize: 64, testSize: 64)

    private func makeModel(_ name: String = "lstm", seed: UInt64 = 1) throws -> any SequenceModel {
        try ModelRegistry.make(name, config: ModelConfig(input: .tokens, vocab: 8, embedDim: 8, hidden: 8,
                                                         attentionDim: 8, classes: 2), seed: seed)
    }

    /// On two threads, so the parallel paths (time loops split by sequences, row-split GEMMs, optimizer
    /// chunks) are exercised even on a one-core machine.
    func testSameSeedGivesBitIdenticalWeights() throws {
        ComputeThreads.set(2)
        defer { ComputeThreads.set(nil) }
        let data = task.generate(seed: 3)
        var runs: [[[Float]]] = []
        for _ in 0..<2 {
            let model = try makeModel("bilstm_attention")
            try Trainer(model: model, config: TrainConfig(epochs: 2, batchSize: 16, patience: 0), seed: 3).fit(data)
            runs.append(model.parameters.map(\.values))
        }
        XCTAssertEqual(runs[0], runs[1])
    }

    func testEndsWithTheBestValidationEpochsWeights() throws {
        let data = task.generate(seed: 4)
        let model = try makeModel()
        // A high learning rate makes validation accuracy move around between epochs.
        let trainer = Trainer(model: model, config: TrainConfig(epochs: 6, batchSize: 16, learningRate: 0.05, patience: 0), seed: 4)
        var accuracies: [Double] = []
        try trainer.fit(data) { r, _ in accuracies.append(r.validationAccuracy) }
        XCTAssertEqual(accuracies.count, 6)
        XCTAssertEqual(trainer.bestValidationAccuracy, accuracies.max())
        XCTAssertEqual(trainer.bestEpoch, accuracies.firstIndex(of: accuracies.max()!)! + 1)
        XCTAssertEqual(evaluate(model, on: data.validation, batchSize: 32).accuracy, trainer.bestValidationAccuracy)
    }

    func testEarlyStoppingStopsAfterPatienceEpochsWithoutImprovement() throws {
        let data = task.generate(seed: 5)
        let model = try makeModel()
        let trainer = Trainer(model: model, config: TrainConfig(epochs: 30, batchSize: 16, learningRate: 0.02, patience: 2), seed: 5)
        try trainer.fit(data)
        let h = trainer.history
        XCTAssertLessThan(h.count, 30, "a task this easy saturates well before 30 epochs")
        XCTAssertEqual(h.count, trainer.bestEpoch + 2, "stops exactly `patience` epochs after the best one")
        XCTAssertTrue(h.dropFirst(trainer.bestEpoch).allSatisfy { $0.validationAccuracy <= trainer.bestValidationAccuracy })
    }

    func testNaNLossIsReportedAsDivergence() throws {
        let data = task.generate(seed: 6)
        let model = try makeModel()
        model.parameters[named: "classifier.bias"]!.values = [.nan, 0]
        let trainer = Trainer(model: model, config: TrainConfig(epochs: 2, batchSize: 16), seed: 6)
        XCTAssertThrowsError(try trainer.fit(data)) { error in
            guard case TrainingError.diverged(let epoch, let step, let loss, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(epoch, 1); XCTAssertEqual(step, 1); XCTAssertTrue(loss.isNaN)
        }
    }

    /// A finite loss above the bound is the same hard failure as a NaN: training stops with the reason.
    func testFiniteLossAboveTheBoundIsDivergence() throws {
        let data = task.generate(seed: 6)
        let model = try makeModel()
        model.parameters[named: "classifier.bias"]!.values = [1e8, -1e8]
        let trainer = Trainer(model: model, config: TrainConfig(epochs: 2, batchSize: 16), seed: 6)
        XCTAssertThrowsError(try trainer.fit(data)) { error in
            guard case TrainingError.diverged(let epoch, let step, let loss, let bound) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(epoch, 1); XCTAssertEqual(step, 1)
            XCTAssertEqual(bound, 1000 * log(2.0), accuracy: 1e-9, "two classes")
            XCTAssertTrue(loss.isFinite && loss > bound, "\(loss)")
            XCTAssertTrue("\(error)".hasSuffix("at epoch 1, step 1 is above 693 (1000 × the loss of a uniform guess); try a lower train.lr or a train.clip"), "\(error)")
        }
        XCTAssertTrue(trainer.history.isEmpty)
    }
}
