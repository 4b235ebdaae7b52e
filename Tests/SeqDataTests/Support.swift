import SeqData
import SeqTensor
import XCTest

/// The token ids of a token dataset ([B*T], row-major).
func tokenIDs(_ d: Dataset, file: StaticString = #filePath, line: UInt = #line) -> [Int32] {
    guard case .tokens(let ids) = d.sequences.input else {
        XCTFail("expected token data", file: file, line: line)
        return []
    }
    return ids
}

/// The features of a dense dataset ([B*T*F]) and F.
func featureValues(_ d: Dataset, file: StaticString = #filePath, line: UInt = #line) -> ([Float], Int) {
    guard case .features(let x, let F) = d.sequences.input else {
        XCTFail("expected feature data", file: file, line: line)
        return ([], 0)
    }
    return (x, F)
}

/// One sequence's valid tokens.
func row(_ d: Dataset, _ i: Int) -> [Int32] {
    let T = d.sequences.length
    return Array(tokenIDs(d)[(i * T)..<(i * T + d.sequences.lengths[i])])
}

/// Asserts two task datas are identical (inputs, lengths, labels of every split, and the metadata).
func assertIdentical(_ a: TaskData, _ b: TaskData, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.classes, b.classes, file: file, line: line)
    XCTAssertEqual(a.vocab, b.vocab, file: file, line: line)
    XCTAssertEqual(a.features, b.features, file: file, line: line)
    for (x, y) in [(a.train, b.train), (a.validation, b.validation), (a.test, b.test)] {
        XCTAssertEqual(x.labels, y.labels, file: file, line: line)
        XCTAssertEqual(x.sequences.lengths, y.sequences.lengths, file: file, line: line)
        XCTAssertEqual(x.sequences.length, y.sequences.length, file: file, line: line)
        switch (x.sequences.input, y.sequences.input) {
        case (.tokens(let p), .tokens(let q)): XCTAssertTrue(p == q, "tokens differ", file: file, line: line)
        case (.features(let p, let f), .features(let q, let g)):
            XCTAssertEqual(f, g, file: file, line: line)
            XCTAssertTrue(p == q, "features differ", file: file, line: line)
        default: XCTFail("input kinds differ", file: file, line: line)
        }
    }
}

/// Whether the token inputs (and labels) of two datas differ somewhere.
func differ(_ a: TaskData, _ b: TaskData) -> Bool {
    tokenIDs(a.train) != tokenIDs(b.train) || a.train.labels != b.train.labels
}

/// Generates through the registry, as the CLI does.
func generate(_ task: String, _ settings: [String: ConfigValue] = [:], seed: UInt64 = 1) throws -> TaskData {
    try TaskRegistry.generate(TaskRegistry.resolve(task, settings: settings), seed: seed)
}

/// Asserts that generating throws a TaskError whose one-line description contains every fragment; returns it.
@discardableResult
func assertTaskError(_ body: @autoclosure () throws -> Any, contains fragments: [String],
                     file: StaticString = #filePath, line: UInt = #line) -> String? {
    do {
        _ = try body()
        XCTFail("expected a TaskError containing \(fragments)", file: file, line: line)
        return nil
    } catch let error as TaskError {
        let text = error.description
        XCTAssertFalse(text.contains("\n"), "error must be one line: \(text)", file: file, line: line)
        for f in fragments {
            XCTAssertTrue(text.contains(f), "'\(text)' lacks '\(f)'", file: file, line: line)
        }
        return text
    } catch {
        XCTFail("expected a TaskError, got \(type(of: error)): \(error)", file: file, line: line)
        return nil
    }
}

/// Every label of every split.
func allLabels(_ d: TaskData) -> [Int] { d.train.labels + d.validation.labels + d.test.labels }
