@testable import SeqModels
import SeqTensor
import TestSupport
import XCTest

/// How the threads share a recurrent time loop (StepSplit), and that no split changes a bit.
final class StepSplitTests: XCTestCase {
    private var saved = (StepSplit.sharedStepWeights, StepSplit.cacheBytes)
    override func setUp() { saved = (StepSplit.sharedStepWeights, StepSplit.cacheBytes) }
    override func tearDown() {
        (StepSplit.sharedStepWeights, StepSplit.cacheBytes) = saved
        ComputeThreads.set(nil)
    }

    private func plan(batch: Int, hidden: Int, threads: Int, l2: Int, asStored: Bool = false) -> StepSplit {
        StepSplit.cacheBytes = l2
        return StepSplit.plan(batch: batch, hidden: hidden, gates: 4, asStored: asStored, threads: threads)
    }

    /// The LSTM cases of the benchmarks on 2 and 16 threads, with a 1 MB L2 (AMD EPYC here) and a 2 MB one
    /// (Intel Xeon).
    func testPlanFollowsRowsPerThreadAndTheL2() {
        let mb = 1 << 20
        // Two cores, batch 32: 16 rows per thread, split by sequences whatever the size of W_hh.
        for hidden in [128, 256, 512] {
            for l2 in [mb, 2 * mb] {
                XCTAssertEqual(plan(batch: 32, hidden: hidden, threads: 2, l2: l2), StepSplit(groups: 2, unitParts: 1))
            }
        }
        // Two cores, batch 8 (4 rows per thread): all rows on two unit parts, from 256 KB of W_hh.
        XCTAssertEqual(plan(batch: 8, hidden: 128, threads: 2, l2: mb), StepSplit(groups: 1, unitParts: 2))
        XCTAssertEqual(plan(batch: 8, hidden: 64, threads: 2, l2: mb), StepSplit(groups: 2, unitParts: 1))
        XCTAssertEqual(plan(batch: 12, hidden: 512, threads: 2, l2: mb), StepSplit(groups: 2, unitParts: 1),
                       "4 MB does not fit in two parts: by sequences")
        // Sixteen threads, batch 32: two rows per thread by sequences, so units share W_hh.
        XCTAssertEqual(plan(batch: 32, hidden: 512, threads: 16, l2: mb), StepSplit(groups: 2, unitParts: 8))
        XCTAssertEqual(plan(batch: 32, hidden: 512, threads: 16, l2: 2 * mb), StepSplit(groups: 4, unitParts: 4))
        XCTAssertEqual(plan(batch: 32, hidden: 512, threads: 8, l2: 2 * mb), StepSplit(groups: 2, unitParts: 4))
        XCTAssertEqual(plan(batch: 32, hidden: 128, threads: 16, l2: mb), StepSplit(groups: 4, unitParts: 4))
        // One to three sequences: every thread on the units of each step (from 256 KB of W_hh).
        XCTAssertEqual(plan(batch: 1, hidden: 512, threads: 16, l2: mb, asStored: true), StepSplit(groups: 1, unitParts: 16))
        XCTAssertEqual(plan(batch: 1, hidden: 128, threads: 2, l2: mb), StepSplit(groups: 1, unitParts: 2))
        XCTAssertEqual(plan(batch: 2, hidden: 64, threads: 2, l2: mb), StepSplit(groups: 2, unitParts: 1))
        // One thread, or H not on 32-unit boundaries: by sequences.
        XCTAssertEqual(plan(batch: 32, hidden: 512, threads: 1, l2: mb), StepSplit(groups: 1, unitParts: 1))
        XCTAssertEqual(plan(batch: 32, hidden: 500, threads: 16, l2: mb), StepSplit(groups: 16, unitParts: 1))
        // More threads than sequences: one group per sequence.
        XCTAssertEqual(plan(batch: 5, hidden: 64, threads: 8, l2: mb), StepSplit(groups: 5, unitParts: 1))
    }

