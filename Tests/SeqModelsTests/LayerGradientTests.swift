@testable import SeqModels
import SeqTensor
import TestSupport
import XCTest

/// Finite-difference checks of each layer on its own: loss L = Σ w ⊙ output with fixed random w,
/// so d L / d output = w; inputs are checked alongside the parameters.
final class LayerGradientTests: XCTestCase {
    /// Lengths 4, 1, 3, 4 → sorted 4, 4, 3, 1: steps with 4, 3, 3, 2 rows.
    let layout = PackedLayout(lengths: [4, 1, 3, 4], maxLength: 5)
    var rng = SeededRNG(seed: 42, stream: "layer-tests")

    private func randomParameter(_ name: String, _ shape: [Int]) -> Parameter {
        let p = Parameter(name: name, shape: shape)
        p.initUniform(bound: 1, rng: &rng)
        return p
    }

    private func assertPasses(_ report: GradientCheck.Report, _ label: String) {
        XCTAssertEqual(report.mismatches.count, 0, "\(label): \(report.mismatches.prefix(5))")
        XCTAssertGreaterThan(report.checkedEntries, 0)
        print("\(label): worst relative error \(report.worst) over \(report.checkedEntries) entries")
    }

    private func targets(_ parameters: [Parameter]) -> [GradientCheck.Target] {
        parameters.map { .init(name: $0.name, values: $0.pointer, count: $0.count, analytic: $0.gradient) }
    }

    private func weightedSum(_ out: UnsafePointer<Float>, _ w: Parameter) -> Double {
        (0..<w.count).reduce(0.0) { $0 + Double(out[$1]) * Double(w.pointer[$1]) }
    }

    func testLinear() {
        let layer = Linear(prefix: "", inFeatures: 5, outFeatures: 3, rng: &rng)
        let x = randomParameter("x", [4, 5]), w = randomParameter("w", [4, 3])
        let y = UnsafeMutablePointer<Float>.allocate(capacity: 12); defer { y.deallocate() }
        layer.forward(y: y, x: x.pointer, rows: 4)
        layer.backward(dx: x.gradPointer, dy: w.pointer, x: x.pointer, rows: 4)
        let report = GradientCheck.compare(targets(layer.parameters + [x])) {
            layer.forward(y: y, x: x.pointer, rows: 4)
            return weightedSum(y, w)
        }
        assertPasses(report, "linear")
    }

    func testEmbeddingLeavesPaddingRowAlone() {
        let layer = Embedding(prefix: "", vocab: 6, width: 3, rng: &rng)
        let ids: [Int32] = [1, 0, 5, 1, 3, 0, 2]
        let w = randomParameter("w", [ids.count, 3])
        let out = UnsafeMutablePointer<Float>.allocate(capacity: ids.count * 3); defer { out.deallocate() }
        layer.backward(dout: w.pointer, ids: ids, rows: ids.count)
        // Rows 1… against finite differences; row 0 (padding) is excluded: nn.Embedding(padding_idx=0)
        // deliberately gives it no gradient although the function does depend on it.
        let rows = GradientCheck.Target(name: "weight[1...]", values: layer.weight.pointer + 3, count: 15,
                                        analytic: Array(layer.weight.gradient.dropFirst(3)))
        let report = GradientCheck.compare([rows]) {
            layer.forward(out: out, ids: ids, rows: ids.count)
            return weightedSum(out, w)
        }
        assertPasses(report, "embedding")
        // Row 0 is used twice above, yet gets no gradient.
        XCTAssertEqual(Array(layer.weight.gradient.prefix(3)), [0, 0, 0])
    }

    /// Both step-product paths: W_hh packed (PanelGEMM; four sequences, and two with a small W_hh) and
    /// W_hh as stored (RowGEMV; two sequences with a W_hh counted as large).
    func testRecurrentDirections() {
        let two = PackedLayout(lengths: [2, 4], maxLength: 5)
        for layout in [layout, two] { checkRecurrentDirections(layout, label: "batch \(layout.batch), packed") }
        let large = RecurrentDirection.largeStepWeights
        RecurrentDirection.largeStepWeights = 1
        defer { RecurrentDirection.largeStepWeights = large }
        checkRecurrentDirections(two, label: "batch 2, as stored")
    }

