import Foundation
import SeqHDF5
import SeqModels
import SeqTensor
import SeqTrain
import XCTest

/// Optimizers, learning-rate schedules and dropout against what PyTorch computed
/// (`scripts/make_training_reference.py`, torch 2.15.0, written into `Resources/training_reference.h5`).
final class TorchTrainingReferenceTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/training_reference.h5").path
    static let tolerance = 1e-6

    private func group(_ name: String, _ body: (HDF5Group) throws -> Void) throws {
        let file = try HDF5File.open(Self.fixture)
        defer { try? file.close() }
        try body(file.root.group(name))
    }

    /// Runs the fixture's gradients through `optimizer` and returns the largest |ours − PyTorch's| over all steps.
    private func optimizerDifference(_ name: String, _ make: (HDF5Group) throws -> any Optimizer) throws -> Double {
        var worst = 0.0
        try group(name) { g in
            let params0 = try g.read("params0", as: Float.self).values
            let grads = try g.read("grads", as: Float.self), expected = try g.read("params", as: Float.self)
            let n = params0.count, steps = grads.shape[0]
            XCTAssertEqual(steps, 20)
            let p = Parameter(name: "w", shape: [n])
            p.values = params0
            let optimizer = try make(g)
            for t in 0..<steps {
                p.gradient = Array(grads.values[t * n..<(t + 1) * n])
                optimizer.step([p])
                for i in 0..<n { worst = max(worst, abs(Double(p.values[i]) - Double(expected.values[t * n + i]))) }
            }
        }
        return worst
    }

    func testAdamWMatchesPyTorch() throws {
        let difference = try optimizerDifference("adamw") { g in
            Adam.adamW(learningRate: Float(try g.doubleAttribute("lr")), weightDecay: Float(try g.doubleAttribute("weight_decay")))
        }
        print("adamw: max |ours − torch| over 20 steps = \(difference)")
        XCTAssertLessThanOrEqual(difference, Self.tolerance)
    }

    func testAdamL2WeightDecayMatchesPyTorch() throws {
        let difference = try optimizerDifference("adam_l2") { g in
            Adam(learningRate: Float(try g.doubleAttribute("lr")), weightDecay: Float(try g.doubleAttribute("weight_decay")))
        }
        print("adam (weight_decay): max |ours − torch| over 20 steps = \(difference)")
        XCTAssertLessThanOrEqual(difference, Self.tolerance)
    }

    func testSGDWeightDecayWithMomentumMatchesPyTorch() throws {
        let difference = try optimizerDifference("sgd_wd") { g in
            SGD(learningRate: Float(try g.doubleAttribute("lr")), momentum: Float(try g.doubleAttribute("momentum")),
                weightDecay: Float(try g.doubleAttribute("weight_decay")))
        }
        print("sgd (momentum, weight_decay): max |ours − torch| over 20 steps = \(difference)")
        XCTAssertLessThanOrEqual(difference, Self.tolerance)
    }

    /// Largest |ours − PyTorch's| between the fixture's rates and `rate(t)` for t = 0 … 19.
    private func rateDifference(_ name: String, _ rate: (HDF5Group, Int) throws -> Double) throws -> Double {
        var worst = 0.0
        try group(name) { g in
            let expected = try g.read("lr", as: Double.self).values
            XCTAssertEqual(expected.count, 20)
            for (t, want) in expected.enumerated() { worst = max(worst, abs(try rate(g, t) - want)) }
        }
        return worst
    }

    func testStepScheduleMatchesStepLR() throws {
        let difference = try rateDifference("step_lr") { g, epoch in
            let s = LearningRateScheduler(.step(stepSize: try g.intAttribute("step_size"), gamma: try g.doubleAttribute("gamma")),
                                          baseRate: try g.doubleAttribute("lr"))
            return s.learningRate(step: 0, epoch: epoch, totalSteps: 1)
        }
        print("step: max |ours − torch| = \(difference)")
        XCTAssertLessThanOrEqual(difference, Self.tolerance * 1e-6)   // same products in Double: equal
    }

    func testWarmupCosineMatchesLambdaLR() throws {
        let difference = try rateDifference("cosine") { g, step in
            let s = LearningRateScheduler(.cosine(warmupSteps: try g.intAttribute("warmup_steps"), minLR: try g.doubleAttribute("min_lr")),
                                          baseRate: try g.doubleAttribute("lr"))
            return s.learningRate(step: step, epoch: 0, totalSteps: try g.intAttribute("total_steps"))
        }
        print("cosine: max |ours − torch| = \(difference)")
        XCTAssertLessThanOrEqual(difference, Self.tolerance * 1e-6)
    }

    func testPlateauMatchesReduceLROnPlateauInBothModes() throws {
        for name in ["plateau_min", "plateau_max"] {
            var scheduler: LearningRateScheduler?
            let difference = try rateDifference(name) { g, epoch in
                if epoch == 0 {
                    scheduler = LearningRateScheduler(
                        .plateau(factor: try g.doubleAttribute("factor"), patience: try g.intAttribute("patience"),
                                 threshold: try g.doubleAttribute("threshold"), minLR: try g.doubleAttribute("min_lr"),
                                 maximize: try g.stringAttribute("mode") == "max"),
                        baseRate: try g.doubleAttribute("lr"))
                }
                scheduler!.endEpoch(metric: try g.read("metrics", as: Double.self).values[epoch])
                return scheduler!.learningRate(step: 0, epoch: epoch + 1, totalSteps: 1)
            }
            print("\(name): max |ours − torch| = \(difference)")
            XCTAssertLessThanOrEqual(difference, Self.tolerance * 1e-6)
            // The case must reach the floor, so min_lr is exercised.
            XCTAssertEqual(scheduler!.state.learningRate, 2.6e-4)
        }
    }

    func testDropoutForwardAndBackwardMatchPyTorchWithItsMask() throws {
        try group("dropout") { g in
            let x = try g.read("x", as: Float.self).values, dy = try g.read("dy", as: Float.self).values
            let keep = try g.read("mask", as: Int32.self).values.map { $0 != 0 }
            let wantY = try g.read("y", as: Float.self).values, wantDx = try g.read("dx", as: Float.self).values
            let dropout = Dropout(p: try g.doubleAttribute("p"))
            dropout.setMask(keep)
            var y = [Float](repeating: .nan, count: x.count), dx = y
            dropout.forward(y: &y, x: x, count: x.count)
            dropout.backward(dx: &dx, dy: dy, count: dy.count)
            let dyDiff = zip(y, wantY).map { abs($0 - $1) }.max()!, dxDiff = zip(dx, wantDx).map { abs($0 - $1) }.max()!
            print("dropout: max |ours − torch| forward \(dyDiff), backward \(dxDiff)")
            // The same float32 products as PyTorch's kernel: bit-identical.
            XCTAssertEqual(y, wantY)
            XCTAssertEqual(dx, wantDx)
            XCTAssertTrue(keep.contains(false) && keep.contains(true), "the fixture's mask must drop some values and keep others")
        }
    }
}
