import CLITestSupport
import Foundation
import SeqData
import SeqHDF5
import SeqHarness
import SeqModels
import SeqStore
import SeqTensor
import SeqTrain
import TestSupport
import XCTest

/// `inspect`, `eval` and `predict` run as a user would, on real checkpoints and on bad input.
final class StorageCommandTests: XCTestCase {
    static let dir = NSTemporaryDirectory() + "seqbench-cli-\(UUID().uuidString)"
    static var checkpoint: String { dir + "/run/best.h5" }
    static let vocab = 12   // the contains task's default vocabulary

    override class func setUp() {
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let task = try! TaskRegistry.resolve("contains", settings: ["train_size": .int(96), "val_size": .int(32),
                                                                    "test_size": .int(40), "length": .int(10)])
        let config = RunConfig(model: "bilstm_attention", modelConfig: ModelConfig(embedDim: 6, hidden: 6, attentionDim: 5),
                               task: task, train: TrainConfig(epochs: 2, batchSize: 16), seed: 2)
        let folder = RunFolder(dir + "/run")
        try! TrainingRun.execute(PlannedRun(id: "r", config: config, model: ModelEntry(name: config.model)), folder: folder,
                                 resume: false).write(to: folder.result)
        precondition(task.int("vocab") == vocab)
    }

    override class func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private var dir: String { Self.dir }

    /// One line on stderr naming the file and containing `fragment`, a non-zero exit, and no output file.
    private func assertFails(_ args: [String], naming file: String, _ fragment: String, noFile output: String? = nil,
                             line: UInt = #line) throws {
        let r = try CLI.run(args)
        XCTAssertNotEqual(r.status, 0, "exit status", line: line)
        XCTAssertEqual(r.stderrLines.count, 1, "one line on stderr, got: \(r.stderr)", line: line)
        let message = r.stderrLines.first ?? ""
        XCTAssertTrue(message.contains(file), "names the file: \(message)", line: line)
        XCTAssertTrue(message.contains(fragment), "says '\(fragment)': \(message)", line: line)
        if let output {
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no output file left behind", line: line)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: (output as NSString).deletingLastPathComponent)
                .filter { $0.contains(".tmp") }
            XCTAssertEqual(leftovers, [], "no temporary file left behind", line: line)
        }
    }

    // MARK: eval

