import SeqTensor

/// How the top layer's outputs become one vector per sequence.
public enum Pooling: Sendable {
    /// Hidden state at the last valid step (`rnn`, `lstm`): PyTorch's `h_n[-1]`.
    case lastStep
    /// `[h_fwd(last valid step) ; h_bwd(step 0)]` (`bilstm`): PyTorch's `h_n[-2], h_n[-1]`.
    case bidirectionalEnds
    /// Additive attention over all valid steps (`bilstm_attention`).
    case attention
}

/// The body every built-in model shares: input (embedding or dense) → stacked recurrent layers →
/// pooling → linear classifier. A model file picks the cell, the directions and the pooling.
///
/// PyTorch module names (state_dict prefixes): `embedding`, `rnn`, `attention`, `classifier`.
public final class RecurrentClassifier: SequenceModel {
    public let config: ModelConfig
    public let pooling: Pooling
    public let embedding: Embedding?
    public let encoder: RecurrentStack
    public let attention: AdditiveAttention?
    public let classifier: Linear
    public var tracksInputGradient = false
    public private(set) var attentionWeights: Tensor?
    public private(set) var inputGradient: Tensor?

    // Saved by forward for backward.
    private var layout = PackedLayout(lengths: [1], maxLength: 1)
    private var packedIDs: [Int32] = []        // [N] token ids in packed order
    private let x = Workspace()                // [N, I] packed input rows
    private let dx = Workspace()               // [N, I] d loss / d input rows
    private let representation = Workspace()   // [B, D] pooled vectors, sorted order
    private let dRepresentation = Workspace()  // [B, D]
    private let sortedLogits = Workspace()     // [B, C]
    private let dSortedLogits = Workspace()    // [B, C]

    public init(config: ModelConfig, cell: CellKind, bidirectional: Bool, pooling: Pooling, rng: inout SeededRNG) {
        precondition(pooling != .bidirectionalEnds || bidirectional, "bidirectionalEnds pooling needs two directions")
        self.config = config
        self.pooling = pooling
        embedding = config.input == .tokens
            ? Embedding(prefix: "embedding.", vocab: config.vocab, width: config.embedDim, rng: &rng) : nil
        encoder = RecurrentStack(cell: cell, inputSize: config.inputWidth, hidden: config.hidden, layers: config.layers,
                                 bidirectional: bidirectional, prefix: "rnn.", rng: &rng)
        attention = pooling == .attention
            ? AdditiveAttention(prefix: "attention.", width: encoder.outputWidth, attentionDim: config.attentionDim, rng: &rng)
            : nil
        classifier = Linear(prefix: "classifier.", inFeatures: encoder.outputWidth, outFeatures: config.classes, rng: &rng)
    }

    public var parameters: [Parameter] {
        (embedding.map { [$0.weight] } ?? []) + encoder.parameters + (attention?.parameters ?? []) + classifier.parameters
    }

    public func flops(lengths: [Int], maxLength: Int) -> [NamedLayerFlops] {
        let layout = PackedLayout(lengths: lengths, maxLength: maxLength)
        var rows: [NamedLayerFlops] = []
        // Embedding lookups and gradient scatter are copies and adds: no MACs.
        if embedding != nil { rows.append(NamedLayerFlops(name: "embedding", flops: LayerFlops(forward: FlopCount(), backward: FlopCount()))) }
        let firstInputGradient = embedding != nil || tracksInputGradient
        for (k, directions) in encoder.layer.enumerated() {
            for d in directions {
                rows.append(NamedLayerFlops(name: "rnn.l\(k)" + (d.reverse ? "_reverse" : ""),
                                            flops: d.flops(layout: layout, inputGradient: k > 0 || firstInputGradient)))
            }
        }
        if let attention { rows.append(NamedLayerFlops(name: "attention", flops: attention.flops(layout: layout))) }
        rows.append(NamedLayerFlops(name: "classifier", flops: classifier.flops(rows: lengths.count, inputGradient: true)))
        return rows
    }

    /// Float32 activations a training step keeps between forward and backward: the packed input, per
    /// direction its gate activations (and LSTM c, tanh c, aligned previous h and c), every layer's
    /// outputs, attention's tanh projection and weights, the pooled vectors and the logits.
    public func activationBytes(lengths: [Int], maxLength: Int) -> Int? {
        let N = lengths.reduce(0, +), B = lengths.count, H = config.hidden, D = encoder.outputWidth
        var floats = N * config.inputWidth
        for directions in encoder.layer {
            for d in directions { floats += N * d.cell.gates * H + (d.cell == .lstm ? 4 : 1) * N * H }
            floats += N * D
        }
        if attention != nil { floats += N * config.attentionDim + N }
        floats += B * D + B * config.classes
        return 4 * floats
    }