    /// Steps shared by hidden units between two threads (the sharing threshold and the cache lowered so that
    /// H 64 splits): forward and the backward pipeline, where a step's product waits for every part's cells.
    func testRecurrentDirectionsWithStepsSplitByUnits() {
        let saved = (StepSplit.sharedStepWeights, StepSplit.cacheBytes)
        StepSplit.sharedStepWeights = 1
        StepSplit.cacheBytes = 65_536
        ComputeThreads.set(2)
        defer { (StepSplit.sharedStepWeights, StepSplit.cacheBytes) = saved; ComputeThreads.set(nil) }
        let many = PackedLayout(lengths: [5, 2, 4, 1, 5, 3, 3, 5], maxLength: 5)
        for layout in [many, self.layout] {
            XCTAssertEqual(StepSplit.plan(batch: layout.batch, hidden: 64, gates: 4, asStored: false, threads: 2),
                           StepSplit(groups: 1, unitParts: 2))
            checkRecurrentDirections(layout, hidden: 64, label: "batch \(layout.batch), split by units")
        }
    }

    private func checkRecurrentDirections(_ layout: PackedLayout, hidden: Int = 5, label: String) {
        for cell in [CellKind.rnn, .lstm] {
            for reverse in [false, true] {
                let layer = RecurrentDirection(cell: cell, layer: 0, reverse: reverse, inputSize: 3, hidden: hidden,
                                               prefix: "", rng: &rng)
                let N = layout.rows
                let x = randomParameter("x", [N, 3]), w = randomParameter("w", [N, hidden])
                let out = UnsafeMutablePointer<Float>.allocate(capacity: N * hidden); defer { out.deallocate() }
                layer.forward(out: out, ldOut: hidden, x: x.pointer, layout: layout)
                layer.backward(dx: x.gradPointer, accumulate: false, dout: w.pointer, ldDout: hidden, x: x.pointer,
                               layout: layout)
                let report = GradientCheck.compare(targets(layer.parameters + [x])) {
                    layer.forward(out: out, ldOut: hidden, x: x.pointer, layout: layout)
                    return weightedSum(out, w)
                }
                assertPasses(report, "\(cell) \(reverse ? "reverse" : "forward"), \(label)")
            }
        }
    }

    func testBidirectionalTwoLayerStack() {
        for cell in [CellKind.rnn, .lstm] {
            let stack = RecurrentStack(cell: cell, inputSize: 3, hidden: 4, layers: 2, bidirectional: true,
                                       prefix: "rnn.", rng: &rng)
            let N = layout.rows
            let x = randomParameter("x", [N, 3]), w = randomParameter("w", [N, 8])
            let top = stack.forward(x: x.pointer, layout: layout)
            _ = top
            stack.topGradient().update(from: w.pointer, count: N * 8)
            stack.backward(x: x.pointer, dx: x.gradPointer)
            let report = GradientCheck.compare(targets(stack.parameters + [x])) {
                weightedSum(stack.forward(x: x.pointer, layout: layout), w)
            }
            assertPasses(report, "bidirectional 2-layer \(cell)")
        }
    }

    func testAdditiveAttention() {
        let layer = AdditiveAttention(prefix: "", width: 6, attentionDim: 4, rng: &rng)
        let N = layout.rows, B = layout.batch
        let h = randomParameter("h", [N, 6]), w = randomParameter("w", [B, 6])
        let context = UnsafeMutablePointer<Float>.allocate(capacity: B * 6); defer { context.deallocate() }
        layer.forward(context: context, h: h.pointer, layout: layout)
        layer.backward(dh: h.gradPointer, dcontext: w.pointer, h: h.pointer, layout: layout)
        let report = GradientCheck.compare(targets(layer.parameters + [h])) {
            layer.forward(context: context, h: h.pointer, layout: layout)
            return weightedSum(context, w)
        }
        assertPasses(report, "attention")
    }

