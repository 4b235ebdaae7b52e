import Foundation
import XCTest
import SeqHDF5

/// Reads the h5py-written reference file used by the model tests, in place.
final class HDF5ReferenceFileTests: HDF5TestCase {
    private var referencePath: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("SeqModelsTests/Resources/torch_reference.h5")
            .path
    }

    func testReadsH5pyWrittenReferenceFile() throws {
        let file = referencePath
        guard FileManager.default.fileExists(atPath: file) else {
            throw XCTSkip("reference file not found at \(file)")
        }
        let h5 = try HDF5File.open(file)
        XCTAssertEqual(try h5.root.stringAttribute("format"), "seqbench.reference")
        XCTAssertTrue(try h5.root.childNames().contains("bilstm_attention_dense_2layer"))

        let model = try h5.root.group("bilstm_attention_dense_2layer")
        XCTAssertEqual(try model.stringAttribute("model"), "bilstm_attention")
        XCTAssertEqual(try model.intAttribute("hidden"), 6)
        XCTAssertEqual(try model.attributeValue("model"), .string("bilstm_attention"))

        // float64 dataset
        let logits = try model.read("expected/logits", as: Double.self)
        XCTAssertEqual(logits.shape, [4, 3])
        XCTAssertEqual(logits.values[0], -0.15918125974464625)
        XCTAssertEqual(logits.values[2], -0.21391741360892674)
        XCTAssertEqual(try model.read("expected/loss", as: Double.self, expectedShape: []).scalar,
                       1.1348666117816952)
        XCTAssertEqual(try model.datasetInfo("expected/logits").typeDescription, "float64")

        // int32 datasets
        XCTAssertEqual(try model.read("labels", as: Int32.self), HDF5Array(shape: [4], values: [1, 1, 1, 2]))
        XCTAssertEqual(try model.read("lengths", as: Int32.self).values, [7, 3, 5, 1])
        let tokens = try h5.root.read("bilstm_tokens/tokens", as: Int32.self)
        XCTAssertEqual(tokens.shape, [4, 7])
        XCTAssertEqual(Array(tokens.values.prefix(7)), [6, 7, 3, 4, 10, 2, 5])
        XCTAssertEqual(try h5.root.datasetInfo("bilstm_tokens/tokens").typeDescription, "int32")
        try h5.close()
    }
}
