import CLITestSupport
import Foundation
import SeqData
import SeqHDF5
import SeqProcess
import SeqStore
import XCTest

/// The user's own data, as a new user meets it: files made with h5py, `seqbench import` of a CSV, the names
/// carried into checkpoints, bad files stopped before anything is written, and task docs that agree.
final class OwnDataTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    var dir = ""

    /// Tiny enough that training takes well under a second.
    static let tiny = ["--set", "model.hidden=6", "--set", "model.embed_dim=4", "--set", "model.attention_dim=4",
                       "--set", "train.epochs=1", "--set", "train.batch_size=8", "--set", "threads=1",
                       "--set", "measure.latency.samples=3", "--set", "measure.latency.warmup=0",
                       "--set", "measure.latency.max_seconds=0.05", "--yes"]

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "seqbench-owndata-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func load(_ path: String) throws -> TaskData {
        try TaskRegistry.generate(TaskRegistry.resolve("hdf5", settings: ["path": .string(path)]), seed: 1)
    }

    // MARK: - One source for task docs

    func testTaskDocsAgreeEverywhere() throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let markdown = try CLI.run(["list", "tasks", "--markdown"])
        XCTAssertEqual(markdown.status, 0, markdown.stderr)
        XCTAssertEqual(TaskDocs.section(of: readme), markdown.stdout.trimmingCharacters(in: .newlines),
                       "README's task tables: regenerate them with `seqbench list tasks --markdown`")
        let plain = try CLI.run(["list", "tasks"])
        XCTAssertEqual(plain.stdout.trimmingCharacters(in: .newlines), TaskDocs.plain())
        // ArgumentParser wraps help text: compare with whitespace collapsed.
        func words(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let help = try CLI.run(["run", "--help"])
        XCTAssertTrue(words(help.stdout).contains(words(TaskDocs.helpParagraph())), help.stdout)
        for d in TaskRegistry.all {
            XCTAssertTrue(markdown.stdout.contains("| \(d.name) | \(d.summary.replacingOccurrences(of: "|", with: "\\|")) |"), d.name)
            XCTAssertTrue(plain.stdout.contains("\(d.name): \(d.summary)"), d.name)
        }
        XCTAssertTrue(plain.stdout.contains("relative to the config file's folder"), plain.stdout)
        XCTAssertTrue(readme.contains("relative to the config file's folder"))
    }

    // MARK: - Files made with h5py

    func testReadmeSnippetAndH5pyLayoutsLoad() throws {
        guard try python(["-c", "import h5py, numpy"]).status == 0 else {
            throw XCTSkip("skipped: python3 with h5py is not available (pip install h5py)")
        }
        let snippet = try String(contentsOfFile: Self.root + "/Examples/python/write_word_langid.py", encoding: .utf8)
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        XCTAssertTrue(readme.contains(snippet), "README.md must contain Examples/python/write_word_langid.py verbatim")

        let words = dir + "/words.h5"
        let r = try python([Self.root + "/Examples/python/write_word_langid.py", words])
        XCTAssertEqual(r.status, 0, r.stderr)
        let data = try load(words)
        XCTAssertEqual(data.classNames, ["en", "de", "fr"])
        let vocabulary = try XCTUnwrap(data.vocabulary)
        XCTAssertEqual(vocabulary.tokenization, .chars)
        func text(_ d: Dataset, _ i: Int) -> String {
            guard case .tokens(let ids) = d.sequences.input else { return "" }
            let T = d.sequences.length
            return ids[(i * T)..<(i * T + d.sequences.lengths[i])].map { vocabulary.tokens[Int($0)] }.joined()
        }
        XCTAssertEqual((0..<data.train.count).map { text(data.train, $0) },
                       ["house", "water", "green", "night", "haus", "wasser", "grün", "nacht", "maison", "eau", "vert", "nuit"])
        XCTAssertEqual(data.test.labels.map { data.classNames![$0] }, ["en", "de", "fr"])
        XCTAssertEqual(vocabulary.encode("grün").ids.count, 4)

        // The other forms h5py writes: string datasets and string-array attributes, variable- and
        // fixed-length (numpy bytes), UTF-8 inside fixed-length strings.
        let layouts = """
            import sys
            import h5py, numpy as np
            def base(name):
                f = h5py.File(name, "w")
                f["tokens"] = np.array([[1, 2, 0], [3, 4, 5], [2, 0, 0], [5, 1, 0], [4, 4, 4], [1, 0, 0]], dtype=np.int64)
                f["lengths"] = np.array([2, 3, 1, 2, 3, 1])
                f["labels"] = np.array([0, 1, 0, 1, 0, 1], dtype=np.uint8)
                f["split"] = np.array([0, 0, 1, 1, 2, 2])
                return f
            with base(sys.argv[1] + "/vlen-datasets.h5") as f:
                f.create_dataset("class_names", data=["ja", "nein"], dtype=h5py.string_dtype())
                f.create_dataset("vocabulary", data=["", "a", "b", "ç", "ü", "€"], dtype=h5py.string_dtype())
            with base(sys.argv[1] + "/fixed-datasets.h5") as f:
                f["class_names"] = np.array([b"ja", b"nein"])
                f["vocabulary"] = np.array([s.encode() for s in ["", "a", "b", "ç", "ü", "€"]])
            with base(sys.argv[1] + "/array-attributes.h5") as f:
                f.attrs["class_names"] = ["ja", "nein"]
                f.attrs["vocabulary"] = ["", "a", "b", "ç", "ü", "€"]
            with base(sys.argv[1] + "/fixed-attributes.h5") as f:
                f.attrs["classes"] = np.bytes_(b"ja,nein")
                f.attrs["vocab"] = np.bytes_("abçü€".encode())
                f.attrs["tokenization"] = np.bytes_(b"chars")
            """
        try layouts.write(toFile: dir + "/layouts.py", atomically: true, encoding: .utf8)
        let made = try python([dir + "/layouts.py", dir])
        XCTAssertEqual(made.status, 0, made.stderr)
        for name in ["vlen-datasets", "fixed-datasets", "array-attributes", "fixed-attributes"] {
            let data = try load(dir + "/\(name).h5")
            XCTAssertEqual(data.classNames, ["ja", "nein"], name)
            XCTAssertEqual(data.vocabulary?.tokens, ["", "a", "b", "ç", "ü", "€"], name)
            XCTAssertEqual(data.vocab, 6, name)
        }
    }

    // MARK: - import → train → eval

    /// Words of three languages; the CSV quotes a field with a comma and carries accents, a combining mark
    /// and an emoji.
    private func writeCSV() throws -> String {
        let words = ["en": ["house", "water", "green", "night", "bread", "small", "light", "stone", "river", "cloud"],
                     "de": ["haus", "wasser", "grün", "nacht", "brot", "klein", "licht", "stein", "fluss", "wolke"],
                     "fr": ["maison", "eau", "vert", "nuit", "pain", "petit", "lumière", "pierre", "rivière", "nuage"]]
        var csv = "id,word,lang\n"
        var id = 0
        for lang in ["en", "de", "fr"] {
            for w in words[lang]! { id += 1; csv += "\(id),\(w),\(lang)\n" }
        }
        csv += "31,\"gar\u{E7}on, mon ami\",fr\n32,\"Mu\u{308}nchen 🍺\",de\n33,\"tea 👍🏽\",en\n"
        let path = dir + "/words.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testImportTrainEvalRoundTrip() throws {
        let csv = try writeCSV()
        let r = try CLI.run(["import", csv, "--text-column", "word", "--label-column", "lang", "--out", "data.h5",
                             "--val-fraction", "0.2", "--test-fraction", "0.2"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(lines.first, ["label", "train", "validation", "test", "total"], r.stdout)
        XCTAssertTrue(lines.contains(["de", "7", "2", "2", "11"]), r.stdout)
        XCTAssertTrue(lines.contains(["total", "21", "6", "6", "33"]), r.stdout)
        XCTAssertTrue(r.stdout.contains("tokens: grapheme clusters"), r.stdout)

        // The file is the hdf5 task's, with its names.
        let data = try load(dir + "/data.h5")
        XCTAssertEqual(data.classNames, ["de", "en", "fr"])
        let vocabulary = try XCTUnwrap(data.vocabulary)
        XCTAssertEqual(Array(vocabulary.tokens.prefix(2)), ["", "<unk>"])
        XCTAssertEqual(vocabulary.unknownID, 1)
        XCTAssertEqual(data.train.count + data.validation.count + data.test.count, 33)

        // Again without --force: refused, the file kept.
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/data.h5"))
        let again = try CLI.run(["import", csv, "--text-column", "word", "--label-column", "lang", "--out", "data.h5"], in: dir)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("data.h5: exists; add --force to replace it"), again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/data.h5")), before)
        let onto = try CLI.run(["import", csv, "--text-column", "word", "--label-column", "lang", "--out", "words.csv", "--force"], in: dir)
        XCTAssertNotEqual(onto.status, 0)
        XCTAssertTrue(onto.stderr.contains("words.csv: is the data file"), onto.stderr)

        // A config next to the data names it relatively; the run starts from another folder.
        try FileManager.default.createDirectory(atPath: dir + "/exp", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: dir + "/data.h5", toPath: dir + "/exp/data.h5")
        try "name: own\ntask: {name: hdf5, path: data.h5}\nmodels: [lstm]\n".write(toFile: dir + "/exp/own.yaml", atomically: true, encoding: .utf8)
        let run = try CLI.run(["run", "exp/own.yaml", "--out", "Results/own"] + Self.tiny, in: dir)
        XCTAssertEqual(run.status, 0, run.stderr + run.stdout)
        let best = dir + "/Results/own/runs/lstm.seed=1/best.h5"
        let checkpoint = try Checkpoint.read(from: best)
        XCTAssertEqual(checkpoint.classNames, ["de", "en", "fr"])
        XCTAssertEqual(checkpoint.vocabulary, vocabulary)
        let eval = try CLI.run(["eval", best], in: dir)
        XCTAssertEqual(eval.status, 0, eval.stderr + eval.stdout)
        XCTAssertTrue(eval.stdout.contains("matches the stored test_accuracy"), eval.stdout)
        // `train` has no config file: its relative path is the working directory's.
        let train = try CLI.run(["train", "--task", "hdf5", "--set", "task.path=exp/data.h5", "--model", "rnn",
                                 "--out", "Results/train"] + Self.tiny, in: dir)
        XCTAssertEqual(train.status, 0, train.stderr + train.stdout)
        XCTAssertEqual(try Checkpoint.read(from: dir + "/Results/train/runs/rnn.seed=1/best.h5").classNames, ["de", "en", "fr"])

        // The imported file is also a predict input (tokens and lengths).
        let predict = try CLI.run(["predict", best, "--input", "exp/data.h5", "--output", "predictions.h5"], in: dir)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let file = try HDF5File.open(dir + "/predictions.h5")
        defer { try? file.close() }
        let predictions = try file.root.read("predictions", as: Int32.self)
        XCTAssertEqual(predictions.shape, [33])
        XCTAssertTrue(predictions.values.allSatisfy { (0..<3).contains($0) }, "\(predictions.values)")

        // Text in, the CSV's class names out: tokenized with the stored vocabulary, "ß" and "✓" (in no training
        // word) mapped to <unk> and counted; the JSON output's probabilities sum to 1 over the three classes, the prediction by name.
        let text = try CLI.run(["predict", best, "--text", "maison", "--text", "straße✓", "--output", "p.json"], in: dir)
        XCTAssertEqual(text.status, 0, text.stderr)
        let rows = text.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        let maison = try XCTUnwrap(rows.first { $0.first == "maison" }, text.stdout)
        XCTAssertEqual(Array(maison[1...2]), ["6", "0"], "6 tokens, none unknown: \(text.stdout)")
        XCTAssertTrue(["de", "en", "fr"].contains(maison[3]), text.stdout)
        let strasse = try XCTUnwrap(rows.first { $0.first == "straße✓" }, text.stdout)
        XCTAssertEqual(Array(strasse[1...2]), ["7", "2"], "7 tokens, ß and ✓ unknown: \(text.stdout)")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/p.json"))) as? [[String: Any]])
        XCTAssertEqual(json.count, 2)
        for entry in json {
            let probabilities = try XCTUnwrap(entry["probabilities"] as? [Double], "\(entry)")
            XCTAssertEqual(probabilities.count, 3)
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertTrue(["de", "en", "fr"].contains(try XCTUnwrap(entry["prediction"] as? String)), "\(entry)")
        }
    }

    func testBadCSVsGiveOneLineAndWriteNothing() throws {
        let cases: [(String, [String], String)] = [
            ("word,lang\nhaus,de\nhouse,en\n", ["--text-column", "text"], "no column 'text' (--text-column); the columns are: word, lang"),
            ("", [], "the file is empty"),
            ("word,lang\nhaus,de\nbrot,de\n", [], "column 'lang' has only one label ('de'); a classifier needs at least 2"),
            ("word,lang\nhaus,de\nbrot,de\nhouse,en\n", [], "label 'en' has 1 example; a stratified split needs at least 2"),
            ("word,lang\nhaus,de,x\n", [], "line 2 has 3 fields; the header has 2"),
        ]
        for (i, (text, options, fragment)) in cases.enumerated() {
            let csv = dir + "/bad\(i).csv"
            try text.write(toFile: csv, atomically: true, encoding: .utf8)
            let arguments = ["import", csv, "--text-column", "word", "--label-column", "lang", "--out", "out.h5"]
            let r = try CLI.run(arguments + options, in: dir)
            XCTAssertEqual(r.status, 1, "\(text): \(r.stderr)")
            XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(csv + ": " + fragment), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.h5"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".h5") || $0.contains(".tmp-") }, [])
    }

    /// What is not a regular file is refused by name before anything is read: a directory, a device behind a
    /// .csv name (an endless read otherwise), a missing file.
    func testImportRefusesWhatIsNotAFile() throws {
        try FileManager.default.createDirectory(atPath: dir + "/folder.csv", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/zero.csv", withDestinationPath: "/dev/zero")
        for (name, reason) in [("folder.csv", "is a directory; expected a file"),
                               ("zero.csv", "is not a regular file (a device, pipe or socket); expected a file"),
                               ("missing.csv", "no such file")] {
            let r = try CLI.run(["import", dir + "/" + name, "--out", "out.h5"], in: dir)
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(r.stderrLines, ["Error: \(dir)/\(name): \(reason)"])
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.h5"))
        }
    }

    // MARK: - A bad data file stops before anything is written

    func testBadNamesStopTheRunBeforeItsFolderIsWritten() throws {
        try HDF5File.writeAtomically(to: dir + "/data.h5") { f in
            try f.root.write("tokens", values: [Int32](repeating: 1, count: 12 * 4), shape: [12, 4])
            try f.root.write("lengths", values: [Int32](repeating: 4, count: 12), shape: [12])
            try f.root.write("labels", values: (0..<12).map { Int32($0 % 3) }, shape: [12])
            try f.root.setAttribute("classes", "en,de")
        }
        try "task: {name: hdf5, path: data.h5}\nmodels: [lstm]\n".write(toFile: dir + "/own.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["run", "own.yaml"] + Self.tiny, in: dir)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderrLines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("task hdf5: \(dir)/data.h5: /labels: has label 2 but attribute classes names 2 classes"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/Results"), "nothing written")
    }

    private func python(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try Subprocess.run("/usr/bin/env", ["python3"] + args)
        return (r.status, r.stdout, r.stderr)
    }
}
