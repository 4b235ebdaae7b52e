import SeqData
import SeqTensor
import XCTest

/// An independent reference evaluator over the text form, written for the tests: recursive descent, with
/// the median of an even count taken as the floor of the mean of the two middle values (as LRA's
/// `int(np.median(...))`). Returns the value and the operator nesting depth, checking argument counts.
private struct Reference {
    var words: [Substring]
    var at = 0
    var maxArgsSeen = 0, minArgsSeen = Int.max

    init(_ text: String) { words = text.split(separator: " ") }

    mutating func expression() -> (value: Int, depth: Int)? {
        guard at < words.count else { return nil }
        let w = words[at]; at += 1
        if let d = Int(w), (0...9).contains(d) { return (d, 0) }
        guard ["[MAX", "[MIN", "[MED", "[SM"].contains(w) else { return nil }
        var args = [Int](), depth = 0
        while at < words.count && words[at] != "]" {
            guard let sub = expression() else { return nil }
            args.append(sub.value); depth = max(depth, sub.depth)
        }
        guard at < words.count, !args.isEmpty else { return nil }
        at += 1  // "]"
        maxArgsSeen = max(maxArgsSeen, args.count); minArgsSeen = min(minArgsSeen, args.count)
        let sorted = args.sorted()
        let value: Int
        switch w {
        case "[MAX": value = sorted.last!
        case "[MIN": value = sorted.first!
        case "[SM": value = args.reduce(0, +) % 10
        default:
            let n = sorted.count
            value = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        }
        return (value, depth + 1)
    }

    static func evaluate(_ text: String) -> Int? {
        var r = Reference(text)
        guard let result = r.expression(), r.at == r.words.count else { return nil }
        return result.value
    }
}

final class ListOpsTaskTests: XCTestCase {
    let small: [String: ConfigValue] = ["train_size": .int(500), "val_size": .int(100), "test_size": .int(100)]

    func testEvaluatorOnHandWrittenExpressions() throws {
        let cases: [(String, Int)] = [
            ("[MAX 2 9 [MIN 4 7 ] 0 ]", 9),
            ("[SM 5 6 7 ]", 8),
            ("[MED 1 2 9 ]", 2),
            ("[MED 2 9 ]", 5),                  // even count: floor((2 + 9) / 2), as LRA
            ("[MED 3 1 4 1 ]", 2),              // sorted 1 1 3 4 → floor((1 + 3) / 2)
            ("[MED 0 1 ]", 0),
            ("[MIN 7 [MAX 3 8 ] [SM 9 9 ] ]", 7),
            ("[SM [MAX 9 9 ] [MAX 9 9 ] [MED 5 5 6 ] ]", 3),
            ("7", 7),
        ]
        for (text, value) in cases {
            let ids = try XCTUnwrap(ListOpsTask.tokens(text), text)
            XCTAssertEqual(ListOpsTask.evaluate(ids), value, text)
            XCTAssertEqual(Reference.evaluate(text), value, "reference: \(text)")
            XCTAssertEqual(ListOpsTask.text(ids), text)
        }
        XCTAssertEqual(ListOpsTask.tokens("[MAX 2 9 ]"), [11, 3, 10, 15])
        for malformed in ["[MAX 2 9", "[MAX ]", "2 3", "[MAX 2 ] ]", "]", ""] {
            XCTAssertNil(ListOpsTask.evaluate(ListOpsTask.tokens(malformed)!), malformed)
        }
        XCTAssertNil(ListOpsTask.tokens("[FIRST 1 2 ]"))
    }

    /// Every generated label equals the reference evaluator's value of the generated text; shapes respect
    /// the limits.
    func testLabelsDepthArgumentsAndLengths() throws {
        for (settings, seed) in [(small, UInt64(1)),
                                 (small.merging(["max_depth": .int(3), "max_args": .int(3), "min_length": .int(4),
                                                 "max_length": .int(40), "balance": .bool(false)]) { $1 }, 5)] {
            let d = try generate("listops", settings, seed: seed)
            let config = try TaskRegistry.resolve("listops", settings: settings)
            let (minL, maxL) = (config.int("min_length"), config.int("max_length"))
            XCTAssertEqual(d.classes, 10); XCTAssertEqual(d.vocab, 16)
            for split in [d.train, d.validation, d.test] {
                XCTAssertEqual(split.sequences.length, maxL)
                let ids = tokenIDs(split)
                for i in 0..<split.count {
                    let L = split.sequences.lengths[i]
                    XCTAssertTrue((minL...maxL).contains(L))
                    XCTAssertTrue(ids[(i * maxL + L)..<((i + 1) * maxL)].allSatisfy { $0 == 0 })
                    let text = ListOpsTask.text(row(split, i))
                    var reference = Reference(text)
                    guard let (value, depth) = reference.expression().map({ ($0.value, $0.depth) }),
                          reference.at == reference.words.count else {
                        XCTFail("malformed: \(text)"); continue
                    }
                    XCTAssertEqual(split.labels[i], value, text)
                    XCTAssertLessThanOrEqual(depth, config.int("max_depth"), text)
                    if depth > 0 {
                        XCTAssertLessThanOrEqual(reference.maxArgsSeen, config.int("max_args"), text)
                        XCTAssertGreaterThanOrEqual(reference.minArgsSeen, 2, text)
                    }
                }
            }
            let lengths = d.train.sequences.lengths
            XCTAssertLessThanOrEqual(lengths.min()!, minL + 4)
            XCTAssertGreaterThanOrEqual(lengths.max()!, maxL - 4)
        }
    }

