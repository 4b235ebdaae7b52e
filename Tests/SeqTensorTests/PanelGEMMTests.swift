import SeqTensor
import XCTest

final class PanelGEMMTests: XCTestCase {
    /// Every kernel path (8-row blocks, 4–7-row remainders through the 8-row kernel, single rows two
    /// panels and one panel at a time),
    /// partial last panels, both source layouts, padded leading dimensions, overwrite and accumulate.
    func testMatchesTheReferenceOnEveryPath() {
        var rng = SeededRNG(seed: 11)
        for (m, n, k) in [(1, 32, 16), (3, 33, 7), (4, 5, 1), (7, 64, 9), (8, 100, 31), (13, 31, 64), (17, 96, 40),
                          (2, 160, 9), (9, 200, 20)] {
            for transposed in [false, true] {
                for accumulate in [false, true] {
                    let lda = k + 3, ldc = n + 5, ldb = transposed ? k : n
                    let a = (0..<(m * lda)).map { _ in rng.uniform(-1, 1) }
                    let b = (0..<(transposed ? n * k : k * n)).map { _ in rng.uniform(-1, 1) }
                    let c0 = (0..<(m * ldc)).map { _ in rng.uniform(-1, 1) }
                    let packed = PackedPanels()
                    packed.pack(b, rows: k, columns: n, transposed: transposed)
                    var c = c0
                    let count = FlopCounter.measure {
                        PanelGEMM.multiply(m: m, a: a, lda: lda, b: packed, c: &c, ldc: ldc, accumulate: accumulate)
                    }
                    XCTAssertEqual(count, FlopCount(macs: m * n * k))
                    let want = referenceProduct(false, transposed, m, n, k, a, lda, b, ldb, accumulate ? 1 : 0, c0, ldc)
                    for i in 0..<m {
                        for j in 0..<ldc {
                            // Columns past n are the caller's: untouched.
                            let tolerance: Float = j < n ? 1e-5 : 0
                            XCTAssertEqual(c[i * ldc + j], j < n ? want[i * ldc + j] : c0[i * ldc + j], accuracy: tolerance,
                                           "m \(m) n \(n) k \(k) transposed \(transposed) accumulate \(accumulate) [\(i), \(j)]")
                        }
                    }
                }
            }
        }
    }

    /// A row's result is the same bits whichever kernel computed it and whatever rows came with it,
    /// so a sequence's state does not depend on its batch-mates. Seven panels: a row alone goes through the
    /// two- and one-panel kernels.
    func testRowResultsDoNotDependOnTheOtherRows() {
        let m = 13, n = 224, k = 50
        let (a, packed) = randomOperands(seed: 12, m: m, n: n, k: k, transposed: true)
        var together = [Float](repeating: 0, count: m * n)
        PanelGEMM.multiply(m: m, a: a, lda: k, b: packed, c: &together, ldc: n, accumulate: false)
        for i in 0..<m {
            var alone = [Float](repeating: 0, count: n)
            a.withUnsafeBufferPointer { PanelGEMM.multiply(m: 1, a: $0.baseAddress! + i * k, lda: k, b: packed, c: &alone, ldc: n, accumulate: false) }
            XCTAssertEqual(alone, Array(together[(i * n)..<((i + 1) * n)]), "row \(i)")
        }
    }

    /// Threads may share one product by columns: panel ranges compute exactly their columns.
    func testPanelRangesComputeTheirColumnsOnly() {
        let m = 5, n = 70, k = 20
        let (a, packed) = randomOperands(seed: 13, m: m, n: n, k: k, transposed: false)
        XCTAssertEqual(packed.panels, 3)
        var whole = [Float](repeating: 0, count: m * n), split = [Float](repeating: 7, count: m * n)
        PanelGEMM.multiply(m: m, a: a, lda: k, b: packed, c: &whole, ldc: n, accumulate: false)
        PanelGEMM.multiply(m: m, a: a, lda: k, b: packed, c: &split, ldc: n, accumulate: false, panels: 1..<2)
        for i in 0..<m {
            for j in 0..<n { XCTAssertEqual(split[i * n + j], (32..<64).contains(j) ? whole[i * n + j] : 7) }
        }
        PanelGEMM.multiply(m: m, a: a, lda: k, b: packed, c: &split, ldc: n, accumulate: false, panels: 0..<1)
        PanelGEMM.multiply(m: m, a: a, lda: k, b: packed, c: &split, ldc: n, accumulate: false, panels: 2..<3)
        XCTAssertEqual(split, whole)
    }

