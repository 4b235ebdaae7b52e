import SeqModels
import SeqTensor
import TestSupport
import XCTest

/// Analytic FLOPs (what each layer says it does) equal counted FLOPs (what the GEMM and kernel
/// wrappers executed), exactly, for every registered model.
final class FlopCountTests: XCTestCase {
    func testAnalyticEqualsCountedForEveryModelAndShape() throws {
        let shapes: [(lengths: [Int], length: Int)] = [([5, 2, 4, 1], 5), ([7], 7), ([3, 3, 3], 6), ([9, 1, 6, 6, 2], 9)]
        for d in ModelRegistry.all {
            for input in [ModelConfig.InputKind.tokens, .dense] {
                for layers in [1, 2] {
                    for trackInput in [false, true] where input == .dense || !trackInput {
                        let config = Samples.config(input, layers: layers)
                        let model = try ModelRegistry.make(d.name, config: config, seed: 1)
                        model.tracksInputGradient = trackInput
                        for shape in shapes {
                            let batch = Samples.batch(for: config, lengths: shape.lengths, length: shape.length)
                            let tag = "\(d.name) \(input) layers=\(layers) lengths=\(shape.lengths)"
                            var logits = Tensor(zeros: [0])
                            let forward = FlopCounter.measure { logits = model.forward(batch) }
                            let dLogits = Tensor(shape: logits.shape, data: logits.data.map { $0 * 0.01 })
                            let backward = FlopCounter.measure { model.backward(dLogits) }
                            let analytic = model.flops(lengths: shape.lengths, maxLength: shape.length).total
                            XCTAssertEqual(analytic.forward, forward, "\(tag): forward")
                            XCTAssertEqual(analytic.backward, backward, "\(tag): backward")
                            XCTAssertGreaterThan(forward.macs, 0)
                        }
                    }
                }
            }
        }
    }

    func testPaddingCostsNothing() throws {
        let config = Samples.config(.tokens, layers: 1)
        let model = try ModelRegistry.make("bilstm_attention", config: config, seed: 1)
        let short = FlopCounter.measure { _ = model.forward(Samples.batch(for: config, lengths: [3, 2], length: 3)) }
        let padded = FlopCounter.measure { _ = model.forward(Samples.batch(for: config, lengths: [3, 2], length: 40)) }
        XCTAssertEqual(short, padded)
    }

    /// Hand count, one LSTM direction: I = 3, H = 2 (4 gates → GH = 8), lengths [2, 1] → N = 3 rows, B = 2.
    func testTinyLSTMByHand() {
        var rng = SeededRNG(seed: 1)
        let layer = RecurrentDirection(cell: .lstm, layer: 0, reverse: false, inputSize: 3, hidden: 2, prefix: "", rng: &rng)
        let layout = PackedLayout(lengths: [2, 1], maxLength: 2)
        let x = [Float](repeating: 0.5, count: 9), dout = [Float](repeating: 1, count: 6)
        var out = [Float](repeating: 0, count: 6), dx = [Float](repeating: 0, count: 9)
        let forward = FlopCounter.measure { layer.forward(out: &out, ldOut: 2, x: x, layout: layout) }
        // input projection 3·3·8 = 72, recurrent only for the one row with a previous state: 1·2·8 = 16
        // σ for i, f, o: 3·2 per row · 3 rows = 18; tanh for g and c: 2·2·3 = 12
        XCTAssertEqual(forward, FlopCount(macs: 88, sigmoid: 18, tanh: 12))
        let backward = FlopCounter.measure {
            layer.backward(dx: &dx, accumulate: false, dout: dout, ldDout: 2, x: x, layout: layout)
        }
        // dh through W_hh: 1·8·2 = 16; dW_hh: 8·2·3 = 48; dW_ih: 8·3·3 = 72; dx: 3·8·3 = 72
        XCTAssertEqual(backward, FlopCount(macs: 208))
        XCTAssertEqual(layer.flops(layout: layout, inputGradient: true), LayerFlops(forward: forward, backward: backward))
    }

    /// Hand count, attention pooling: D = 4, A = 3, lengths [2, 1] → N = 3 rows.
    func testTinyAttentionByHand() {
        var rng = SeededRNG(seed: 1)
        let layer = AdditiveAttention(prefix: "", width: 4, attentionDim: 3, rng: &rng)
        let layout = PackedLayout(lengths: [2, 1], maxLength: 2)
        let h = (0..<12).map { Float($0) * 0.1 }, dcontext = [Float](repeating: 1, count: 8)
        var context = [Float](repeating: 0, count: 8), dh = [Float](repeating: 0, count: 12)
        let forward = FlopCounter.measure { layer.forward(context: &context, h: h, layout: layout) }
        // projection 3·4·3 = 36, scores 3·3 = 9, weighted sum 3·4 = 12; tanh 3·3 = 9; exp one per row = 3
        XCTAssertEqual(forward, FlopCount(macs: 57, tanh: 9, exp: 3))
        let backward = FlopCounter.measure { layer.backward(dh: &dh, dcontext: dcontext, h: h, layout: layout) }
        // dα 3·4 = 12, dh += α dc 3·4 = 12, dv 3·3 = 9, du 3·3 = 9, dW 3·4·3 = 36, dh 3·4·3 = 36
        XCTAssertEqual(backward, FlopCount(macs: 114))
    }
}
