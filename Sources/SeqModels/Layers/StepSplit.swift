import SeqTensor

/// How the threads share the time loop of one recurrent direction: `groups` contiguous groups of sequences,
/// which never wait for each other, and each step of a group split into `unitParts` parts of hidden units,
/// which meet after every step (`ComputeThreads.pipeline`). groups × unitParts ≤ threads.
///
/// Splitting by sequences needs no meeting, but every thread streams all of W_hh at every step; with few
/// rows per thread that stream is the cost. Splitting by units gives each thread its own slice of W_hh,
/// which stays in its core's L2 from step to step, at the price of a meeting per step (~0.2 µs on two
/// cores). Each output is computed by one thread with the same kernel and summation order in every split,
/// so the split never changes a bit (tested).
struct StepSplit: Equatable, CustomStringConvertible {
    let groups: Int, unitParts: Int

    var description: String { "\(groups) sequence group(s) × \(unitParts) unit part(s)" }

    /// W_hh entries from which threads share steps by hidden units (256 KB): below that a step lasts too
    /// little for the meeting after every step to pay (docs/performance.md). A variable so that tests can
    /// reach the shared paths with small layers.
    nonisolated(unsafe) static var sharedStepWeights = 65_536

    /// The per-core cache a thread's slice of W_hh is kept within (half of it, the rest for the rows and
    /// gates): the L2 of the machine seqbench runs on. A variable for tests.
    nonisolated(unsafe) static var cacheBytes = CPUCaches.level2Bytes

    /// The split for `batch` sequences on `threads` threads. `asStored`: steps read W_hh as stored
    /// (RowGEMV, 16-unit granularity), else packed in 32-column panels.
    ///
    /// - W_hh as stored (one to three sequences, W_hh beyond half the L2): split by units over every thread.
    /// - W_hh below `sharedStepWeights`, H not a multiple of 32, or one thread: by sequences.
    /// - One to three sequences: by units over every thread (too few sequences to split).
    /// - At least 8 rows per thread (the packed kernel's block): by sequences. Each element of W_hh streamed
    ///   then feeds 8 or more rows, enough to keep the kernel at the FMA peak even from L3 (measured: H 256,
    ///   batch 32 on two cores ran 5 % slower split in two unit parts, whose slices fit the L2).
    /// - Fewer: the fewest unit parts whose slice of W_hh fits half the L2 while each sequence group keeps at
    ///   least 8 rows (all of them when fewer); by sequences when no split does both. On two cores this splits
    ///   batches of 4–15 sequences in two unit parts; on 16 threads it gives batch 32 at H 512 four or eight.
    static func plan(batch: Int, hidden: Int, gates: Int, asStored: Bool, threads: Int) -> StepSplit {
        let threads = max(1, threads), maxUnitParts = hidden / 32
        let bySequences = StepSplit(groups: max(1, min(threads, batch)), unitParts: 1)
        if asStored {
            let parts = min(threads, maxUnitParts)
            return parts > 1 ? StepSplit(groups: 1, unitParts: parts) : bySequences
        }
        guard threads > 1, maxUnitParts > 1, hidden % 32 == 0, gates * hidden * hidden >= sharedStepWeights else {
            return bySequences
        }
        if batch < 4 { return StepSplit(groups: 1, unitParts: min(threads, maxUnitParts)) }
        if batch / threads >= 8 { return bySequences }
        let bytes = 4 * gates * hidden * hidden
        for parts in 1...min(threads, maxUnitParts) {
            let groups = min(batch, threads / parts)
            let rows = (batch + groups - 1) / groups
            if bytes / parts <= cacheBytes / 2 && rows >= min(8, batch) {
                return StepSplit(groups: groups, unitParts: parts)
            }
        }
        return bySequences
    }

    /// The hidden units in `unitParts` parts on `granularity` boundaries, each at least 32 units (one part
    /// when H < 64).
    func unitRanges(hidden: Int, granularity: Int) -> [Range<Int>] {
        let chunks = (hidden + granularity - 1) / granularity
        let parts = max(1, min(unitParts, chunks / max(1, 32 / granularity), hidden / 32))
        return (0..<parts).map { p in
            min(hidden, granularity * (chunks * p / parts))..<min(hidden, granularity * (chunks * (p + 1) / parts))
        }
    }

    /// Contiguous ranges of the (length-sorted) sequences, `groups` of them, balanced by valid steps.
    func sequenceRanges(_ layout: PackedLayout) -> [Range<Int>] {
        let parts = min(groups, layout.batch)
        guard parts > 1 else { return [0..<layout.batch] }
        var ranges: [Range<Int>] = [], start = 0, done = 0
        for p in 1..<parts {
            let goal = layout.rows * p / parts
            var end = start
            while end < layout.batch - (parts - p) && (done + layout.lengths[end] <= goal || end == start) {
                done += layout.lengths[end]; end += 1
            }
            ranges.append(start..<end)
            start = end
        }
        ranges.append(start..<layout.batch)
        return ranges
    }
}