    func testCrossEntropy() {
        let logits = randomParameter("logits", [5, 4])
        let labels = [0, 3, 1, 1, 2]
        var d: Tensor? = Tensor(zeros: [0])
        _ = CrossEntropy.lossAndGradient(logits: Tensor(shape: [5, 4], data: logits.values), labels: labels, dlogits: &d)
        let target = GradientCheck.Target(name: "logits", values: logits.pointer, count: 20, analytic: d!.data)
        let report = GradientCheck.compare([target]) {
            CrossEntropy.loss(logits: Tensor(shape: [5, 4], data: logits.values), labels: labels)
        }
        assertPasses(report, "cross-entropy")
    }

    func testCrossEntropyValue() {
        // log(Σ e^x) − x_label for [1, 2, 3] with label 2: log(e + e² + e³) − 3.
        let loss = CrossEntropy.loss(logits: Tensor(shape: [1, 3], data: [1, 2, 3]), labels: [2])
        XCTAssertEqual(loss, 0.40760596444437554, accuracy: 1e-6)
        // Extreme logits stay finite and exact in log-sum-exp form.
        XCTAssertEqual(CrossEntropy.loss(logits: Tensor(shape: [1, 2], data: [0, 80]), labels: [0]), 80, accuracy: 1e-4)
    }
}

/// With one to three sequences two threads share every step by hidden units — W_hh as stored (the threshold
/// lowered so that 80 units count as large) or packed (96 units, the sharing threshold lowered); each output
/// is computed exactly as on one thread (the gradient-checked paths), so the results must be the same bits.
final class SharedStepTests: XCTestCase {
    func testThreadsSharingStepsGiveTheOneThreadResult() {
        let saved = (RecurrentDirection.largeStepWeights, StepSplit.sharedStepWeights)
        defer { (RecurrentDirection.largeStepWeights, StepSplit.sharedStepWeights) = saved }
        for (hidden, asStored) in [(80, true), (96, false)] {
            RecurrentDirection.largeStepWeights = asStored ? 1 : Int.max
            StepSplit.sharedStepWeights = asStored ? saved.1 : 1
            check(hidden: hidden, label: asStored ? "as stored" : "packed")
        }
    }

    private func check(hidden: Int, label: String) {
        let layout = PackedLayout(lengths: [5, 3], maxLength: 6)
        for cell in [CellKind.rnn, .lstm] {
            for reverse in [false, true] {
                var results: [[Float]] = []
                // Also without keeping anything for backward (inference: the state read where the previous step
                // wrote it), which must not change a bit either.
                for (threads, keep) in [(1, true), (2, true), (1, false), (2, false)] {
                    ComputeThreads.set(threads)
                    var rng = SeededRNG(seed: 9)
                    let layer = RecurrentDirection(cell: cell, layer: 0, reverse: reverse, inputSize: 3, hidden: hidden,
                                                   prefix: "", rng: &rng)
                    let x = (0..<(layout.rows * 3)).map { _ in rng.uniform(-1, 1) }
                    var out = [Float](repeating: 0, count: layout.rows * hidden)
                    layer.forward(out: &out, ldOut: hidden, x: x, layout: layout, keep: keep)
                    results.append(out)
                }
                ComputeThreads.set(nil)
                for k in 1..<results.count {
                    XCTAssertEqual(results[0], results[k], "\(label): \(cell) reverse \(reverse), run \(k)")
                }
                XCTAssertTrue(results[0].contains { $0 != 0 })
            }
        }
    }
}

/// Bias gradients: column sums of a matrix large enough (≥ 1 M entries) for the threads to split its columns.
/// Every column is summed over the rows in order whatever the split, so two threads give one thread's bits,
/// and both add onto what the output already holds.
final class ColumnSumsTests: XCTestCase {
    func testThreadsSplittingColumnsGiveTheOneThreadSums() {
        let rows = 1100, columns = 1000
        var rng = SeededRNG(seed: 12)
        let x = (0..<(rows * columns)).map { _ in rng.uniform(-1, 1) }
        var reference = [Float](repeating: 0.5, count: columns)
        for r in 0..<rows { for j in 0..<columns { reference[j] += x[r * columns + j] } }
        defer { ComputeThreads.set(nil) }
        for threads in [1, 2] {
            ComputeThreads.set(threads)
            var sums = [Float](repeating: 0.5, count: columns)
            columnSums(x, rows: rows, columns: columns, into: &sums)
            XCTAssertEqual(sums, reference, "\(threads) threads")
        }
    }
}