    /// Packing keeps the panels only while the source holds the same bits: a change in its last element
    /// (after an inference pass, say, an optimizer step) is seen.
    func testPackingAgainSeesAChangedSource() {
        var rng = SeededRNG(seed: 15)
        let m = 2, n = 40, k = 30
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
        var b = (0..<(n * k)).map { _ in rng.uniform(-1, 1) }
        let packed = PackedPanels()
        for round in 0..<3 {
            if round == 2 { b[n * k - 1] += 0.5 }
            packed.pack(b, rows: k, columns: n, transposed: true)
            var c = [Float](repeating: 0, count: m * n)
            PanelGEMM.multiply(m: m, a: a, lda: k, b: packed, c: &c, ldc: n, accumulate: false)
            let want = referenceProduct(false, true, m, n, k, a, k, b, k, 0, c, n)
            for i in 0..<(m * n) { XCTAssertEqual(c[i], want[i], accuracy: 1e-5, "round \(round) [\(i)]") }
        }
        // The same bits read as the other layout are a different matrix.
        packed.pack(b, rows: k, columns: n, transposed: false)
        var c = [Float](repeating: 0, count: m * n)
        PanelGEMM.multiply(m: m, a: a, lda: k, b: packed, c: &c, ldc: n, accumulate: false)
        let want = referenceProduct(false, false, m, n, k, a, k, b, n, 0, c, n)
        for i in 0..<(m * n) { XCTAssertEqual(c[i], want[i], accuracy: 1e-5, "untransposed [\(i)]") }
    }

    /// Training packs without keeping a copy (`reuse: false`); an inference pack afterwards must not trust the
    /// copy from before: weights W, then W' packed for training, then W again for inference → W's panels.
    func testPackingForTrainingInvalidatesTheKeptCopy() {
        var rng = SeededRNG(seed: 16)
        let m = 3, n = 40, k = 30
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
        let w = (0..<(n * k)).map { _ in rng.uniform(-1, 1) }, changed = w.map { $0 * 0.5 }
        let packed = PackedPanels()
        for (source, reuse) in [(w, true), (changed, false), (w, true)] {
            packed.pack(source, rows: k, columns: n, transposed: true, reuse: reuse)
            var c = [Float](repeating: 0, count: m * n)
            PanelGEMM.multiply(m: m, a: a, lda: k, b: packed, c: &c, ldc: n, accumulate: false)
            let want = referenceProduct(false, true, m, n, k, a, k, source, k, 0, c, n)
            for i in 0..<(m * n) { XCTAssertEqual(c[i], want[i], accuracy: 1e-5, "reuse \(reuse) [\(i)]") }
        }
    }

    /// A random A [m, k] and a random B [k, n] packed from either source layout.
    private func randomOperands(seed: UInt64, m: Int, n: Int, k: Int, transposed: Bool) -> ([Float], PackedPanels) {
        var rng = SeededRNG(seed: seed)
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
        let b = (0..<(n * k)).map { _ in rng.uniform(-1, 1) }
        let packed = PackedPanels()
        packed.pack(b, rows: k, columns: n, transposed: transposed)
        return (a, packed)
    }

    /// Packing in parallel gives the same panels as packing on one thread.
    func testParallelPackingMatchesSerial() {
        var rng = SeededRNG(seed: 14)
        let n = 300, k = 400
        let b = (0..<(n * k)).map { _ in rng.uniform(-1, 1) }
        let a = (0..<(3 * k)).map { _ in rng.uniform(-1, 1) }
        var results: [[Float]] = []
        for threads in [1, 2] {
            ComputeThreads.set(threads)
            let packed = PackedPanels()
            packed.pack(b, rows: k, columns: n, transposed: true)
            var c = [Float](repeating: 0, count: 3 * n)
            PanelGEMM.multiply(m: 3, a: a, lda: k, b: packed, c: &c, ldc: n, accumulate: false)
            results.append(c)
        }
        ComputeThreads.set(nil)
        XCTAssertEqual(results[0], results[1])
    }
}

final class RowGEMVTests: XCTestCase {
    /// Blocks of four outputs and single outputs, K with and without a partial 16-lane tail, column
    /// ranges, padded leading dimensions, overwrite and accumulate.
    func testMatchesTheReference() {
        var rng = SeededRNG(seed: 21)
        for (m, n, k) in [(1, 8, 16), (1, 7, 5), (2, 13, 33), (3, 64, 100), (1, 2048, 512)] {
            for accumulate in [false, true] {
                let lda = k + 2, ldc = n + 3
                let a = (0..<(m * lda)).map { _ in rng.uniform(-1, 1) }
                let w = (0..<(n * k)).map { _ in rng.uniform(-1, 1) }
                let c0 = (0..<(m * ldc)).map { _ in rng.uniform(-1, 1) }
                var c = c0
                let count = FlopCounter.measure {
                    RowGEMV.multiply(m: m, a: a, lda: lda, w: w, n: n, k: k, c: &c, ldc: ldc, accumulate: accumulate)
                }
                XCTAssertEqual(count, FlopCount(macs: m * n * k))
                let want = referenceProduct(false, true, m, n, k, a, lda, w, k, accumulate ? 1 : 0, c0, ldc)
                for i in 0..<m {
                    for j in 0..<ldc {
                        XCTAssertEqual(c[i * ldc + j], j < n ? want[i * ldc + j] : c0[i * ldc + j], accuracy: j < n ? 2e-5 : 0,
                                       "m \(m) n \(n) k \(k) accumulate \(accumulate) [\(i), \(j)]")
                    }
                }
                // Computing the outputs in two column ranges gives the same bits as all at once.
                var split = c0
                RowGEMV.multiply(m: m, a: a, lda: lda, w: w, n: n, k: k, c: &split, ldc: ldc, accumulate: accumulate, columns: 0..<(n / 2))
                RowGEMV.multiply(m: m, a: a, lda: lda, w: w, n: n, k: k, c: &split, ldc: ldc, accumulate: accumulate, columns: (n / 2)..<n)
                XCTAssertEqual(split, c)
            }
        }
    }
}

