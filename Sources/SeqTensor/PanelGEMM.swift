import Synchronization
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

// Products against a weight matrix packed once and used many times: the recurrent step
// C[M, N] (+)= A[M, K] · B, where B is the same W_hh for every step of a sequence and M is only the
// handful of rows (sequences) alive at that step.
//
// oneDNN's sgemm re-reads B in whatever layout it is handed on every call and, for 8–32 rows, stays
// below the core's FMA peak; against B packed into column panels the kernel below reaches it
// (figures: docs/performance.md). Packing costs one pass over B, paid once per forward or backward.
//
// Packed layout: panels of 32 columns of B, panel p = B[0..<K, 32p..<32p+32] stored k-major
// ([K][32], 128 bytes per k), the last panel zero-padded. A kernel keeps an 8 × 32 block of C in
// 16 vector registers while it walks K: per k, two loads of B, eight broadcasts of A, sixteen FMAs.
//
// Every element of C is the sum over k in increasing order, one FMA at a time, in every kernel:
// a row's result does not depend on how many other rows were multiplied with it.

/// A weight matrix packed into 32-column panels for `PanelGEMM.multiply`.
public final class PackedPanels: @unchecked Sendable {
    // The shape and storage are read by every product (several per step of one sequence) and written only by
    // `pack`, never concurrently with a product: unchecked, so reading them costs no run-time exclusivity check
    // (a step of one sequence makes several products, each of about a microsecond).
    /// Columns of B (the N of the product) and rows of B (the K).
    @exclusivity(unchecked) public private(set) var columns = 0
    @exclusivity(unchecked) public private(set) var depth = 0
    @exclusivity(unchecked) private var storage: UnsafeMutablePointer<Float>?
    private var capacity = 0
    /// The source of the current panels, to skip packing the same weights again (inference).
    private var packedFrom: UnsafeMutablePointer<Float>?
    private var packedTransposed = false
    /// Whether `packedFrom` holds the source of the current panels.
    private var copyIsCurrent = false

    public init() {}
    deinit { storage?.deallocate(); packedFrom?.deallocate() }

    /// Panels of 32 columns.
    public var panels: Int { (columns + 31) / 32 }
    var pointer: UnsafePointer<Float> { UnsafePointer(storage!) }

    /// Packs B. `transposed`: the source is Bᵀ stored [N, K] (PyTorch's W_hh [G·H, H] for the forward
    /// step, gates = h · W_hhᵀ); otherwise B is stored [K, N] (W_hh for the backward step, dh = dgates · W_hh).
    /// Panels are packed in parallel across ComputeThreads.
    /// When the source holds the same bits as at the last call (weights unchanged between inference
    /// passes), the panels are kept: comparing costs a read of two copies, a fraction of a pack's strided
    /// writes. Training changes the weights every step; the comparison then stops at the first bytes.
    /// `reuse: false` (training, where the weights change between passes) packs without the comparison and
    /// without keeping the copy it needs; the next `reuse: true` call then packs too.
    public func pack(_ source: UnsafePointer<Float>, rows k: Int, columns n: Int, transposed: Bool, reuse: Bool = true) {
        if reuse, copyIsCurrent, let packedFrom, columns == n, depth == k, packedTransposed == transposed,
           memcmp(packedFrom, source, n * k * MemoryLayout<Float>.size) == 0 { return }
        columns = n; depth = k; packedTransposed = transposed
        let needed = panels * 32 * k
        if needed > capacity {
            storage?.deallocate()
            storage = .allocate(capacity: max(needed, 1))
            packedFrom?.deallocate()
            packedFrom = nil
            capacity = needed
        }
        copyIsCurrent = reuse
        if reuse {
            if packedFrom == nil { packedFrom = .allocate(capacity: max(capacity, 1)) }
            packedFrom!.update(from: source, count: n * k)
        }
        let dst = UncheckedSendable(storage!)
        let threads = min(ComputeThreads.available, panels, max(1, n * k / 65_536))
        let perThread = (panels + threads - 1) / threads
        ComputeThreads.parallel(Array(stride(from: 0, to: panels, by: perThread))) { first in
            for p in first..<min(first + perThread, self.panels) {
                Self.packPanel(p, source, k: k, n: n, transposed: transposed, into: dst.value + p * 32 * k)
            }
        }
    }

    private static func packPanel(_ p: Int, _ source: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool,
                                  into panel: UnsafeMutablePointer<Float>) {
        let c0 = 32 * p, width = min(32, n - c0)
        if width < 32 { panel.update(repeating: 0, count: 32 * k) }
        if transposed {
            // Column c of B is row c of the source: read it contiguously, scatter with stride 32.
            for j in 0..<width {
                let row = source + (c0 + j) * k
                for kk in 0..<k { panel[kk * 32 + j] = row[kk] }
            }
        } else {
            for kk in 0..<k { (panel + kk * 32).update(from: source + kk * n + c0, count: width) }
        }
    }
}