    // forward: batch (tokens [B, T] or features [B, T, F]) → logits [B, C]
    public func forward(_ batch: SequenceBatch) -> Tensor {
        let T = batch.length, B = batch.batchSize, C = config.classes
        layout = PackedLayout(lengths: batch.lengths, maxLength: T)
        let N = layout.rows, I = config.inputWidth
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
            precondition(embedding == nil && F == config.features, "model expects \(config.features) features per step, got \(F)")
            features.withUnsafeBufferPointer { f in
                for t in 0..<T {
                    for i in 0..<layout.batchSizes[t] {
                        (x + layout.row(step: t, sequence: i) * I).update(from: f.baseAddress! + (layout.order[i] * T + t) * I, count: I)
                    }
                }
            }
        }

        let top = encoder.forward(x: x, layout: layout)
        let D = encoder.outputWidth, H = config.hidden
        let rep = representation.reserve(B * D)
        switch pooling {
        case .lastStep:
            for i in 0..<B { (rep + i * D).update(from: top + layout.row(step: layout.lengths[i] - 1, sequence: i) * D, count: D) }
        case .bidirectionalEnds:
            for i in 0..<B {
                (rep + i * D).update(from: top + layout.row(step: layout.lengths[i] - 1, sequence: i) * D, count: H)
                (rep + i * D + H).update(from: top + layout.row(step: 0, sequence: i) * D + H, count: H)
            }
        case .attention:
            attention!.forward(context: rep, h: top, layout: layout)
        }

        let sorted = sortedLogits.reserve(B * C)
        classifier.forward(y: sorted, x: rep, rows: B)
        var logits = Tensor(zeros: [B, C])
        logits.data.withUnsafeMutableBufferPointer { out in
            for i in 0..<B { (out.baseAddress! + layout.order[i] * C).update(from: sorted + i * C, count: C) }
        }
        if let attention {
            var weights = Tensor(zeros: [B, T])
            for i in 0..<B {
                for t in 0..<layout.lengths[i] {
                    weights.data[layout.order[i] * T + t] = attention.weights[layout.row(step: t, sequence: i)]
                }
            }
            attentionWeights = weights
        }
        return logits
    }

    // backward: dlogits [B, C] (batch order) → every parameter gradient (+=); inputGradient [B, T, F] if tracked
    public func backward(_ dLogits: Tensor) {
        let B = layout.batch, C = config.classes, D = encoder.outputWidth, H = config.hidden
        let N = layout.rows, I = config.inputWidth, T = layout.maxLength
        precondition(dLogits.shape == [B, C], "dlogits must be [\(B), \(C)], got \(dLogits.shape)")
        let dSorted = dSortedLogits.reserve(B * C)
        dLogits.data.withUnsafeBufferPointer { d in
            for i in 0..<B { (dSorted + i * C).update(from: d.baseAddress! + layout.order[i] * C, count: C) }
        }
        let rep = UnsafePointer(representation.pointer)
        let dRep = dRepresentation.reserve(B * D)
        classifier.backward(dx: dRep, dy: dSorted, x: rep, rows: B)

        let dTop = encoder.topGradient()
        switch pooling {
        case .lastStep:
            for i in 0..<B {
                Elementwise.add(dRep + i * D, into: dTop + layout.row(step: layout.lengths[i] - 1, sequence: i) * D, count: D)
            }
        case .bidirectionalEnds:
            for i in 0..<B {
                Elementwise.add(dRep + i * D, into: dTop + layout.row(step: layout.lengths[i] - 1, sequence: i) * D, count: H)
                Elementwise.add(dRep + i * D + H, into: dTop + layout.row(step: 0, sequence: i) * D + H, count: H)
            }
        case .attention:
            attention!.backward(dh: dTop, dcontext: dRep, h: encoder.output(layer: config.layers - 1), layout: layout)
        }

        let needDX = embedding != nil || tracksInputGradient
        let dx = needDX ? self.dx.reserve(N * I) : nil
        encoder.backward(x: x.pointer, dx: dx)
        if let embedding, let dx {
            packedIDs.withUnsafeBufferPointer { embedding.backward(dout: dx, ids: $0.baseAddress!, rows: N) }
            inputGradient = nil
        } else if let dx {
            var g = Tensor(zeros: [B, T, I])
            g.data.withUnsafeMutableBufferPointer { out in
                for t in 0..<T {
                    for i in 0..<layout.batchSizes[t] {
                        (out.baseAddress! + (layout.order[i] * T + t) * I).update(from: dx + layout.row(step: t, sequence: i) * I, count: I)
                    }
                }
            }
            inputGradient = g
        } else {
            inputGradient = nil
        }
    }
}
