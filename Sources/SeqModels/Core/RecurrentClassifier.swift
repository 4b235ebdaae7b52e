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
/// Dropout (training `forward` only): on the input rows (`embedDropout`), between recurrent layers
/// (`layerDropout`) and on the pooled vector before the classifier (`outputDropout`); masks are drawn from
/// `dropoutRNG` in that order.
///
/// PyTorch module names (state_dict prefixes): `embedding`, `rnn`, `attention`, `classifier`.
public final class RecurrentClassifier: SequenceModel {
    public let config: ModelConfig
    public let pooling: Pooling
    public let input: InputLayer
    public var embedding: Embedding? { input.embedding }
    public let encoder: RecurrentStack
    public let attention: AdditiveAttention?
    public let classifier: Linear
    public var tracksInputGradient = false
    public private(set) var attentionWeights: Tensor?
    public private(set) var inputGradient: Tensor?
    public var dropoutRNG: SeededRNG?
    private let inputDropout: Dropout
    private let outputDropout: Dropout
    private var droppedLast = false   // whether the last forward drew masks

    // Saved by forward for backward.
    private var keptForBackward = false
    private var layout = PackedLayout(lengths: [1], maxLength: 1)
    private let representation = Workspace()   // [B, D] pooled vectors, sorted order
    private let dRepresentation = Workspace()  // [B, D]
    private let sortedLogits = Workspace()     // [B, C]
    private let dSortedLogits = Workspace()    // [B, C]

    public init(config: ModelConfig, cell: CellKind, bidirectional: Bool, pooling: Pooling, rng: inout SeededRNG) {
        precondition(pooling != .bidirectionalEnds || bidirectional, "bidirectionalEnds pooling needs two directions")
        self.config = config
        self.pooling = pooling
        input = InputLayer(config: config, rng: &rng)
        encoder = RecurrentStack(cell: cell, inputSize: config.inputWidth, hidden: config.hidden, layers: config.layers,
                                 bidirectional: bidirectional, prefix: "rnn.", dropout: config.layerDropout, rng: &rng)
        attention = pooling == .attention
            ? AdditiveAttention(prefix: "attention.", width: encoder.outputWidth, attentionDim: config.attentionDim, rng: &rng)
            : nil
        classifier = Linear(prefix: "classifier.", inFeatures: encoder.outputWidth, outFeatures: config.classes, rng: &rng)
        inputDropout = Dropout(p: config.embedDropout)
        outputDropout = Dropout(p: config.outputDropout)
        // A placeholder stream until a trainer seeds it from the run's seed; nil keeps dropout-free models exact.
        dropoutRNG = config.hasDropout ? SeededRNG(seed: 0, stream: "dropout") : nil
    }

