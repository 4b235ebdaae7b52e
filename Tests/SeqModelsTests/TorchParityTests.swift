import Foundation
import SeqModels
import SeqTensor
import TestSupport
import XCTest

/// Parity with PyTorch: PyTorch's float64 logits, loss, attention weights and every parameter
/// gradient for the same weights and batch (variable lengths, packed-sequence semantics).
final class TorchParityTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/torch_reference.h5").path

    func testEveryBuiltInCaseMatchesPyTorch() throws {
        let cases = try TorchReferenceCase.load(Self.fixture)
        let builtIn = cases.filter { ModelRegistry.names.contains($0.model) }
        XCTAssertEqual(builtIn.map(\.name).sorted(), ["bilstm_attention_dense_2layer", "bilstm_attention_tokens",
                                                      "bilstm_tokens", "lstm_tokens_2layer", "rnn_tokens"])
        for c in builtIn {
            let model = try ModelRegistry.make(c.model, config: c.config, seed: 0)
            XCTAssertEqual(Set(model.parameters.map(\.name)), Set(c.parameters.keys), "\(c.name): parameter names")
            for p in model.parameters {
                let reference = try XCTUnwrap(c.parameters[p.name])
                XCTAssertEqual(p.shape, reference.shape, "\(c.name): shape of \(p.name)")
                p.values = reference.values
            }
            model.parameters.zeroGrad()
            let logits = model.forward(c.batch)
            var dLogits: Tensor? = Tensor(zeros: [0])
            let loss = CrossEntropy.lossAndGradient(logits: logits, labels: c.labels, dlogits: &dLogits)
            model.backward(dLogits!)

            XCTAssertEqual(logits.shape, c.logits.shape)
            let logitError = zip(logits.data, c.logits.values).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThanOrEqual(logitError, 1e-5, "\(c.name): logits")
            XCTAssertEqual(loss, c.loss, accuracy: 1e-5, "\(c.name): loss")
            var attentionError = 0.0
            if let expected = c.attention {
                let got = try XCTUnwrap(model.attentionWeights, "\(c.name): attention weights")
                attentionError = zip(got.data, expected.values).map { abs(Double($0) - $1) }.max()!
                XCTAssertLessThanOrEqual(attentionError, 1e-5, "\(c.name): attention")
            }
            // Gradients: relative error with an absolute floor of 1e-2 in the denominator (i.e. 1e-6 absolute).
            var worstGradient = 0.0, worstName = ""
            for p in model.parameters {
                let expected = try XCTUnwrap(c.gradients[p.name])
                for (a, e) in zip(p.gradient, expected.values) {
                    let error = abs(Double(a) - e) / max(abs(e), 1e-2)
                    if error > worstGradient { worstGradient = error; worstName = p.name }
                }
            }
            XCTAssertLessThanOrEqual(worstGradient, 1e-4, "\(c.name): gradient of \(worstName)")
            print("parity \(c.name): logits \(logitError), loss \(abs(loss - c.loss)), attention \(attentionError), "
                  + "gradients \(worstGradient) (\(worstName))")
        }
    }
}
