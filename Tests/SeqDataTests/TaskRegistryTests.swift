import Foundation
import SeqData
import XCTest

final class TaskRegistryTests: XCTestCase {
    func testBuiltInTasksAreRegisteredAndDescribed() throws {
        for name in ["contains", "recall", "listops", "langid", "hdf5"] {
            XCTAssertTrue(TaskRegistry.names.contains(name), name)
        }
        for d in TaskRegistry.all {
            XCTAssertFalse(d.summary.isEmpty, d.name)
            XCTAssertFalse(d.summary.contains("\n"), "\(d.name): one-line summary")
            let keys = d.parameters.map(\.name)
            XCTAssertEqual(Set(keys).count, keys.count, "\(d.name): unique keys")
            for key in ["train_size", "val_size", "test_size"] { XCTAssertTrue(keys.contains(key), "\(d.name) takes \(key)") }
            for p in d.parameters {
                XCTAssertNotNil(p.name.wholeMatch(of: /[a-z][a-z0-9]*(_[a-z0-9]+)*/), "\(d.name): snake_case '\(p.name)'")
                XCTAssertFalse(p.help.isEmpty, "\(d.name).\(p.name) has help")
            }
            XCTAssertNoThrow(try TaskRegistry.resolve(d.name), "\(d.name): defaults resolve")
        }
    }

    func testUnknownSettingsAreRejectedWithAHint() {
        assertTaskError(try TaskRegistry.resolve("listops", settings: ["max_lenght": .int(3)]),
                        contains: ["task listops has no setting 'max_lenght' (did you mean 'max_length'?)"])
        assertTaskError(try TaskRegistry.resolve("recall", settings: ["train_size": .int(0)]),
                        contains: ["task recall: 'train_size' must be a positive integer, got 0"])
    }

    /// A stored config (as a checkpoint keeps it) regenerates the same data.
    func testStoredConfigRegeneratesTheSameData() throws {
        let config = try TaskRegistry.resolve("listops", settings: ["train_size": .int(50), "val_size": .int(10),
                                                                    "test_size": .int(10)])
        let decoded = try JSONDecoder().decode(TaskConfig.self, from: JSONEncoder().encode(config))
        assertIdentical(try TaskRegistry.generate(config, seed: 9), try TaskRegistry.generate(decoded, seed: 9))
    }
}