    public var parameters: [Parameter] {
        input.parameters + encoder.parameters + (attention?.parameters ?? []) + classifier.parameters
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
    /// direction its gate activations (and LSTM c and tanh c), the previous h aligned with each step, every layer's
    /// outputs, attention's tanh projection and weights, the pooled vectors and the logits.
    public func activationBytes(lengths: [Int], maxLength: Int) -> Int? {
        let N = lengths.reduce(0, +), B = lengths.count, H = config.hidden, D = encoder.outputWidth
        var floats = N * config.inputWidth
        for directions in encoder.layer {
            for d in directions { floats += N * d.cell.gates * H + (d.cell == .lstm ? 3 : 1) * N * H }
            floats += N * D
        }
        if attention != nil { floats += N * config.attentionDim + N }
        floats += B * D + B * config.classes
        // Masks, and the dropped copy of every layer's output but the last.
        if config.embedDropout > 0 { floats += N * config.inputWidth }
        if config.layerDropout > 0 { floats += 2 * (config.layers - 1) * N * D }
        if config.outputDropout > 0 { floats += B * D }
        return 4 * floats
    }

    // forward: batch (tokens [B, T] or features [B, T, F]) → logits [B, C]
    public func forward(_ batch: SequenceBatch) -> Tensor { run(batch, keep: true) }

    /// Forward without what only backward reads: the recurrent layers neither copy each step's h and c to
    /// the next step's aligned rows nor store gate activations and tanh(c) (see `RecurrentDirection.forward`).
    public func infer(_ batch: SequenceBatch) -> Tensor { run(batch, keep: false) }

    private func run(_ batch: SequenceBatch, keep: Bool) -> Tensor {
        keptForBackward = keep
        let T = batch.length, B = batch.batchSize, C = config.classes
        layout = PackedLayout(lengths: batch.lengths, maxLength: T)
        let x = input.forward(batch, layout: layout)
        // Dropout only while training; infer and a model without dropout leave it out entirely.
        var rng: SeededRNG? = keep ? dropoutRNG : nil
        droppedLast = rng != nil
        if droppedLast && inputDropout.isActive {
            let n = layout.rows * input.width
            inputDropout.drawMask(count: n, rng: &rng!)
            inputDropout.forward(y: UnsafeMutablePointer(mutating: x), x: x, count: n)
        }
        let top = encoder.forward(x: x, layout: layout, keep: keep, dropoutRNG: &rng)
        let D = encoder.outputWidth, H = config.hidden
        let rep = representation.reserve(B * D)
        switch pooling {
        case .lastStep:
            for i in 0..<B { (rep + i * D).update(from: top + layout.lastRow(sequence: i) * D, count: D) }
        case .bidirectionalEnds:
            for i in 0..<B {
                (rep + i * D).update(from: top + layout.lastRow(sequence: i) * D, count: H)
                (rep + i * D + H).update(from: top + layout.row(step: 0, sequence: i) * D + H, count: H)
            }
        case .attention:
            attention!.forward(context: rep, h: top, layout: layout)
        }
        if droppedLast && outputDropout.isActive {
            outputDropout.drawMask(count: B * D, rng: &rng!)
            outputDropout.forward(y: rep, x: rep, count: B * D)
        }
        if droppedLast { dropoutRNG = rng }

        let sorted = sortedLogits.reserve(B * C)
        classifier.forward(y: sorted, x: rep, rows: B)
        let logits = layout.batchOrder(sorted, width: C)
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
        precondition(keptForBackward, "backward needs the activations of forward; the last pass was infer")
        precondition(dLogits.shape == [B, C], "dlogits must be [\(B), \(C)], got \(dLogits.shape)")
        let dSorted = dSortedLogits.reserve(B * C)
        layout.sortedOrder(dLogits, into: dSorted)
        let rep = UnsafePointer(representation.pointer)
        let dRep = dRepresentation.reserve(B * D)
        classifier.backward(dx: dRep, dy: dSorted, x: rep, rows: B)
        if droppedLast && outputDropout.isActive { outputDropout.backward(dx: dRep, dy: dRep, count: B * D) }

        let dTop = encoder.topGradient()
        switch pooling {
        case .lastStep:
            for i in 0..<B {
                Elementwise.add(dRep + i * D, into: dTop + layout.lastRow(sequence: i) * D, count: D)
            }
        case .bidirectionalEnds:
            for i in 0..<B {
                Elementwise.add(dRep + i * D, into: dTop + layout.lastRow(sequence: i) * D, count: H)
                Elementwise.add(dRep + i * D + H, into: dTop + layout.row(step: 0, sequence: i) * D + H, count: H)
            }
        case .attention:
            attention!.backward(dh: dTop, dcontext: dRep, h: encoder.output(layer: config.layers - 1), layout: layout)
        }

        let dx = input.gradientBuffer(layout: layout, tracksInputGradient: tracksInputGradient)
        encoder.backward(x: input.output, dx: dx)
        if droppedLast && inputDropout.isActive, let dx { inputDropout.backward(dx: dx, dy: dx, count: layout.rows * input.width) }
        inputGradient = input.backward(layout: layout, tracksInputGradient: tracksInputGradient)
    }
}