    func testDeepExpressionsOccur() throws {
        let d = try generate("listops", ["max_length": .int(512), "min_length": .int(400), "train_size": .int(200),
                                         "val_size": .int(10), "test_size": .int(10)])
        var deepest = 0
        for i in 0..<d.train.count {
            var r = Reference(ListOpsTask.text(row(d.train, i)))
            deepest = max(deepest, r.expression()!.depth)
        }
        XCTAssertEqual(deepest, 6, "max_depth 6 is reached")
    }

    /// Reference values of the generator: the same seed must give these expressions on every machine and
    /// Swift version (a deliberate change to the generator updates them).
    func testReferenceValues() throws {
        let d = try generate("listops", ["min_length": .int(4), "max_length": .int(20), "max_depth": .int(3),
                                         "train_size": .int(4), "val_size": .int(1), "test_size": .int(1)], seed: 1)
        XCTAssertEqual((0..<4).map { ListOpsTask.text(row(d.train, $0)) },
                       ["[MED 2 8 [MED 2 [MAX 0 8 9 ] ] 0 [MIN 6 7 8 3 ] ]", "[MED 6 [MED [MAX 9 2 8 ] 1 ] ]",
                        "[SM [MAX 0 0 4 ] [MED 3 8 7 6 ] ]", "[SM 4 8 ]"])
        XCTAssertEqual(d.train.labels, [3, 5, 0, 2])
    }

    func testSameSeedSameDataOtherSeedOtherData() throws {
        let a = try generate("listops", small, seed: 3)
        assertIdentical(a, try generate("listops", small, seed: 3))
        XCTAssertTrue(differ(a, try generate("listops", small, seed: 4)))
    }

    func testClassBalance() throws {
        let balanced = try generate("listops", small)
        for split in [balanced.train, balanced.validation, balanced.test] {
            var counts = [Int](repeating: 0, count: 10)
            for y in split.labels { counts[y] += 1 }
            XCTAssertEqual(counts, [Int](repeating: split.count / 10, count: 10), "exactly balanced when n % 10 == 0")
        }
        // Without balancing the values of random expressions are uneven.
        for settings in [small, small.merging(["min_length": .int(400), "max_length": .int(512)]) { $1 }] {
            let raw = try generate("listops", settings.merging(["balance": .bool(false)]) { $1 })
            var counts = [Int](repeating: 0, count: 10)
            for y in raw.train.labels { counts[y] += 1 }
            print("listops without balance: train classes \(counts)")
            XCTAssertEqual(counts.reduce(0, +), 500)
            XCTAssertNotEqual(counts, [Int](repeating: 50, count: 10))
        }
    }

    func testImpossibleSettingsNameTheKey() {
        assertTaskError(try generate("listops", ["max_args": .int(1)]),
                        contains: ["task listops: 'max_args' must be in 2…32", "got 1"])
        assertTaskError(try generate("listops", ["max_depth": .int(0)]),
                        contains: ["task listops: 'max_depth' must be in 1…32", "got 0"])
        assertTaskError(try generate("listops", ["min_length": .int(200)]),
                        contains: ["task listops: 'min_length' must be in 1...max_length (128)", "got 200"])
        // One level of two-argument operators: only lengths 1 and 4 exist.
        assertTaskError(try generate("listops", ["max_depth": .int(1), "max_args": .int(2), "min_length": .int(5),
                                                 "max_length": .int(30)]),
                        contains: ["task listops: 'min_length'", "no expression with max_depth 1 and max_args 2", "5...30"])
        assertTaskError(try generate("listops", ["max_length": .int(100_000), "min_length": .int(1)]),
                        contains: ["'max_length' must be in 1…16384"])
    }

    func testTimingOf8000SequencesOfLength512() throws {
        let start = ContinuousClock.now
        let d = try generate("listops", ["max_length": .int(512), "min_length": .int(16), "train_size": .int(8000),
                                         "val_size": .int(1), "test_size": .int(1)])
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        print("listops: 8000 sequences of length 16...512 (T 512) in \(seconds) s")
        let longStart = ContinuousClock.now
        _ = try generate("listops", ["max_length": .int(512), "min_length": .int(500), "train_size": .int(8000),
                                     "val_size": .int(1), "test_size": .int(1)])
        let longSeconds = (ContinuousClock.now - longStart) / .seconds(1)
        print("listops: 8000 sequences of length 500...512 in \(longSeconds) s")
        XCTAssertEqual(d.train.count, 8000)
        XCTAssertLessThan(seconds, 5, "generation must be fast")
    }
}
