import SeqTensor

/// A model's input stage: token ids through an `Embedding` (module name `embedding`) or dense features,
/// gathered into packed rows. Shared by every model so packing is written once.
public final class InputLayer {
    /// The embedding of token inputs; nil for dense inputs.
    public let embedding: Embedding?
    /// Width of one packed row: embedding width or feature count.
    public let width: Int
    private let featureCount: Int
    private var packedIDs: [Int32] = []   // [N] token ids in packed order
    private let x = Workspace()            // [N, I] packed input rows
    private let dx = Workspace()           // [N, I] d loss / d input rows

    public init(config: ModelConfig, rng: inout SeededRNG) {
        embedding = config.input == .tokens
            ? Embedding(prefix: "embedding.", vocab: config.vocab, width: config.embedDim, rng: &rng) : nil
        width = config.inputWidth
        featureCount = config.features
    }

    public var parameters: [Parameter] { embedding.map { [$0.weight] } ?? [] }

    /// The packed rows of the last forward, [N, I].
    public var output: UnsafePointer<Float> { UnsafePointer(x.pointer) }

    // forward: tokens [B, T] or features [B, T, F] → packed rows [N, I]
    @discardableResult
    public func forward(_ batch: SequenceBatch, layout: PackedLayout) -> UnsafePointer<Float> {
        let T = batch.length, N = layout.rows, I = width
        let x = self.x.reserve(N * I)
        switch batch.input {
        case .tokens(let ids):
            guard let embedding else { preconditionFailure("model expects dense features, got tokens") }
            if packedIDs.count < N { packedIDs = [Int32](repeating: 0, count: N) }
            for t in 0..<T {
                for i in 0..<layout.batchSizes[t] { packedIDs[layout.row(step: t, sequence: i)] = ids[layout.order[i] * T + t] }
            }
            packedIDs.withUnsafeBufferPointer { embedding.forward(out: x, ids: $0.baseAddress!, rows: N) }
        case .features(let features, let F):
            precondition(embedding == nil && F == featureCount, "model expects \(featureCount) features per step, got \(F)")
            features.withUnsafeBufferPointer { f in
                for t in 0..<T {
                    for i in 0..<layout.batchSizes[t] {
                        (x + layout.row(step: t, sequence: i) * I).update(from: f.baseAddress! + (layout.order[i] * T + t) * I, count: I)
                    }
                }
            }
        }
        return UnsafePointer(x)
    }

    /// A buffer for d loss / d rows [N, I] when the input needs a gradient (always for the embedding;
    /// for dense features only when the caller tracks it), else nil.
    public func gradientBuffer(layout: PackedLayout, tracksInputGradient: Bool) -> UnsafeMutablePointer<Float>? {
        embedding != nil || tracksInputGradient ? dx.reserve(layout.rows * width) : nil
    }

    // backward: d rows [N, I] (in gradientBuffer) → dembedding (+=) for tokens;
    //           for dense input, d features [B, T, F] (0 on padding) as the returned tensor
    public func backward(layout: PackedLayout, tracksInputGradient: Bool) -> Tensor? {
        let N = layout.rows, I = width, T = layout.maxLength
        if let embedding {
            packedIDs.withUnsafeBufferPointer { embedding.backward(dout: dx.pointer, ids: $0.baseAddress!, rows: N) }
            return nil
        }
        guard tracksInputGradient else { return nil }
        var g = Tensor(zeros: [layout.batch, T, I])
        g.data.withUnsafeMutableBufferPointer { out in
            for t in 0..<T {
                for i in 0..<layout.batchSizes[t] {
                    (out.baseAddress! + (layout.order[i] * T + t) * I).update(from: dx.pointer + layout.row(step: t, sequence: i) * I, count: I)
                }
            }
        }
        return g
    }
}

extension PackedLayout {
    /// Rows in sorted order [B, C] → a tensor in batch order.
    public func batchOrder(_ sorted: UnsafePointer<Float>, width C: Int) -> Tensor {
        var t = Tensor(zeros: [batch, C])
        t.data.withUnsafeMutableBufferPointer { out in
            for i in 0..<batch { (out.baseAddress! + order[i] * C).update(from: sorted + i * C, count: C) }
        }
        return t
    }

    /// A tensor in batch order [B, C] → rows in sorted order.
    public func sortedOrder(_ tensor: Tensor, into sorted: UnsafeMutablePointer<Float>) {
        let C = tensor.count / batch
        tensor.data.withUnsafeBufferPointer { d in
            for i in 0..<batch { (sorted + i * C).update(from: d.baseAddress! + order[i] * C, count: C) }
        }
    }

    /// Packed row of sequence i's last valid step.
    @inline(__always) public func lastRow(sequence i: Int) -> Int { row(step: lengths[i] - 1, sequence: i) }
}
