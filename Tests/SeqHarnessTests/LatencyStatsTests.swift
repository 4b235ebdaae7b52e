import SeqHarness
import XCTest

final class LatencyStatsTests: XCTestCase {
    /// 1…100 ns, shuffled: every statistic is known exactly (HdrHistogram is exact below 2048).
    func testPercentilesAreExactOnKnownSamples() {
        var samples = (1...100).map { Int64($0) }
        samples.reverse()
        let s = LatencyStats(nanoseconds: samples)
        XCTAssertEqual(s.count, 100)
        XCTAssertEqual(s.min, 1)
        XCTAssertEqual(s.max, 100)
        XCTAssertEqual(s.p50, 50)
        XCTAssertEqual(s.p90, 90)
        XCTAssertEqual(s.p99, 99)
        XCTAssertEqual(s.mean, 50.5, accuracy: 1e-12)
        // Population standard deviation of 1…n: √((n² − 1) / 12).
        XCTAssertEqual(s.standardDeviation, ((100.0 * 100 - 1) / 12).squareRoot(), accuracy: 1e-9)
        XCTAssertEqual(s.spread, (75.0 - 25) / 50, accuracy: 1e-12)
        XCTAssertTrue(s.isNoisy)
    }

    func testConstantSamplesHaveNoSpread() {
        let s = LatencyStats(nanoseconds: [Int64](repeating: 1500, count: 40))
        XCTAssertEqual([s.min, s.p50, s.p90, s.p99, s.max], [1500, 1500, 1500, 1500, 1500])
        XCTAssertEqual(s.standardDeviation, 0)
        XCTAssertEqual(s.spread, 0)
        XCTAssertFalse(s.isNoisy)
    }

    /// Millisecond-scale samples keep 3 significant digits: within 0.1 %.
    func testLargeValuesWithinHdrPrecision() {
        let samples = (1...1000).map { Int64($0) * 10_007 }   // 10 µs … 10 ms
        let s = LatencyStats(nanoseconds: samples)
        XCTAssertEqual(s.p50, 500.0 * 10_007, accuracy: 500.0 * 10_007 * 1e-3)
        XCTAssertEqual(s.p99, 990.0 * 10_007, accuracy: 990.0 * 10_007 * 1e-3)
        XCTAssertEqual(s.min, 10_007, accuracy: 10_007 * 1e-3)
    }

    func testSamplingHonoursCountAndBudget() {
        var calls = 0
        let counted = sampleLatency(warmup: 3, samples: 7, maxSeconds: 60) { calls += 1 }
        XCTAssertEqual(counted.count, 7)
        XCTAssertEqual(calls, 10, "warm-up iterations run but are not recorded")
        let budgeted = sampleLatency(warmup: 0, samples: 1_000_000, maxSeconds: 0.05) { usleep(1000) }
        XCTAssertLessThan(budgeted.count, 1_000_000)
        XCTAssertGreaterThanOrEqual(budgeted.count, 3)
        XCTAssertTrue(budgeted.allSatisfy { $0 >= 1_000_000 }, "each sample is at least the 1 ms sleep")
    }
}