public enum PanelGEMM {
    // multiply: A [M, K] (row stride lda), B packed [K, N] → C [M, N] (row stride ldc);
    //           C = A·B when `accumulate` is false, C += A·B when true. Columns `panels` of B only
    //           (default all): lets threads share one product by splitting its columns.
    /// `C (+)= A · B` with B packed. Counted as M·N·K MACs (of the columns computed).
    public static func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, b: PackedPanels,
                                c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
                                panels: Range<Int>? = nil) {
        let shape = (pointer: b.pointer, columns: b.columns, depth: b.depth)
        let panels = panels ?? 0..<(shape.columns + 31) / 32
        let k = shape.depth
        guard m > 0, !panels.isEmpty else { return }
        let macs = m * k * (min(32 * panels.upperBound, shape.columns) - 32 * panels.lowerBound)
        FlopCounter.addMACs(macs)
        // One relaxed load when not profiling: a step of one sequence makes several calls of ~0.5 µs each, so
        // the check must cost no exclusivity check and no clock reading (no Optional<Instant>).
        guard Profile.enabled.load(ordering: .relaxed) else {
            return multiplyPanels(m: m, a: a, lda: lda, b: shape, c: c, ldc: ldc, accumulate: accumulate, panels: panels)
        }
        let started = ContinuousClock.now
        multiplyPanels(m: m, a: a, lda: lda, b: shape, c: c, ldc: ldc, accumulate: accumulate, panels: panels)
        Profile.record(n: shape.columns, k: k, macs: macs, since: started)
    }

    @inline(__always)
    private static func multiplyPanels(m: Int, a: UnsafePointer<Float>, lda: Int,
                                       b: (pointer: UnsafePointer<Float>, columns: Int, depth: Int),
                                       c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, panels: Range<Int>) {
        let k = b.depth
        // Blocks of 8 rows through the 8-row kernel, a last block of 4–7 rows too (its spare rows re-read the
        // last real row and are not stored); a remainder of 1–3 rows one row at a time, two panels at once.
        let single = m % 8 < 4 ? m % 8 : 0, blocked = m - single
        for p in panels {
            let panel = b.pointer + p * 32 * k, c0 = 32 * p, width = min(32, b.columns - c0)
            var r = 0
            while r < blocked {
                let take = min(8, blocked - r)
                kernel8(take, a + r * lda, lda, panel, k, c + r * ldc + c0, ldc, width, accumulate)
                r += take
            }
        }
        for r in blocked..<m {
            var p = panels.lowerBound
            while p + 2 <= panels.upperBound && 32 * (p + 2) <= b.columns {
                kernel1x2(a + r * lda, b.pointer + p * 32 * k, k, c + r * ldc + 32 * p, accumulate)
                p += 2
            }
            while p < panels.upperBound {
                kernel1(a + r * lda, b.pointer + p * 32 * k, k, c + r * ldc + 32 * p, min(32, b.columns - 32 * p), accumulate)
                p += 1
            }
        }
    }

    private typealias V = SIMD16<Float>

    @inline(__always) private static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    /// Writes (or adds) one row's 32 results to `c`, of which `width` are real columns.
    @inline(__always)
    private static func store(_ lo: V, _ hi: V, _ c: UnsafeMutablePointer<Float>, _ width: Int, _ accumulate: Bool) {
        if width == 32 {
            let raw = UnsafeMutableRawPointer(c)
            raw.storeBytes(of: accumulate ? load(c) + lo : lo, as: V.self)
            raw.storeBytes(of: accumulate ? load(c + 16) + hi : hi, toByteOffset: 64, as: V.self)
        } else {
            for j in 0..<width {
                let v = j < 16 ? lo[j] : hi[j - 16]
                c[j] = accumulate ? c[j] + v : v
            }
        }
    }

    // kernel8: rows ≤ 8 rows of A (row stride lda), one panel [K][32] → the rows' 32 columns of C.
    @inline(__always)
    private static func kernel8(_ rows: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
                                _ k: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ width: Int,
                                _ accumulate: Bool) {
        func row(_ i: Int) -> UnsafePointer<Float> { a + min(i, rows - 1) * lda }
        let a0 = row(0), a1 = row(1), a2 = row(2), a3 = row(3), a4 = row(4), a5 = row(5), a6 = row(6), a7 = row(7)
        var c0l = V(), c0h = V(), c1l = V(), c1h = V(), c2l = V(), c2h = V(), c3l = V(), c3h = V()
        var c4l = V(), c4h = V(), c5l = V(), c5h = V(), c6l = V(), c6h = V(), c7l = V(), c7h = V()
        var bp = b
        for kk in 0..<k {
            let lo = load(bp), hi = load(bp + 16)
            var x = V(repeating: a0[kk]); c0l = c0l.addingProduct(x, lo); c0h = c0h.addingProduct(x, hi)
            x = V(repeating: a1[kk]); c1l = c1l.addingProduct(x, lo); c1h = c1h.addingProduct(x, hi)
            x = V(repeating: a2[kk]); c2l = c2l.addingProduct(x, lo); c2h = c2h.addingProduct(x, hi)
            x = V(repeating: a3[kk]); c3l = c3l.addingProduct(x, lo); c3h = c3h.addingProduct(x, hi)
            x = V(repeating: a4[kk]); c4l = c4l.addingProduct(x, lo); c4h = c4h.addingProduct(x, hi)
            x = V(repeating: a5[kk]); c5l = c5l.addingProduct(x, lo); c5h = c5h.addingProduct(x, hi)
            x = V(repeating: a6[kk]); c6l = c6l.addingProduct(x, lo); c6h = c6h.addingProduct(x, hi)
            x = V(repeating: a7[kk]); c7l = c7l.addingProduct(x, lo); c7h = c7h.addingProduct(x, hi)
            bp += 32
        }
        store(c0l, c0h, c, width, accumulate)
        if rows > 1 { store(c1l, c1h, c + ldc, width, accumulate) }
        if rows > 2 { store(c2l, c2h, c + 2 * ldc, width, accumulate) }
        if rows > 3 { store(c3l, c3h, c + 3 * ldc, width, accumulate) }
        if rows > 4 { store(c4l, c4h, c + 4 * ldc, width, accumulate) }
        if rows > 5 { store(c5l, c5h, c + 5 * ldc, width, accumulate) }
        if rows > 6 { store(c6l, c6h, c + 6 * ldc, width, accumulate) }
        if rows > 7 { store(c7l, c7h, c + 7 * ldc, width, accumulate) }
    }

    // kernel1x2: one row of A, two consecutive full panels → the row's 64 columns of C. Four independent
    // accumulators cover the FMA latency, where kernel1's two chains wait on each other; more panels at
    // once gain nothing more (docs/performance.md).
    // Same summation order as kernel8.
    @inline(__always)
    private static func kernel1x2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ k: Int,
                                  _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        var c0l = V(), c0h = V(), c1l = V(), c1h = V()
        let stride = 32 * k
        var bp = b
        for kk in 0..<k {
            let x = V(repeating: a[kk])
            c0l = c0l.addingProduct(x, load(bp)); c0h = c0h.addingProduct(x, load(bp + 16))
            c1l = c1l.addingProduct(x, load(bp + stride)); c1h = c1h.addingProduct(x, load(bp + stride + 16))
            bp += 32
        }
        store(c0l, c0h, c, 32, accumulate); store(c1l, c1h, c + 32, 32, accumulate)
    }

    // kernel1: one row of A, one panel [K][32] → the row's 32 columns of C. Same summation order as kernel8.
    @inline(__always)
    private static func kernel1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ k: Int,
                                _ c: UnsafeMutablePointer<Float>, _ width: Int, _ accumulate: Bool) {
        var lo = V(), hi = V()
        var bp = b
        for kk in 0..<k {
            let x = V(repeating: a[kk])
            lo = lo.addingProduct(x, load(bp)); hi = hi.addingProduct(x, load(bp + 16))
            bp += 32
        }
        store(lo, hi, c, width, accumulate)
    }
}