    func testRangesCoverEverySequenceAndUnitOnce() {
        let layout = PackedLayout(lengths: [5, 2, 4, 1, 5, 3, 3, 5, 2, 4], maxLength: 5)
        let split = StepSplit(groups: 3, unitParts: 4)
        let groups = split.sequenceRanges(layout)
        XCTAssertEqual(groups.count, 3)
        XCTAssertEqual(groups.flatMap { Array($0) }, Array(0..<10))
        let units = split.unitRanges(hidden: 128, granularity: 32)
        XCTAssertEqual(units, [0..<32, 32..<64, 64..<96, 96..<128])
        XCTAssertEqual(split.unitRanges(hidden: 64, granularity: 32), [0..<32, 32..<64], "at least 32 units a part")
    }

    /// Forward (keeping state for backward and not), every gradient and dx at 1, 2, 3 and 4 threads, with the
    /// cache and sharing thresholds lowered so that H 64 at batch 16 takes every kind of split: one thread,
    /// by sequences (2 threads), by units (3), and sequence groups × units (4). Every result must be the
    /// one-thread bits.
    func testEverySplitGivesTheOneThreadBits() {
        StepSplit.sharedStepWeights = 1
        StepSplit.cacheBytes = 65_536
        let lengths = [7, 3, 6, 1, 7, 5, 2, 7, 4, 6, 7, 3, 5, 2, 6, 7]
        let layout = PackedLayout(lengths: lengths, maxLength: 7)
        XCTAssertEqual(StepSplit.plan(batch: 16, hidden: 64, gates: 4, asStored: false, threads: 4),
                       StepSplit(groups: 2, unitParts: 2))
        XCTAssertEqual(StepSplit.plan(batch: 16, hidden: 64, gates: 4, asStored: false, threads: 3),
                       StepSplit(groups: 1, unitParts: 2))
        XCTAssertEqual(StepSplit.plan(batch: 16, hidden: 64, gates: 4, asStored: false, threads: 2),
                       StepSplit(groups: 2, unitParts: 1))
        for cell in [CellKind.rnn, .lstm] {
            for reverse in [false, true] {
                var reference: [[Float]] = []
                for threads in 1...4 {
                    ComputeThreads.set(threads)
                    let results = run(cell: cell, reverse: reverse, layout: layout)
                    if threads == 1 { reference = results; continue }
                    for (k, result) in results.enumerated() {
                        XCTAssertEqual(result, reference[k], "\(cell) reverse \(reverse), \(threads) threads, result \(k)")
                    }
                }
                XCTAssertTrue(reference.allSatisfy { $0.contains { $0 != 0 } })
            }
        }
    }

    /// One layer's outputs (kept and inference), then every parameter gradient and dx after a backward pass.
    private func run(cell: CellKind, reverse: Bool, layout: PackedLayout) -> [[Float]] {
        let hidden = 64, inputs = 3, N = layout.rows
        var rng = SeededRNG(seed: 5)
        let layer = RecurrentDirection(cell: cell, layer: 0, reverse: reverse, inputSize: inputs, hidden: hidden,
                                       prefix: "", rng: &rng)
        let x = (0..<(N * inputs)).map { _ in rng.uniform(-1, 1) }
        let dout = (0..<(N * hidden)).map { _ in rng.uniform(-1, 1) }
        var inferred = [Float](repeating: 0, count: N * hidden), kept = inferred
        layer.forward(out: &inferred, ldOut: hidden, x: x, layout: layout, keep: false)
        layer.forward(out: &kept, ldOut: hidden, x: x, layout: layout, keep: true)
        var dx = [Float](repeating: 0, count: N * inputs)
        layer.backward(dx: &dx, accumulate: false, dout: dout, ldDout: hidden, x: x, layout: layout)
        return [inferred, kept, dx] + layer.parameters.map(\.gradient)
    }
}
