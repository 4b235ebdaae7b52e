import SeqTensor
import Synchronization
import XCTest

/// Thread budgets: a parallel section never runs more workers than the caller's budget, and its workers share
/// that budget for the work nested inside them.
final class ThreadBudgetTests: XCTestCase {
    override func tearDown() { ComputeThreads.set(nil) }

    /// The most items of one `parallel` call running at the same moment.
    private func peakConcurrency(items: Int) -> Int {
        let running = Atomic<Int>(0), peak = Atomic<Int>(0)
        ComputeThreads.parallel(Array(0..<items)) { _ in
            let now = running.wrappingAdd(1, ordering: .relaxed).newValue
            var seen = peak.load(ordering: .relaxed)
            while now > seen {
                let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
                if exchanged { break }
                seen = original
            }
            usleep(2_000)   // long enough for every worker Dispatch would start to overlap
            running.wrappingSubtract(1, ordering: .relaxed)
        }
        return peak.load(ordering: .relaxed)
    }

    /// One thread (a `--jobs` worker's share on a 2-core machine): many items, still one at a time.
    func testParallelStaysWithinTheThreadCount() {
        ComputeThreads.set(1)
        XCTAssertEqual(peakConcurrency(items: 16), 1)
        ComputeThreads.set(2)
        XCTAssertLessThanOrEqual(peakConcurrency(items: 16), 2)
    }

    /// Two workers of a budget of 4 get 2 each, of 3 get 2 and 1; nested sections split that share again, and
    /// one item keeps the caller's whole budget.
    func testWorkersShareTheCallersBudget() {
        for (threads, expected) in [(4, [2, 2]), (3, [2, 1]), (2, [1, 1]), (1, [1, 1])] {
            ComputeThreads.set(threads)
            let seen = Mutex([Int](repeating: 0, count: 2))
            ComputeThreads.parallel([0, 1]) { item in
                let budget = ComputeThreads.available
                seen.withLock { $0[item] = budget }
            }
            XCTAssertEqual(seen.withLock { $0 }, expected, "\(threads) threads")
        }
        ComputeThreads.set(8)
        let nested = Mutex([Int]())
        ComputeThreads.parallel([0, 1]) { _ in
            ComputeThreads.parallel([0, 1]) { _ in
                let budget = ComputeThreads.available
                nested.withLock { $0.append(budget) }
            }
        }
        XCTAssertEqual(nested.withLock { $0 }, [2, 2, 2, 2])
        let single = Mutex(0)
        ComputeThreads.parallel([0]) { _ in
            let budget = ComputeThreads.available
            single.withLock { $0 = budget }
        }
        XCTAssertEqual(single.withLock { $0 }, 8)
        XCTAssertEqual(ComputeThreads.available, 8, "the caller's budget after the section")
    }

    /// A pipeline of more parts than threads, nested in a section: every unit runs once, step by step.
    func testNestedPipelineRunsEveryUnitInStepOrder() {
        ComputeThreads.set(4)
        let log = Mutex([[Int]](repeating: [], count: 2))
        ComputeThreads.parallel([0, 1]) { outer in
            ComputeThreads.pipeline(steps: 5, parts: 3) { step, part in
                log.withLock { $0[outer].append(step * 3 + part) }
            }
        }
        for outer in 0..<2 {
            let units = log.withLock { $0[outer] }
            XCTAssertEqual(units.sorted(), Array(0..<15))
            // A unit of step s is logged only after every unit of step s − 1.
            for (i, unit) in units.enumerated() {
                XCTAssertTrue(units[..<i].filter { $0 / 3 == unit / 3 - 1 }.count == (unit < 3 ? 0 : 3),
                              "section \(outer): unit \(unit) ran before its previous step finished: \(units)")
            }
        }
    }
}