final class ComputeThreadsTests: XCTestCase {
    /// Each part of step s reads both parts of step s − 1: the result is the serial one only if the
    /// pipeline orders steps; run alone, nested in a parallel section (one thread), and with one thread.
    func testPipelineRunsStepsInOrder() {
        let steps = 300, parts = 2
        func run() -> [Int] {
            let cells = UnsafeMutablePointer<Int>.allocate(capacity: (steps + 1) * parts)
            defer { cells.deallocate() }
            cells.initialize(repeating: 1, count: parts)
            let shared = UncheckedSendable(cells)
            ComputeThreads.pipeline(steps: steps, parts: parts) { s, p in
                let previous = shared.value + s * parts
                shared.value[(s + 1) * parts + p] = (previous[0] + previous[1] + p) % 1_000_003
            }
            return Array(UnsafeBufferPointer(start: cells + steps * parts, count: parts))
        }
        var want = [1, 1]
        for _ in 0..<steps { want = (0..<parts).map { (want[0] + want[1] + $0) % 1_000_003 } }
        ComputeThreads.set(2)
        defer { ComputeThreads.set(nil) }
        for _ in 0..<20 { XCTAssertEqual(run(), want) }
        var nested: [[Int]] = [[], []]
        nested.withUnsafeMutableBufferPointer { results in
            let box = UncheckedSendable(results.baseAddress!)
            ComputeThreads.parallel([0, 1]) { i in box.value[i] = run() }
        }
        XCTAssertEqual(nested, [want, want])
        ComputeThreads.set(1)
        XCTAssertEqual(run(), want)
    }
}

extension RowGEMVTests {
    /// Outputs computed four at a time and one at a time are the same bits (threads sharing a step may
    /// group a row's outputs differently).
    func testGroupedAndSingleOutputsAgree() {
        var rng = SeededRNG(seed: 22)
        let n = 9, k = 200
        let a = (0..<k).map { _ in rng.uniform(-1, 1) }
        let w = (0..<(n * k)).map { _ in rng.uniform(-1, 1) }
        var grouped = [Float](repeating: 0, count: n), single = grouped
        RowGEMV.multiply(m: 1, a: a, lda: k, w: w, n: n, k: k, c: &grouped, ldc: n, accumulate: false)
        for j in 0..<n {
            RowGEMV.multiply(m: 1, a: a, lda: k, w: w, n: n, k: k, c: &single, ldc: n, accumulate: false, columns: j..<(j + 1))
        }
        XCTAssertEqual(grouped, single)
    }
}

extension ComputeThreadsTests {
    /// The default thread count follows the CPUs the process may run on (taskset, Slurm's
    /// --cpus-per-task), not the machine's: more threads than cores would make threads sharing a
    /// step wait on each other through the scheduler.
    func testCoresFollowTheAffinityMask() {
        var saved = [UInt64](repeating: 0, count: 16)
        XCTAssertEqual(saved.withUnsafeMutableBytes { affinity(get: true, $0) }, 0)
        defer { _ = saved.withUnsafeMutableBytes { affinity(get: false, $0) } }
        let first = saved[0].trailingZeroBitCount
        var one = [UInt64](repeating: 0, count: 16)
        one[0] = 1 << UInt64(first)
        XCTAssertEqual(one.withUnsafeMutableBytes { affinity(get: false, $0) }, 0)
        XCTAssertEqual(ComputeThreads.cores, 1)
        _ = saved.withUnsafeMutableBytes { affinity(get: false, $0) }
        XCTAssertEqual(ComputeThreads.cores, saved.reduce(0) { $0 + $1.nonzeroBitCount })
    }

    private func affinity(get: Bool, _ mask: UnsafeMutableRawBufferPointer) -> Int32 {
        get ? testGetAffinity(0, mask.count, mask.baseAddress!) : testSetAffinity(0, mask.count, mask.baseAddress!)
    }
}

@_silgen_name("sched_getaffinity")
private func testGetAffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
@_silgen_name("sched_setaffinity")
private func testSetAffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeMutableRawPointer) -> Int32
