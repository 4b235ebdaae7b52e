import SeqData
import SeqTensor
import XCTest

final class RecallTaskTests: XCTestCase {
    let small: [String: ConfigValue] = ["train_size": .int(600), "val_size": .int(100), "test_size": .int(100)]

    func testRegisteredWithDefaults() throws {
        let config = try TaskRegistry.resolve("recall")
        XCTAssertEqual(config.parameters["length"], .int(64))
        XCTAssertEqual(config.parameters["min_length"], .int(0))
        XCTAssertEqual(config.parameters["keys"], .int(16))
        XCTAssertEqual(config.parameters["values"], .int(10))
        XCTAssertEqual(config.parameters["pairs"], .int(8))
        XCTAssertEqual(config.parameters["train_size"], .int(8000))
        XCTAssertEqual(config.parameters["val_size"], .int(1000))
        XCTAssertEqual(config.parameters["test_size"], .int(1000))
    }

    func testSameSeedSameDataOtherSeedOtherData() throws {
        let settings = small.merging(["min_length": .int(30)]) { $1 }
        let a = try generate("recall", settings, seed: 7)
        let b = try generate("recall", settings, seed: 7)
        assertIdentical(a, b)
        XCTAssertTrue(differ(a, try generate("recall", settings, seed: 8)))
        // The three splits are different draws, not copies.
        XCTAssertNotEqual(Array(tokenIDs(a.train).prefix(100 * 64)), tokenIDs(a.validation))
    }

    /// Reference values of the generator: the same seed must give these tokens on every machine and Swift
    /// version (a deliberate change to the generator updates them).
    func testReferenceValues() throws {
        let d = try generate("recall", ["length": .int(10), "min_length": .int(8), "pairs": .int(2), "keys": .int(3),
                                        "values": .int(4), "train_size": .int(3), "val_size": .int(1), "test_size": .int(1)],
                             seed: 1)
        // ids: 1 filler, 2 query, keys 3...5, values 6...9.
        XCTAssertEqual(tokenIDs(d.train), [4, 6, 5, 8, 1, 1, 2, 5, 0, 0,    // k1→v0 k2→v2 ? k2 → 2
                                           1, 5, 9, 1, 3, 9, 2, 3, 0, 0,    // k2→v3 k0→v3 ? k0 → 3
                                           1, 4, 7, 3, 9, 1, 2, 4, 0, 0])   // k1→v1 k0→v3 ? k1 → 1
        XCTAssertEqual(d.train.sequences.lengths, [8, 8, 8])
        XCTAssertEqual(d.train.labels, [2, 3, 1])
    }

    /// The label is the value bound to the query key in the tokens themselves.
    func testLabelIsTheValueBoundToTheQueryKey() throws {
        for (task, seed) in [(RecallTask(trainSize: 600, validationSize: 100, testSize: 100), UInt64(1)),
                             (RecallTask(length: 48, minLength: 12, keys: 5, values: 3, pairs: 5,
                                         trainSize: 600, validationSize: 100, testSize: 100), 2)] {
            try task.validate()
            let d = task.generate(seed: seed)
            for split in [d.train, d.validation, d.test] {
                let ids = tokenIDs(split), T = split.sequences.length
                for i in 0..<split.count {
                    let L = split.sequences.lengths[i]
                    let s = row(split, i)
                    XCTAssertTrue(ids[(i * T + L)..<((i + 1) * T)].allSatisfy { $0 == 0 }, "padding after the length")
                    XCTAssertEqual(s[L - 2], RecallTask.queryID)
                    let query = s[L - 1]
                    XCTAssertTrue((task.keyID(0)...task.keyID(task.keys - 1)).contains(query))
                    // Walk the body: filler, or a key immediately followed by a value.
                    var bound = [Int32: Int32](), t = 0
                    while t < L - 2 {
                        if s[t] == RecallTask.fillerID { t += 1; continue }
                        XCTAssertTrue(s[t] >= task.keyID(0) && s[t] <= task.keyID(task.keys - 1), "key expected at \(t)")
                        XCTAssertTrue(t + 1 < L - 2 && s[t + 1] >= task.valueID(0) && s[t + 1] <= task.valueID(task.values - 1),
                                      "value expected after a key")
                        XCTAssertNil(bound[s[t]], "keys are distinct within a sequence")
                        bound[s[t]] = s[t + 1]
                        t += 2
                    }
                    XCTAssertEqual(bound.count, task.pairs)
                    guard let value = bound[query] else { XCTFail("query key not among the pairs"); continue }
                    XCTAssertEqual(split.labels[i], Int(value - task.valueID(0)))
                }
            }
        }
    }