extension PanelGEMM {
    /// Time spent in `multiply`, by product shape, for benchmarks that compare a product's rate inside
    /// a training step with its rate alone. Off unless `Profile.measure` runs; then each call reads the
    /// clock twice (~50 ns against the ≥ 10 µs a step product takes at the sizes that matter).
    public enum Profile {
        /// A product shape: B's columns (N) and depth (K).
        public struct Shape: Hashable, Sendable, CustomStringConvertible {
            public let n: Int, k: Int
            public var description: String { "N \(n) K \(k)" }
        }

        /// Calls, MACs and the summed time of the calls (on whichever threads made them).
        public struct Totals: Sendable {
            public var calls = 0, macs = 0
            public var seconds = 0.0
            /// Achieved rate per calling thread: 2 FLOPs per MAC over the time the calls took.
            public var gflopsPerThread: Double { seconds > 0 ? 2 * Double(macs) / seconds / 1e9 : 0 }
        }

        static let enabled = Atomic<Bool>(false)
        static let totals = Mutex([Shape: Totals]())

        /// Runs `body` with profiling on and returns the totals of the products it made.
        public static func measure(_ body: () throws -> Void) rethrows -> [Shape: Totals] {
            totals.withLock { $0 = [:] }
            enabled.store(true, ordering: .relaxed)
            defer { enabled.store(false, ordering: .relaxed) }
            try body()
            return totals.withLock { $0 }
        }

        static func record(n: Int, k: Int, macs: Int, since start: ContinuousClock.Instant) {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            totals.withLock { all in
                all[Shape(n: n, k: k), default: Totals()].calls += 1
                all[Shape(n: n, k: k), default: Totals()].macs += macs
                all[Shape(n: n, k: k), default: Totals()].seconds += seconds
            }
        }
    }
}
