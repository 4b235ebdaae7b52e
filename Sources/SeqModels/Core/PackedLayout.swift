/// How a padded batch of variable-length sequences is packed, with PyTorch's PackedSequence
/// semantics: sequences sorted by length (longest first, ties in batch order), then time-major,
/// keeping at step t only the B_t sequences that are still running. Every layer computes on
/// packed rows, so padding is never touched and the work done is exactly the valid steps.
///
/// Row of sequence i (in sorted order) at step t: `offsets[t] + i`, valid for i < batchSizes[t].
public struct PackedLayout: Equatable, Sendable {
    /// Padded length T.
    public let maxLength: Int
    /// `order[i]` is the original batch index of the i-th longest sequence.
    public let order: [Int]
    /// Lengths in sorted order (non-increasing).
    public let lengths: [Int]
    /// B_t: sequences still running at step t, for t in 0..<T.
    public let batchSizes: [Int]
    /// First packed row of each step; `offsets[T]` = N = Σ lengths.
    public let offsets: [Int]

    public init(lengths original: [Int], maxLength: Int) {
        self.maxLength = maxLength
        order = original.indices.sorted { a, b in
            original[a] != original[b] ? original[a] > original[b] : a < b
        }
        lengths = order.map { original[$0] }
        var sizes = [Int](repeating: 0, count: maxLength)
        for l in lengths { for t in 0..<l { sizes[t] += 1 } }
        batchSizes = sizes
        var offs = [0]
        for s in sizes { offs.append(offs.last! + s) }
        offsets = offs
    }

    public var batch: Int { order.count }
    /// N: the number of packed rows.
    public var rows: Int { offsets[maxLength] }

    /// Packed row of sorted sequence `i` at step `t`.
    @inline(__always) public func row(step t: Int, sequence i: Int) -> Int { offsets[t] + i }
}
