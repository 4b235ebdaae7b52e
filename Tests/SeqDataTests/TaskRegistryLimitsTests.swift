import Foundation
import SeqData
import XCTest

/// Task settings have ranges, checked by `resolve`; `check` runs a task's cheap checks without generating.
extension TaskRegistryTests {
    func testEveryNumberSettingHasARangeCheckedByResolve() throws {
        for d in TaskRegistry.all {
            for p in d.parameters {
                let isNumber: Bool
                switch p.defaultValue { case .int, .double: isNumber = true; default: isNumber = false }
                if isNumber {
                    let range = try XCTUnwrap(p.range, "\(d.name).\(p.name) has a range")
                    XCTAssertLessThanOrEqual(range.upperBound, 1e8, "\(d.name).\(p.name)")
                    XCTAssertNotNil(p.rangeSummary)
                } else {
                    XCTAssertNil(p.range, "\(d.name).\(p.name)")
                }
            }
            if d.name != "hdf5" { XCTAssertNoThrow(try TaskRegistry.check(TaskRegistry.resolve(d.name)), d.name) }
        }
        _ = assertTaskError(try TaskRegistry.resolve("contains", settings: ["length": .int(Int.max)]),
                            contains: ["task contains: 'length' must be in 1…1000000, got 9223372036854775807"])
        _ = assertTaskError(try TaskRegistry.resolve("contains", settings: ["train_size": .int(100_000_000_000)]),
                            contains: ["'train_size' must be in 1…100000000"])
        _ = assertTaskError(try TaskRegistry.resolve("recall", settings: ["keys": .int(1_000_000_000)]),
                            contains: ["task recall: 'keys' must be in 1…1000000"])
        _ = assertTaskError(try TaskRegistry.resolve("langid", settings: ["val_fraction": .double(.infinity)]),
                            contains: ["'val_fraction' must be in 0…1"])
    }

    func testCheckFindsImpossibleCombinationsWithoutGenerating() throws {
        func check(_ name: String, _ settings: [String: ConfigValue]) throws -> TaskSize {
            try TaskRegistry.check(TaskConfig(name: name, parameters: settings))
        }
        _ = assertTaskError(try check("contains", ["length": .int(5), "min_length": .int(6)]),
                            contains: ["task contains: 'min_length' must be in 1...length (5), got 6"])
        _ = assertTaskError(try check("recall", ["length": .int(10), "pairs": .int(8)]),
                            contains: ["task recall: 'length' must be at least 2 * pairs + 2 = 18"])
        _ = assertTaskError(try check("listops", ["min_length": .int(200), "max_length": .int(100)]),
                            contains: ["task listops: 'min_length' must be in 1...max_length (100), got 200"])
        let path = NSTemporaryDirectory() + "seqbench-text-\(UUID().uuidString).h5"
        try "plain text".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = assertTaskError(try check("hdf5", ["path": .string(path)]), contains: ["task hdf5:", path])
        // Sizes for the estimate, without generating anything: 10^8 sequences of 10^6 steps are only numbers.
        let big = try check("contains", ["length": .int(1_000_000), "train_size": .int(100_000_000)])
        XCTAssertEqual(big, TaskSize(train: 100_000_000, total: 100_000_600, length: 1_000_000, vocab: 12))
    }
}
