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
            let report = c.parity(of: try ModelRegistry.make(c.model, config: c.config, seed: 0))
            XCTAssertTrue(report.passes, "\(c.name): \(report)")
            print("parity \(c.name): \(report)")
        }
    }
}
