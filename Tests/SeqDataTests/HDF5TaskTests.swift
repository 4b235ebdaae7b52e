import Foundation
import SeqData
import SeqHDF5
import SeqTensor
import XCTest

final class HDF5TaskTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("seqdata-hdf5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A token file: N sequences of padded length T; row n holds ids 10n+1, 10n+2, … for lengths[n] steps
    /// and `padding` after that. Returns the path.
    @discardableResult
    private func writeTokens(_ name: String, n: Int = 20, t: Int = 6, padding: Int32 = 0,
                             change: (HDF5Group) throws -> Void = { _ in }) throws -> String {
        let file = path(name)
        try HDF5File.writeAtomically(to: file) { f in
            var tokens = [Int32](repeating: padding, count: n * t)
            var lengths = [Int64]()
            for i in 0..<n {
                let length = 1 + i % t
                for s in 0..<length { tokens[i * t + s] = Int32(10 * i + s + 1) }
                lengths.append(Int64(length))
            }
            try f.root.write("tokens", values: tokens, shape: [n, t])
            try f.root.write("lengths", values: lengths, shape: [n])
            try f.root.write("labels", values: (0..<n).map { Int32($0 % 3) }, shape: [n])
            try change(f.root)
        }
        return file
    }

    private func task(_ file: String, _ settings: [String: ConfigValue] = [:], seed: UInt64 = 1) throws -> TaskData {
        try generate("hdf5", settings.merging(["path": .string(file)]) { $1 }, seed: seed)
    }

    /// The row of the file a sequence came from (its first token is 10·row + 1).
    private func fileRow(_ d: Dataset, _ i: Int) -> Int { Int(row(d, i)[0] - 1) / 10 }

    func testTokensWithoutSplitUseFractionsAndCaps() throws {
        let file = try writeTokens("tokens.h5", n: 40)
        let d = try task(file)
        XCTAssertEqual(d.classes, 3)
        XCTAssertEqual(d.vocab, 10 * 39 + 4 + 1, "max id + 1")
        XCTAssertNil(d.features)
        XCTAssertEqual([d.train.count, d.validation.count, d.test.count], [32, 4, 4])
        var rows = [Int]()
        for split in [d.train, d.validation, d.test] {
            let splitRows = (0..<split.count).map { fileRow(split, $0) }
            XCTAssertEqual(splitRows, splitRows.sorted(), "file order within a split")
            for i in 0..<split.count {
                let r = splitRows[i]
                XCTAssertEqual(split.sequences.lengths[i], 1 + r % 6)
                XCTAssertEqual(row(split, i), (0..<(1 + r % 6)).map { Int32(10 * r + $0 + 1) })
                XCTAssertEqual(split.labels[i], r % 3)
            }
            rows += splitRows
        }
        XCTAssertEqual(rows.sorted(), Array(0..<40), "every sequence in exactly one split")
        assertIdentical(d, try task(file))
        let other = try task(file, seed: 2)
        XCTAssertNotEqual((0..<4).map { fileRow(other.test, $0) }, (0..<4).map { fileRow(d.test, $0) })

        let fractions = try task(file, ["val_fraction": .double(0.25), "test_fraction": .double(0.5)])
        XCTAssertEqual([fractions.train.count, fractions.validation.count, fractions.test.count], [10, 10, 20])
        // Caps take a random subset of the split they cap.
        let capped = try task(file, ["train_size": .int(5), "test_size": .int(3)])
        XCTAssertEqual([capped.train.count, capped.validation.count, capped.test.count], [5, 4, 3])
        let fullTrain = Set((0..<32).map { fileRow(d.train, $0) })
        XCTAssertTrue((0..<5).allSatisfy { fullTrain.contains(fileRow(capped.train, $0)) })
    }

    func testPredefinedSplitAttributesAndPadding() throws {
        let file = try writeTokens("split.h5", n: 12, padding: 7) { root in
            try root.write("split", values: (0..<12).map { Int64($0 % 4 == 3 ? 2 : $0 % 4 == 2 ? 1 : 0) }, shape: [12])
            try root.setAttribute("classes", 5)
            try root.setAttribute("vocab", 1000)
        }
        let d = try task(file, ["val_fraction": .double(0.5)])  // ignored: the file has a split
        XCTAssertEqual((0..<d.train.count).map { fileRow(d.train, $0) }, [0, 1, 4, 5, 8, 9])
        XCTAssertEqual((0..<d.validation.count).map { fileRow(d.validation, $0) }, [2, 6, 10])
        XCTAssertEqual((0..<d.test.count).map { fileRow(d.test, $0) }, [3, 7, 11])
        XCTAssertEqual(d.classes, 5)
        XCTAssertEqual(d.vocab, 1000)
        // Steps past a sequence's length are padding: zeroed, whatever the file held there.
        let ids = tokenIDs(d.train), T = d.train.sequences.length
        for i in 0..<d.train.count {
            XCTAssertTrue(ids[(i * T + d.train.sequences.lengths[i])..<((i + 1) * T)].allSatisfy { $0 == 0 })
        }
        let capped = try task(file, ["train_size": .int(2)])
        XCTAssertEqual(capped.train.count, 2)
        XCTAssertEqual(capped.test.count, 3)
    }

    func testFeaturesRoundTrip() throws {
        let file = path("features.h5")
        let (n, t, f) = (30, 5, 3)
        var x = [Float](repeating: 0, count: n * t * f)
        for i in x.indices { x[i] = Float(i) * 0.5 - 7 }
        let lengths = (0..<n).map { Int32(1 + $0 % t) }
        try HDF5File.writeAtomically(to: file) { h5 in
            try h5.root.write("features", values: x, shape: [n, t, f])
            try h5.root.write("lengths", values: lengths, shape: [n])
            try h5.root.write("labels", values: (0..<n).map { Int64($0 % 2) }, shape: [n])
        }
        let d = try task(file, ["test_fraction": .double(0.2)])
        XCTAssertEqual(d.features, 3)
        XCTAssertNil(d.vocab)
        XCTAssertEqual(d.classes, 2)
        XCTAssertEqual([d.train.count, d.validation.count, d.test.count], [21, 3, 6])
        var seen = Set<Int>()
        for split in [d.train, d.validation, d.test] {
            let (values, F) = featureValues(split)
            XCTAssertEqual(F, 3)
            for i in 0..<split.count {
                // Identify the file row by its first feature: x = 0.5·index − 7 with index = row·T·F.
                let r = Int((values[i * t * f] + 7) / 0.5) / (t * f)
                XCTAssertTrue(seen.insert(r).inserted)
                XCTAssertEqual(split.sequences.lengths[i], Int(lengths[r]))
                XCTAssertEqual(split.labels[i], r % 2)
                for s in 0..<t {
                    for k in 0..<f {
                        let expected = s < Int(lengths[r]) ? x[(r * t + s) * f + k] : 0
                        XCTAssertEqual(values[(i * t + s) * f + k], expected)
                    }
                }
            }
        }
        XCTAssertEqual(seen.count, n)
    }

    // MARK: Bad files: one line naming the file and the dataset

    func testBadFilesGiveOneLineErrorsNamingFileAndDataset() throws {
        let missing = path("missing.h5")
        assertTaskError(try task(missing), contains: [missing, "/", "file does not exist"])

        let text = path("text.h5")
        try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
        assertTaskError(try task(text), contains: [text, "not an HDF5 file"])

        assertTaskError(try generate("hdf5"), contains: ["task hdf5: 'path' must name an HDF5 file"])

        let cases: [(String, (HDF5Group) throws -> Void, [String])] = [
            ("both.h5", { try $0.write("features", values: [Float](repeating: 0, count: 20 * 6), shape: [20, 6, 1]) },
             ["/: has both /tokens and /features"]),
            ("rank.h5", { try $0.write("tokens", values: [Int32](repeating: 1, count: 20 * 6), shape: [20, 6, 1]) },
             ["/tokens: must be 2-D [N, T], found shape [20, 6, 1]"]),
            ("float-tokens.h5", { try $0.write("tokens", values: [Float](repeating: 1, count: 20 * 6), shape: [20, 6]) },
             ["/tokens: must hold integers, found float32"]),
            ("count.h5", { try $0.write("lengths", values: [Int64](repeating: 1, count: 19), shape: [19]) },
             ["/lengths: has 19 entries but /tokens has 20 sequences"]),
            ("labels-rank.h5", { try $0.write("labels", values: [Int32](repeating: 0, count: 20), shape: [20, 1]) },
             ["/labels: must be 1-D [N], found shape [20, 1]"]),
            ("zero-length.h5", { try $0.write("lengths", values: [Int64](repeating: 0, count: 20), shape: [20]) },
             ["/lengths: sequence 0 has length 0; lengths must be in 1...6"]),
            ("long.h5", { try $0.write("lengths", values: (0..<20).map { Int64($0 == 4 ? 7 : 1) }, shape: [20]) },
             ["/lengths: sequence 4 has length 7; lengths must be in 1...6"]),
            ("negative-label.h5", { try $0.write("labels", values: (0..<20).map { Int32($0 == 3 ? -1 : 1) }, shape: [20]) },
             ["/labels: sequence 3 has label -1; labels must be 0 or more"]),
            ("one-class.h5", { try $0.write("labels", values: [Int32](repeating: 0, count: 20), shape: [20]) },
             ["/labels: has only class 0"]),
            ("classes-attr.h5", { try $0.setAttribute("classes", 2) }, ["/labels: has label 2 but attribute classes is 2"]),
            ("split-value.h5", { try $0.write("split", values: (0..<20).map { Int32($0 == 5 ? 3 : $0 % 3) }, shape: [20]) },
             ["/split: sequence 5 has split 3; expected 0 (train), 1 (validation) or 2 (test)"]),
            ("empty-split.h5", { try $0.write("split", values: (0..<20).map { Int32($0 % 2) }, shape: [20]) },
             ["/split: has no test (2) examples"]),
            ("negative-token.h5", { root in
                var tokens = [Int32](repeating: 1, count: 20 * 6); tokens[2 * 6] = -3
                try root.write("tokens", values: tokens, shape: [20, 6])
             }, ["/tokens: sequence 2 step 0 has token id -3; ids must be 0 or more"]),
            ("vocab-attr.h5", { try $0.setAttribute("vocab", 50) }, ["/tokens: has token id 192 but attribute vocab is 50"]),
        ]
        for (name, change, fragments) in cases {
            let file = try writeTokens(name, change: change)
            assertTaskError(try task(file), contains: ["task hdf5: ", file + ": "] + fragments)
        }

        // A file without inputs, one without lengths.
        let neither = path("neither.h5")
        try HDF5File.writeAtomically(to: neither) { f in
            try f.root.write("inputs", values: [Int32](repeating: 1, count: 12), shape: [3, 4])
        }
        assertTaskError(try task(neither), contains: [neither + ": /: has neither /tokens [N, T] nor /features [N, T, F]"])
        let noLengths = path("no-lengths.h5")
        try HDF5File.writeAtomically(to: noLengths) { f in
            try f.root.write("tokens", values: [Int32](repeating: 1, count: 12), shape: [3, 4])
            try f.root.write("labels", values: [Int32](repeating: 1, count: 3), shape: [3])
        }
        assertTaskError(try task(noLengths), contains: [noLengths, "/lengths: is missing; expected [3] integers"])

        // Non-finite features (inside a sequence).
        let nan = path("nan.h5")
        try HDF5File.writeAtomically(to: nan) { f in
            var x = [Float](repeating: 0, count: 4 * 3 * 2); x[(1 * 3 + 2) * 2 + 1] = .nan
            try f.root.write("features", values: x, shape: [4, 3, 2])
            try f.root.write("lengths", values: [Int32](repeating: 3, count: 4), shape: [4])
            try f.root.write("labels", values: [Int32]([0, 1, 0, 1]), shape: [4])
        }
        assertTaskError(try task(nan), contains: [nan, "/features: sequence 1 step 2 feature 1 is nan; features must be finite"])

        // Too few sequences for the fractions.
        let tiny = try writeTokens("tiny.h5", n: 4)
        assertTaskError(try task(tiny), contains: [tiny, "/tokens: has 4 sequences: val_fraction gives no validation examples"])
        assertTaskError(try task(tiny, ["val_fraction": .double(0.6), "test_fraction": .double(0.5)]),
                        contains: ["task hdf5: 'test_fraction' plus val_fraction must be below 1"])
    }
}
