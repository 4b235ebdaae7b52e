import CLITestSupport
import Foundation
import SeqData
import SeqHDF5
import SeqHarness
import SeqModels
import SeqProcess
import SeqStore
import SeqTrain
import XCTest

/// `predict --text` and `attention`, end to end on a tiny langid run over word lists written by the test
/// (English words of the letters a–h, Spanish ones of i–p; no "ñ", so it is an unknown token).
final class TextPredictTests: XCTestCase {
    static let dir = NSTemporaryDirectory() + "seqbench-text-\(UUID().uuidString)"
    static var attention: String { dir + "/attention/best.h5" }
    static var noVocabulary: String { dir + "/contains/best.h5" }
    static var dictionary: String { dir + "/dict" }
    static let languages = [("english", "american-english", Array("abcdefgh")), ("spanish", "spanish", Array("ijklmnop"))]

    override class func setUp() {
        let fm = FileManager.default
        try! fm.createDirectory(atPath: dictionary, withIntermediateDirectories: true)
        var state: UInt64 = 7
        for (_, file, letters) in languages {
            var words = Set<String>()
            while words.count < 80 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let length = 3 + Int(state >> 60) % 5
                words.insert(String((0..<length).map { letters[Int((state >> UInt64(8 + 3 * $0)) & 7)] }))
            }
            try! (words.sorted().joined(separator: "\n") + "\n").write(toFile: dictionary + "/" + file, atomically: true, encoding: .utf8)
        }
        let langid = try! TaskRegistry.resolve("langid", settings: ["dict_dir": .string(dictionary), "languages": .string("english,spanish"),
                                                                      "per_language": .int(80), "max_length": .int(8)])
        let contains = try! TaskRegistry.resolve("contains", settings: ["train_size": .int(32), "val_size": .int(16),
                                                                        "test_size": .int(16), "length": .int(6)])
        for (name, model, task) in [("attention", "bilstm_attention", langid), ("contains", "lstm", contains)] {
            let config = RunConfig(model: model, modelConfig: ModelConfig(embedDim: 6, hidden: 8, attentionDim: 6),
                                   task: task, train: TrainConfig(epochs: 3, batchSize: 16), seed: 3)
            let folder = RunFolder(dir + "/" + name)
            try! TrainingRun.execute(PlannedRun(id: name, config: config, model: ModelEntry(name: model)), folder: folder,
                                     resume: false).write(to: folder.result)
        }
    }

    override class func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private var dir: String { Self.dir }

    /// One line on stderr containing each fragment, a non-zero exit, and no `output` left behind.
    private func assertFails(_ args: [String], _ fragments: [String], noFile output: String? = nil, line: UInt = #line) throws {
        let r = try CLI.run(args)
        XCTAssertNotEqual(r.status, 0, "exit status", line: line)
        XCTAssertEqual(r.stderrLines.count, 1, "one line on stderr, got: \(r.stderr)", line: line)
        for fragment in fragments { XCTAssertTrue(r.stderr.contains(fragment), "says '\(fragment)': \(r.stderr)", line: line) }
        if let output { XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no output file", line: line) }
    }

    // MARK: predict --text

    func testPredictTextPrintsATableWithClassNamesAndCountsUnknownTokens() throws {
        let r = try CLI.run(["predict", Self.attention, "--text", "mañana", "--text", "abcabc"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init),
                       ["input", "tokens", "unknown", "prediction", "probability", "top-3"])
        let mañana = try XCTUnwrap(lines.first { $0.hasPrefix("mañana") })
        XCTAssertEqual(mañana.split(separator: " ").prefix(3).map(String.init), ["mañana", "5", "1"], "6 characters, ñ left out")
        XCTAssertTrue(lines.contains { $0.hasPrefix("abcabc") && $0.contains("english") }, r.stdout)
        XCTAssertTrue(r.stdout.contains("1 token not in the checkpoint's vocabulary: left out (the vocabulary has no unknown id)"), r.stdout)
    }

    func testPredictTextOutputsJSONCSVAndHDF5WithClassNames() throws {
        let json = dir + "/out.json", csv = dir + "/out.csv", h5 = dir + "/out.h5"
        for output in [json, csv, h5] {
            let r = try CLI.run(["predict", Self.attention, "--text", "mañana", "--text", "ab,ba", "--output", output])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.hasSuffix("wrote \(output)\n"), r.stdout)
        }
        let objects = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [[String: Any]])
        XCTAssertEqual(objects.count, 2)
        XCTAssertEqual(objects[0]["input"] as? String, "mañana")
        XCTAssertEqual(objects[0]["tokens"] as? [String], ["m", "a", "a", "n", "a"])
        XCTAssertEqual(objects[0]["unknown"] as? Int, 1)
        for object in objects {
            let probabilities = try XCTUnwrap(object["probabilities"] as? [Double])
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
            let index = try XCTUnwrap(object["class_index"] as? Int)
            XCTAssertEqual(object["prediction"] as? String, ["english", "spanish"][index])
            let attention = try XCTUnwrap(object["attention"] as? [Double])
            XCTAssertEqual(attention.count, (object["tokens"] as? [String])?.count)
            XCTAssertEqual(attention.reduce(0, +), 1, accuracy: 1e-5, "weights over the tokens sum to 1")
        }
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.first, "input,tokens,unknown,prediction,class_index,probability,p_english,p_spanish")
        XCTAssertEqual(rows.count, 3)
        XCTAssertTrue(rows[2].hasPrefix("\"ab,ba\",4,1,"), "RFC 4180 quoting, the comma is an unknown token: \(rows[2])")
        let file = try HDF5File.open(h5)
        defer { try? file.close() }
        XCTAssertEqual(try file.root.readStrings("class_names"), ["english", "spanish"])
        XCTAssertEqual(try file.root.readStrings("inputs"), ["mañana", "ab,ba"])
        XCTAssertEqual(try file.root.read("unknown", as: Int32.self).values, [1, 1])
        XCTAssertEqual(try file.root.datasetInfo("attention").0, [2, 5])
    }

    func testPredictTextFileSkipsEmptyLines() throws {
        let words = dir + "/words.txt"
        try "abc\r\n\n  \nijk\n".write(toFile: words, atomically: true, encoding: .utf8)
        let r = try CLI.run(["predict", Self.attention, "--text-file", words])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("abc ") || $0.hasPrefix("ijk ") }.count, 2, r.stdout)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 4, "header, rule and two rows: \(r.stdout)")
    }

    func testPredictRefusesBadTextInputsInOneLine() throws {
        let out = dir + "/refused.txt"
        try assertFails(["predict", Self.attention, "--text", "abc", "--output", out], [out, "unknown output format '.txt'"], noFile: out)
        try assertFails(["predict", Self.attention, "--text", "ñ¿", "--text", "abc"],
                        ["input 1 'ñ¿' has no token in the checkpoint's vocabulary (2 unknown"])
        try assertFails(["predict", Self.attention, "--text", "abc", "--input", "x.h5", "--output", dir + "/o.h5"],
                        ["give the inputs with one of --input, --text, --text-file, not --input and --text"])
        try assertFails(["predict", Self.attention], ["give the inputs with one of --input, --text, --text-file"])
        try assertFails(["predict", Self.noVocabulary, "--text", "abc"], [Self.noVocabulary, "has no vocabulary", "langid"])
        try assertFails(["predict", Self.attention, "--text-file", dir + "/missing.txt"], [dir + "/missing.txt: no such file"])
        try assertFails(["predict", Self.attention, "--text-file", dir], [dir + ": is a directory; expected a file"])
        try assertFails(["predict", Self.attention, "--text-file", "/dev/zero"],
                        ["/dev/zero: is not a regular file (a device, pipe or socket); expected a file"])
        try assertFails(["predict", Self.attention, "--text", "abc", "--output", Self.attention], ["is the checkpoint"])
    }

    // MARK: attention

    func testAttentionHeatmapHasOneCellPerTokenAndWeightsSumToOne() throws {
        let svg = dir + "/heat.svg"
        let inputs = ["mañana", "abc", "<a&b>"]
        let r = try CLI.run(["attention", Self.attention] + inputs.flatMap { ["--text", $0] } + ["--svg", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("mañana → "), r.stdout)
        XCTAssertTrue(r.stdout.contains("(1 unknown token left out)"), r.stdout)
        let weightLines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }
        XCTAssertEqual(weightLines.count, 3)
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(picture.contains("&lt;a&amp;b&gt;"), "labels are escaped")
        // Cells come row by row; their data-weight attributes hold the exact weights.
        let weights = picture.components(separatedBy: "class=\"cell\" data-weight=\"").dropFirst().map { Double($0.prefix { $0 != "\"" })! }
        let tokens = [5, 3, 2]   // ñ, <, & and > are outside the vocabulary and left out
        XCTAssertEqual(weights.count, tokens.reduce(0, +), "one cell per token")
        guard weights.count == tokens.reduce(0, +) else { return }
        var start = 0
        for count in tokens {
            XCTAssertEqual(weights[start..<(start + count)].reduce(0, +), 1, accuracy: 1e-5, "a row's weights sum to 1")
            start += count
        }
    }

    func testAttentionOverTheTestSplitSummarisesPerClass() throws {
        let svg = dir + "/split.svg"
        let r = try CLI.run(["attention", Self.attention, "--test-split", "--svg", svg])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("median normalised entropy "), r.stdout)
        XCTAssertTrue(r.stdout.split(separator: "\n").contains { $0.hasPrefix("english ") }, r.stdout)
        XCTAssertTrue(r.stdout.split(separator: "\n").contains { $0.hasPrefix("spanish ") }, r.stdout)
        XCTAssertTrue(try String(contentsOfFile: svg, encoding: .utf8).contains("class=\"box\""))
        try assertFails(["attention", Self.noVocabulary, "--test-split"], [Self.noVocabulary, "model lstm has no attention layer"])
        try assertFails(["attention", Self.attention, "--test-split", "--svg", dir + "/x.png"], ["must end in .svg"])
        try assertFails(["attention", Self.attention, "--test-split", "--text", "a"], ["not --test-split and --text"])
    }

    /// The text commands read the checkpoint in the contained child: a crash there is one line naming it.
    func testTextCommandsReadTheCheckpointContained() throws {
        let environment = ProcessInfo.processInfo.environment.merging(["SEQBENCH_CONTAIN_FAULT": "segv"]) { $1 }
        for arguments in [["predict", Self.attention, "--text", "abc"], ["attention", Self.attention, "--text", "abc"],
                          ["attention", Self.attention, "--test-split"]] {
            let r = try Subprocess.run(CLI.executable, arguments, environment: environment)
            XCTAssertEqual(r.status, 1, "\(arguments)")
            XCTAssertEqual(r.stderr, "Error: \(Self.attention): reading this file crashed (signal 11, SIGSEGV, in libhdf5 or seqbench); it is not a valid seqbench file\n", "\(arguments)")
            XCTAssertEqual(r.stdout, "")
        }
    }

    // MARK: report

    func testReportHasAnAttentionSectionForAttentionModels() throws {
        let out = dir + "/experiment"
        let r = try CLI.run(["train", "--model", "bilstm_attention", "--model", "rnn", "--task", "langid", "--out", out, "--quiet",
                             "--set", "task.dict_dir=\(Self.dictionary)", "--set", "task.languages=english,spanish",
                             "--set", "task.per_language=40", "--set", "task.max_length=8", "--set", "model.hidden=6",
                             "--set", "model.embed_dim=4", "--set", "model.attention_dim=4", "--set", "train.epochs=1",
                             "--set", "train.batch_size=8", "--set", "threads=1", "--set", "measure.latency.samples=3",
                             "--set", "measure.latency.warmup=0", "--set", "measure.latency.max_seconds=0.05"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let report = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("## Attention"), report)
        XCTAssertTrue(report.contains("### bilstm_attention"), report)
        XCTAssertFalse(report.contains("### rnn"), "only attention models")
        XCTAssertTrue(report.contains("median normalised entropy"), report)
        for file in ["attention_bilstm_attention.svg", "attention_examples_bilstm_attention.svg"] {
            XCTAssertTrue(report.contains("(\(file))"), file)
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file)
        }
        // `report` re-renders the same section from metrics.h5 and the checkpoints.
        try FileManager.default.removeItem(atPath: out + "/attention_bilstm_attention.svg")
        let again = try CLI.run(["report", out])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOfFile: out + "/report.md", encoding: .utf8), report)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/attention_bilstm_attention.svg"))
        // The checkpoints are read in `report`'s contained reading phase.
        let crashed = try Subprocess.run(CLI.executable, ["report", out],
                                         environment: ProcessInfo.processInfo.environment.merging(["SEQBENCH_CONTAIN_FAULT": "segv:best.h5"]) { $1 })
        XCTAssertEqual(crashed.status, 1)
        XCTAssertTrue(crashed.stderr.hasSuffix("/best.h5: reading this file crashed (signal 11, SIGSEGV, in libhdf5 or seqbench); it is not a valid seqbench file\n"),
                      crashed.stderr)
    }
}
