import Foundation
import SeqHarness
import XCTest

/// `run --shard I/N`: which runs a shard gets.
final class ShardTests: XCTestCase {
    private func plan(seeds: String = "[1, 2, 3]") throws -> ExperimentPlan {
        let yaml = """
            name: shards
            task: {name: contains, length: 12, train_size: 64}
            models: [rnn, lstm, {name: lstm, hidden: 4}, bilstm_attention]
            seeds: \(seeds)
            sweep:
              task.length: [8, 12]
              model.hidden: [4, 8]
            """
        return try ExperimentConfig.parse(yaml: yaml, source: "x.yaml").plan()
    }

    func testRoundRobinOverTheSortedIds() {
        let a = Shard.assignment(of: ["c", "a", "d", "b", "e"], count: 2)
        XCTAssertEqual(a, ["a": 0, "b": 1, "c": 0, "d": 1, "e": 0])
        XCTAssertEqual(Shard.assignment(of: ["e", "d", "c", "b", "a"], count: 2), a, "the order given does not matter")
    }

    func testEveryRunInExactlyOneShardBalancedForEveryCount() throws {
        let plan = try plan()
        XCTAssertEqual(plan.runs.count, 4 * 2 * 2 * 3)
        for count in [1, 2, 3, 4, 5, 7, 48, 100] {
            let shards = try (0..<count).map { try Shard(index: $0, count: count).runs(of: plan) }
            let ids = shards.flatMap { $0.map(\.id) }
            XCTAssertEqual(ids.count, plan.runs.count, "N=\(count)")
            XCTAssertEqual(Set(ids), Set(plan.runs.map(\.id)), "N=\(count): every run exactly once")
            let sizes = shards.map(\.count)
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "N=\(count): balanced \(sizes)")
            for shard in shards {   // each shard keeps plan order
                let positions = shard.map { run in plan.runs.firstIndex { $0.id == run.id }! }
                XCTAssertEqual(positions, positions.sorted())
            }
        }
    }

    func testPureFunctionOfTheRunIds() throws {
        // The same runs planned again (another process would do the same), and a config listing the
        // seeds in another order: the same split.
        let a = try plan(), b = try plan(seeds: "[3, 1, 2]")
        for i in 0..<5 {
            let shard = try Shard(index: i, count: 5)
            XCTAssertEqual(Set(shard.runs(of: a).map(\.id)), Set(shard.runs(of: b).map(\.id)))
        }
        // Planned afresh, the shard lists the same runs in the same (plan) order.
        let again = try plan()
        XCTAssertEqual(try Shard(index: 2, count: 5).runs(of: again).map(\.id), try Shard(index: 2, count: 5).runs(of: a).map(\.id))
        XCTAssertFalse(try Shard(index: 2, count: 5).runs(of: a).isEmpty)
    }

    func testParsing() throws {
        XCTAssertEqual(try Shard(parsing: "0/4"), try Shard(index: 0, count: 4))
        XCTAssertEqual(try Shard(parsing: "3/4").description, "3/4")
        for (text, fragment) in [("4/4", "must be in 0…3"), ("3/2", "must be in 0…1"), ("0/0", "must be positive"),
                                 ("-1/2", "must be in 0…1"), ("x/y", "expected I/N"), ("1", "expected I/N"), ("1/2/3", "expected I/N"),
                                 ("", "expected I/N")] {
            XCTAssertThrowsError(try Shard(parsing: text), text) { XCTAssertTrue("\($0)".contains(fragment), "\(text): \($0)") }
        }
    }
}