    func testEvalReproducesStoredAccuracy() throws {
        let r = try CLI.run(["eval", Self.checkpoint, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["matches"] as? Bool, true)
        XCTAssertEqual(object["test_accuracy"] as? Double, object["stored_test_accuracy"] as? Double)
    }

    func testEvalOnAMissingFile() throws {
        try assertFails(["eval", dir + "/missing.h5"], naming: "missing.h5", "no such file")
    }

    func testEvalOnFilesThatAreNotHDF5() throws {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var rng = SeededRNG(seed: 1)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
        FileManager.default.createFile(atPath: dir + "/random.h5", contents: Data(bytes))
        FileManager.default.createFile(atPath: dir + "/empty.h5", contents: Data())
        try assertFails(["eval", dir + "/random.h5"], naming: "random.h5", "cannot open as HDF5")
        try assertFails(["eval", dir + "/empty.h5"], naming: "empty.h5", "cannot open as HDF5")
    }

    func testEvalOnATruncatedCheckpoint() throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: Self.checkpoint))
        FileManager.default.createFile(atPath: dir + "/truncated.h5", contents: whole.prefix(whole.count / 2))
        try assertFails(["eval", dir + "/truncated.h5"], naming: "truncated.h5", "truncated")
    }

    func testEvalOnAForeignHDF5File() throws {
        let file = try HDF5File.create(dir + "/foreign.h5")
        try file.root.write("x", values: [Float(1), 2], shape: [2])
        try file.close()
        try assertFails(["eval", dir + "/foreign.h5"], naming: "foreign.h5", "no 'format' attribute")
    }

    func testEvalOnANewerFormatVersion() throws {
        let path = try copyOfCheckpoint("newer.h5") { try $0.root.setAttribute("format_version", 2) }
        try assertFails(["eval", path], naming: "newer.h5", "format_version 2 is newer")
    }

    func testEvalOnShapesThatContradictTheConfig() throws {
        let path = try copyOfCheckpoint("contradicting.h5") { file in
            let json = try file.root.stringAttribute("config_json")
            try file.root.setAttribute("config_json", json.replacingOccurrences(of: "\"hidden\":6", with: "\"hidden\":7"))
        }
        try assertFails(["eval", path], naming: "contradicting.h5", "but the stored config implies")
    }

    func testInspectRejectsNonHDF5() throws {
        FileManager.default.createFile(atPath: dir + "/notes.h5", contents: Data("hello".utf8))
        try assertFails(["inspect", dir + "/notes.h5"], naming: "notes.h5", "cannot open as HDF5")
    }

    // MARK: predict

    private func writeInput(_ name: String, tokens: [Int32], shape: [Int], lengths: [Int64]) throws -> String {
        let path = dir + "/" + name
        let file = try HDF5File.create(path)
        try file.root.write("tokens", values: tokens, shape: shape)
        try file.root.write("lengths", values: lengths, shape: [lengths.count])
        try file.close()
        return path
    }

    func testPredictWritesLogitsProbabilitiesPredictionsAndAttention() throws {
        let input = try writeInput("in.h5", tokens: [2, 1, 3, 4, 0, 5, 5, 0, 0], shape: [3, 3], lengths: [3, 2, 1])
        let output = dir + "/out.h5"
        let r = try CLI.run(["predict", Self.checkpoint, "--input", input, "--output", output])
        XCTAssertEqual(r.status, 0, r.stderr)
        let file = try HDF5File.open(output)
        defer { try? file.close() }
        let logits = try file.root.read("logits", as: Float.self), probabilities = try file.root.read("probabilities", as: Float.self)
        XCTAssertEqual(logits.shape, [3, 2])
        XCTAssertEqual(probabilities.shape, [3, 2])
        for n in 0..<3 { XCTAssertEqual(probabilities.values[2 * n] + probabilities.values[2 * n + 1], 1, accuracy: 1e-6) }
        let predictions = try file.root.read("predictions", as: Int32.self).values
        XCTAssertEqual(predictions, (0..<3).map { logits.values[2 * $0 + 1] > logits.values[2 * $0] ? 1 : 0 })
        let attention = try file.root.read("attention", as: Float.self)
        XCTAssertEqual(attention.shape, [3, 3])
        XCTAssertEqual(attention.values[5], 0, "no attention on padding")
        XCTAssertEqual(attention.values[3] + attention.values[4], 1, accuracy: 1e-6)
    }

    func testPredictRejectsBadInputs() throws {
        let output = dir + "/bad-out.h5"
        let wrongRank = dir + "/rank.h5"
        let file = try HDF5File.create(wrongRank)
        try file.root.write("tokens", values: [Int32(1), 2, 3], shape: [3])
        try file.root.write("lengths", values: [Int64(1), 1, 1], shape: [3])
        try file.close()
        try assertFails(["predict", Self.checkpoint, "--input", wrongRank, "--output", output],
                        naming: "rank.h5", "rank 1", noFile: output)
        let zero = try writeInput("zero.h5", tokens: [2, 3, 4, 5], shape: [2, 2], lengths: [2, 0])
        try assertFails(["predict", Self.checkpoint, "--input", zero, "--output", output],
                        naming: "zero.h5", "entry 1 is 0", noFile: output)
        let long = try writeInput("long.h5", tokens: [2, 3, 4, 5], shape: [2, 2], lengths: [3, 1])
        try assertFails(["predict", Self.checkpoint, "--input", long, "--output", output],
                        naming: "long.h5", "entry 0 is 3", noFile: output)
        let vocab = try writeInput("vocab.h5", tokens: [2, Int32(Self.vocab), 4, 5], shape: [2, 2], lengths: [2, 2])
        try assertFails(["predict", Self.checkpoint, "--input", vocab, "--output", output],
                        naming: "vocab.h5", "outside the vocabulary", noFile: output)
        try assertFails(["predict", Self.checkpoint, "--input", dir + "/nothing.h5", "--output", output],
                        naming: "nothing.h5", "no such file", noFile: output)
    }

    /// A dense-input checkpoint (features instead of tokens); predict only needs the model, not the task.
    private func denseCheckpoint() throws -> (path: String, model: any SequenceModel) {
        let task = try TaskRegistry.resolve("contains")
        let config = RunConfig(model: "bilstm_attention",
                               modelConfig: ModelConfig(input: .dense, features: 3, hidden: 4, attentionDim: 3, classes: 2),
                               task: task, train: TrainConfig(), seed: 5)
        let model = try ModelRegistry.make(config.model, config: config.modelConfig, seed: 5)
        let path = dir + "/dense.h5"
        try Checkpoint(kind: .best, config: config, parameters: model.parameters.map(NamedArray.init),
                       trainer: Trainer(model: model, config: config.train, seed: 5).state).write(to: path)
        return (path, model)
    }

    func testPredictOnDenseFeatures() throws {
        let (checkpoint, model) = try denseCheckpoint()
        let features: [Float] = (0..<(2 * 4 * 3)).map { Float($0 % 7) * 0.25 - 0.5 }
        let input = dir + "/features.h5", output = dir + "/features-out.h5"
        let file = try HDF5File.create(input)
        try file.root.write("features", values: features, shape: [2, 4, 3])
        try file.root.write("lengths", values: [Int32(4), 2], shape: [2])
        try file.close()
        let r = try CLI.run(["predict", checkpoint, "--input", input, "--output", output])
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = try HDF5File.open(output)
        defer { try? out.close() }
        let expected = model.forward(SequenceBatch(features: features, featureCount: 3, lengths: [4, 2], length: 4))
        XCTAssertEqual(try out.root.read("logits", as: Float.self).values, expected.data)
        XCTAssertEqual(try out.root.read("attention", as: Float.self).shape, [2, 4])

        let wrongWidth = dir + "/width.h5"
        let bad = try HDF5File.create(wrongWidth)
        try bad.root.write("features", values: [Float](repeating: 0, count: 2 * 4 * 5), shape: [2, 4, 5])
        try bad.root.write("lengths", values: [Int32(4), 2], shape: [2])
        try bad.close()
        try assertFails(["predict", checkpoint, "--input", wrongWidth, "--output", dir + "/x.h5"],
                        naming: "width.h5", "has 5 features per step, the model takes 3", noFile: dir + "/x.h5")
        let tokensForDense = try writeInput("tok.h5", tokens: [1, 2], shape: [1, 2], lengths: [2])
        try assertFails(["predict", checkpoint, "--input", tokensForDense, "--output", dir + "/x.h5"],
                        naming: "tok.h5", "it has 'tokens', but this model takes features", noFile: dir + "/x.h5")
    }

    // MARK: inspect and h5dump

    func testInspectShowsTreeAndJSON() throws {
        let text = try CLI.run(["inspect", Self.checkpoint])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("weight_ih_l0_reverse  float32 [24, 6]"), text.stdout)
        XCTAssertTrue(text.stdout.contains("@format = \"seqbench.checkpoint\""), text.stdout)
        let json = try CLI.run(["inspect", Self.checkpoint, "--json"])
        let root = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual((root["attributes"] as! [String: Any])["format_version"] as? Int, 1)
        XCTAssertEqual(root["kind"] as? String, "group")
    }

    func testH5dumpReadsEveryKindOfFileSeqbenchWrites() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/h5dump") else {
            throw XCTSkip("h5dump not installed (Debian package hdf5-tools)")
        }
        let input = try writeInput("dump-in.h5", tokens: [2, 1, 3, 4], shape: [2, 2], lengths: [2, 1])
        XCTAssertEqual(try CLI.run(["predict", Self.checkpoint, "--input", input, "--output", dir + "/dump-out.h5"]).status, 0)
        let result = try RunResult.read(from: dir + "/run/run.h5")
        try MetricsFile.write(to: dir + "/metrics.h5", experiment: "e",
                              config: ResolvedExperiment(name: "e", settings: [:], models: ["bilstm_attention"], sweep: [:]),
                              runs: [result])
        for file in ["run/best.h5", "run/last.h5", "run/run.h5", "metrics.h5", "dump-out.h5"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/h5dump")
            process.arguments = ["-H", dir + "/" + file]
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "h5dump -H \(file)")
        }
    }

    private func copyOfCheckpoint(_ name: String, _ edit: (HDF5File) throws -> Void) throws -> String {
        let path = dir + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: Self.checkpoint, toPath: path)
        let file = try HDF5File.open(path, writable: true)
        try edit(file)
        try file.close()
        return path
    }
}