    func testLengthsClassesAndVocabulary() throws {
        let fixed = try generate("recall", small)
        XCTAssertEqual(fixed.classes, 10)
        XCTAssertEqual(fixed.vocab, 3 + 16 + 10)
        XCTAssertNil(fixed.features)
        XCTAssertEqual(fixed.train.sequences.length, 64)
        XCTAssertTrue(fixed.train.sequences.lengths.allSatisfy { $0 == 64 }, "min_length 0 = fixed length")
        XCTAssertEqual([fixed.train.count, fixed.validation.count, fixed.test.count], [600, 100, 100])
        XCTAssertEqual(Set(allLabels(fixed)), Set(0..<10), "every class occurs")
        XCTAssertTrue(tokenIDs(fixed.train).allSatisfy { $0 >= 0 && Int($0) < fixed.vocab! })

        let varied = try generate("recall", small.merging(["length": .int(40), "min_length": .int(20)]) { $1 })
        let lengths = varied.train.sequences.lengths + varied.test.sequences.lengths
        XCTAssertTrue(lengths.allSatisfy { (20...40).contains($0) })
        XCTAssertEqual(lengths.min(), 20); XCTAssertEqual(lengths.max(), 40)
        XCTAssertGreaterThan(Set(lengths).count, 15, "lengths vary")
        // Classes near-uniform: 600 draws of 10 values.
        var counts = [Int](repeating: 0, count: 10)
        for y in varied.train.labels { counts[y] += 1 }
        XCTAssertTrue(counts.allSatisfy { (30...90).contains($0) }, "\(counts)")
    }

    func testImpossibleSettingsNameTheKey() {
        assertTaskError(try generate("recall", ["keys": .int(4)]),
                        contains: ["task recall: 'keys' must be at least pairs (8)", "got 4"])
        assertTaskError(try generate("recall", ["length": .int(12)]),
                        contains: ["task recall: 'length' must be at least 2 * pairs + 2 = 18", "got 12"])
        assertTaskError(try generate("recall", ["min_length": .int(10)]),
                        contains: ["task recall: 'min_length'", "18...length (64)", "got 10"])
        assertTaskError(try generate("recall", ["min_length": .int(65)]), contains: ["'min_length'", "got 65"])
        assertTaskError(try generate("recall", ["values": .int(1)]), contains: ["'values' must be in 2…100000", "got 1"])
        assertTaskError(try generate("recall", ["pairs": .int(0)]), contains: ["'pairs' must be in 1…500000", "got 0"])
        assertTaskError(try generate("recall", ["keys": .string("x")]), contains: ["task recall: 'keys' must be a", "got a string"])
    }

    /// A large split is generated whole and within its bounds (how fast is for benchmarks, not for a test).
    func testGenerates8000SequencesOfLength512() throws {
        let d = try generate("recall", ["length": .int(512), "pairs": .int(16), "keys": .int(32),
                                        "train_size": .int(8000), "val_size": .int(1), "test_size": .int(1)])
        XCTAssertEqual(d.train.count, 8000)
        XCTAssertEqual(d.train.sequences.length, 512)
        XCTAssertTrue(d.train.sequences.lengths.allSatisfy { (34...512).contains($0) })
        XCTAssertTrue(d.train.labels.allSatisfy { (0..<d.classes).contains($0) })
    }
}
