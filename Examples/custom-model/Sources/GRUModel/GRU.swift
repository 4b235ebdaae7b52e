import SeqModels
import SeqTensor

// `gru`: a GRU classifier added to seqbench from outside, as one file plus one register line
// (`ModelRegistry.register(GRUModel.descriptor)`, see Sources/seqbench-custom/main.swift).
//
// PyTorch's nn.GRU, gates stacked r, z, n in the rows of the weights:
//   r  = σ(W_ir x + b_ir + W_hr h + b_hr)
//   z  = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 − z) ⊙ n + z ⊙ h
//
// Dimension letters as in seqbench: N packed rows (= Σ lengths), I input width, H hidden, T padded length,
// B batch, B_t rows still running at step t. Rows are packed (sorted by length, time-major; PackedLayout),
// so padding is never computed.
//
// Speed structure (as Layers/Recurrent.swift): the input projection of all steps is one GEMM; each step is
// one GEMM h W_hhᵀ into a separate hidden-projection buffer (the n gate needs W_hn h + b_hn on its own,
// because r multiplies it) plus one fused gate kernel; backward runs one fused kernel and one GEMM per step,
// then dW_ih, dW_hh and dX as one GEMM each over all steps. Buffers are Workspaces sized once per batch
// shape: nothing allocates inside the time loop.

/// Registry entry: `seqbench-custom train --model gru`, `flops gru`, ….
public let descriptor = ModelDescriptor(
    name: "gru", summary: "GRU (PyTorch gates r, z, n), last valid hidden state → linear classifier"
) { config, rng in
    GRUClassifier(config: config, rng: &rng)
}

// MARK: - One GRU layer

/// One (forward-direction) GRU layer on packed rows. Parameters (PyTorch names and shapes, U(−1/√H, 1/√H)):
/// `weight_ih_l{k} [3H, I]`, `weight_hh_l{k} [3H, H]`, `bias_ih_l{k} [3H]`, `bias_hh_l{k} [3H]`.
public final class GRULayer {
    public let inputSize: Int, hidden: Int
    public let weightIH: Parameter, weightHH: Parameter, biasIH: Parameter, biasHH: Parameter

    // Saved by forward for backward.
    private let gates = Workspace()    // [N, 3H] x W_ihᵀ + b_ih on entry to a step; r, z, n after it
    private let hProj = Workspace()    // [N, 3H] h_{t−1} W_hhᵀ + b_hh (b_hh alone at a sequence's first step)
    private let hPrev = Workspace()    // [N, H]  h of the previous step, aligned with each step's rows; 0 at the start
    // Backward scratch.
    private let dXProj = Workspace()   // [N, 3H] d loss / d (x W_ihᵀ + b_ih)
    private let dHProj = Workspace()   // [N, 3H] d loss / d (h W_hhᵀ + b_hh)
    private let dhPrev = Workspace()   // [N, H]  d loss / d hPrev rows

    public init(layer: Int, inputSize: Int, hidden: Int, prefix: String, rng: inout SeededRNG) {
        self.inputSize = inputSize; self.hidden = hidden
        weightIH = Parameter(name: prefix + "weight_ih_l\(layer)", shape: [3 * hidden, inputSize])
        weightHH = Parameter(name: prefix + "weight_hh_l\(layer)", shape: [3 * hidden, hidden])
        biasIH = Parameter(name: prefix + "bias_ih_l\(layer)", shape: [3 * hidden])
        biasHH = Parameter(name: prefix + "bias_hh_l\(layer)", shape: [3 * hidden])
        let bound = 1 / Float(hidden).squareRoot()
        for p in parameters { p.initUniform(bound: bound, rng: &rng) }
    }

    /// In PyTorch state_dict order.
    public var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    // forward: x [N, I] → out [N, H] (h_t of every packed row)
    //          saves gates (r, z, n) [N, 3H], hProj [N, 3H], hPrev [N, H]
    public func forward(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, layout: PackedLayout) {
        let N = layout.rows, T = layout.maxLength, H = hidden, G = 3 * hidden, I = inputSize
        let gates = self.gates.reserve(N * G)
        let hProj = self.hProj.reserve(N * G)
        let hPrev = self.hPrev.reserve(N * H, zeroed: true)
        for r in 0..<N {
            (gates + r * G).update(from: biasIH.pointer, count: G)
            (hProj + r * G).update(from: biasHH.pointer, count: G)
        }
        // Input projection of every step at once.
        GEMM.sgemm(transA: false, transB: true, m: N, n: G, k: I,
                   a: x, lda: I, b: weightIH.pointer, ldb: I, beta: 1, c: gates, ldc: G)
        for t in 0..<T {
            let Bt = layout.batchSizes[t]
            if Bt == 0 { break }   // lengths ≥ 1 and sorted: no later step has rows either
            let row0 = layout.offsets[t]
            // Rows of step t > 0 all continue a sequence of step t − 1 (B_t ≤ B_{t−1}); step 0 starts from h = 0.
            GEMM.sgemm(transA: false, transB: true, m: t > 0 ? Bt : 0, n: G, k: H,
                       a: hPrev + row0 * H, lda: H, b: weightHH.pointer, ldb: H, beta: 1, c: hProj + row0 * G, ldc: G)
            gruCellForward(out: out + row0 * H, gates: gates + row0 * G, hProj: hProj + row0 * G,
                           hPrev: hPrev + row0 * H, rows: Bt, hidden: H)
            // Hand h_t to the next step's rows (the first B_{t+1} rows of step t, contiguous).
            if t + 1 < T, layout.batchSizes[t + 1] > 0 {
                (hPrev + layout.offsets[t + 1] * H).update(from: out + row0 * H, count: layout.batchSizes[t + 1] * H)
            }
        }
    }

    // backward: dout [N, ·] (d loss / d h_t at dout + row·ldDout), x [N, I] (the forward input)
    //           → dweight_ih [3H, I], dweight_hh [3H, H], dbias_ih, dbias_hh [3H] (+=); dx [N, I] (overwritten) when given
    public func backward(dx: UnsafeMutablePointer<Float>?, dout: UnsafePointer<Float>, ldDout: Int,
                         x: UnsafePointer<Float>, layout: PackedLayout) {
        let N = layout.rows, T = layout.maxLength, H = hidden, G = 3 * hidden, I = inputSize
        let dXProj = self.dXProj.reserve(N * G)
        let dHProj = self.dHProj.reserve(N * G)
        let dhPrev = self.dhPrev.reserve(N * H)
        let gates = UnsafePointer(self.gates.pointer), hProj = UnsafePointer(self.hProj.pointer)
        let hPrev = UnsafePointer(self.hPrev.pointer)
        for t in stride(from: T - 1, through: 0, by: -1) {
            let Bt = layout.batchSizes[t]
            if Bt == 0 { continue }
            let row0 = layout.offsets[t]
            // d loss / d h_t also arrives from step t + 1, which used h_t as its previous state.
            let nextRows = t + 1 < T ? layout.batchSizes[t + 1] : 0
            gruCellBackward(dXProj: dXProj + row0 * G, dHProj: dHProj + row0 * G, dhPrev: dhPrev + row0 * H,
                            dout: dout + row0 * ldDout, ldDout: ldDout,
                            dhNext: dhPrev + layout.offsets[t + 1] * H, nextRows: nextRows,
                            gates: gates + row0 * G, hProj: hProj + row0 * G, hPrev: hPrev + row0 * H,
                            rows: Bt, hidden: H)
            // dhPrev rows += dHProj W_hh (the direct z ⊙ dh term is already there).
            GEMM.sgemm(transA: false, transB: false, m: t > 0 ? Bt : 0, n: H, k: G,
                       a: dHProj + row0 * G, lda: G, b: weightHH.pointer, ldb: H, beta: 1, c: dhPrev + row0 * H, ldc: H)
        }
        // Weight gradients: one GEMM each over all steps (hPrev is 0 on first steps, which add nothing to dW_hh).
        GEMM.sgemm(transA: true, transB: false, m: G, n: H, k: N,
                   a: dHProj, lda: G, b: hPrev, ldb: H, beta: 1, c: weightHH.gradPointer, ldc: H)
        GEMM.sgemm(transA: true, transB: false, m: G, n: I, k: N,
                   a: dXProj, lda: G, b: x, ldb: I, beta: 1, c: weightIH.gradPointer, ldc: I)
        for r in 0..<N {
            Elementwise.add(dXProj + r * G, into: biasIH.gradPointer, count: G)
            Elementwise.add(dHProj + r * G, into: biasHH.gradPointer, count: G)
        }
        if let dx {
            GEMM.sgemm(transA: false, transB: false, m: N, n: I, k: G,
                       a: dXProj, lda: G, b: weightIH.pointer, ldb: I, beta: 0, c: dx, ldc: I)
        }
    }

    /// Analytic cost on packed rows, G = 3H. Forward: input projection N·I·G, recurrent (N − B)·H·G MACs
    /// (a sequence's first step has no previous state); 2H σ (r, z) and H tanh (n) per row. Backward:
    /// recurrent dh (N − B)·G·H, dW_hh N·G·H, dW_ih N·G·I, and dX N·G·I when `inputGradient`.
    public func flops(layout: PackedLayout, inputGradient: Bool) -> LayerFlops {
        let N = layout.rows, B = layout.batch, H = hidden, G = 3 * hidden, I = inputSize
        return LayerFlops(
            forward: FlopCount(macs: N * I * G + (N - B) * H * G, sigmoid: 2 * H * N, tanh: H * N),
            backward: FlopCount(macs: (N - B) * G * H + N * G * H + N * G * I + (inputGradient ? N * G * I : 0)))
    }
}

// MARK: - Fused gate kernels (16 lanes at a time)

// GRU step, forward. gates [rows, 3H]: x W_ihᵀ + b_ih on entry, r, z, n on exit; hProj [rows, 3H] = h W_hhᵀ + b_hh;
// hPrev [rows, H] → out [rows, H] = h'.
@inline(__always)
func gruCellForward(out: UnsafeMutablePointer<Float>, gates: UnsafeMutablePointer<Float>, hProj: UnsafePointer<Float>,
                    hPrev: UnsafePointer<Float>, rows: Int, hidden H: Int) {
    FlopCounter.count(sigmoid: 2 * H * rows, tanh: H * rows)
    for row in 0..<rows {
        let g = gates + row * 3 * H, hp = hProj + row * 3 * H, h = hPrev + row * H, o = out + row * H
        var j = 0
        while j < H {
            let c = min(16, H - j)
            let r = SIMDMath.sigmoid(SIMDMath.load(g + j, count: c) + SIMDMath.load(hp + j, count: c))
            let z = SIMDMath.sigmoid(SIMDMath.load(g + H + j, count: c) + SIMDMath.load(hp + H + j, count: c))
            let n = SIMDMath.tanh(SIMDMath.load(g + 2 * H + j, count: c) + r * SIMDMath.load(hp + 2 * H + j, count: c))
            SIMDMath.store(r, g + j, count: c)
            SIMDMath.store(z, g + H + j, count: c)
            SIMDMath.store(n, g + 2 * H + j, count: c)
            SIMDMath.store((1 - z) * n + z * SIMDMath.load(h + j, count: c), o + j, count: c)
            j += 16
        }
    }
}

// GRU step, backward. dh = dout row + dhNext row (rows < nextRows). With hn = W_hn h + b_hn:
//   dn_pre = dh (1 − z)(1 − n²),  dz_pre = dh (h − n) z (1 − z),  dr_pre = dn_pre hn r (1 − r)
// dXProj [rows, 3H] = [dr_pre, dz_pre, dn_pre]; dHProj [rows, 3H] = [dr_pre, dz_pre, dn_pre r];
// dhPrev [rows, H] = dh z (the caller adds dHProj W_hh).
@inline(__always)
func gruCellBackward(dXProj: UnsafeMutablePointer<Float>, dHProj: UnsafeMutablePointer<Float>,
                     dhPrev: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, ldDout: Int,
                     dhNext: UnsafePointer<Float>, nextRows: Int,
                     gates: UnsafePointer<Float>, hProj: UnsafePointer<Float>, hPrev: UnsafePointer<Float>,
                     rows: Int, hidden H: Int) {
    for row in 0..<rows {
        let g = gates + row * 3 * H, hp = hProj + row * 3 * H, h = hPrev + row * H
        let dxp = dXProj + row * 3 * H, dhp = dHProj + row * 3 * H
        var j = 0
        while j < H {
            let c = min(16, H - j)
            var dh = SIMDMath.load(dout + row * ldDout + j, count: c)
            if row < nextRows { dh += SIMDMath.load(dhNext + row * H + j, count: c) }
            let r = SIMDMath.load(g + j, count: c), z = SIMDMath.load(g + H + j, count: c)
            let n = SIMDMath.load(g + 2 * H + j, count: c)
            let dnPre = dh * (1 - z) * (1 - n * n)
            let dzPre = dh * (SIMDMath.load(h + j, count: c) - n) * z * (1 - z)
            let drPre = dnPre * SIMDMath.load(hp + 2 * H + j, count: c) * r * (1 - r)
            SIMDMath.store(drPre, dxp + j, count: c)
            SIMDMath.store(dzPre, dxp + H + j, count: c)
            SIMDMath.store(dnPre, dxp + 2 * H + j, count: c)
            SIMDMath.store(drPre, dhp + j, count: c)
            SIMDMath.store(dzPre, dhp + H + j, count: c)
            SIMDMath.store(dnPre * r, dhp + 2 * H + j, count: c)
            SIMDMath.store(dh * z, dhPrev + row * H + j, count: c)
            j += 16
        }
    }
}

// MARK: - The classifier

/// `gru`: embedding (token ids, row 0 = padding) or dense features → stacked GRU layers → the top layer's
/// hidden state at each sequence's last valid step (PyTorch's `h_n[-1]` on a packed sequence) → `Linear`.
/// PyTorch module names: `embedding`, `rnn` (an `nn.GRU(I, H, num_layers: L, batch_first: True)`), `classifier`.
public final class GRUClassifier: SequenceModel {
    public let config: ModelConfig
    public let input: InputLayer
    public var embedding: Embedding? { input.embedding }
    public let layers: [GRULayer]
    public let classifier: Linear
    public var tracksInputGradient = false
    public private(set) var inputGradient: Tensor?

    // Saved by forward for backward.
    private var layout = PackedLayout(lengths: [1], maxLength: 1)
    private let outputs: [Workspace]                    // per layer [N, H]
    private let dOutputs: [Workspace]                   // per layer d loss / d output [N, H]
    private let representation = Workspace()            // [B, H] last valid hidden states, sorted order
    private let dRepresentation = Workspace()           // [B, H]
    private let sortedLogits = Workspace()              // [B, C]
    private let dSortedLogits = Workspace()             // [B, C]

    public init(config: ModelConfig, rng: inout SeededRNG) {
        self.config = config
        input = InputLayer(config: config, rng: &rng)
        var built: [GRULayer] = []
        for k in 0..<config.layers {
            built.append(GRULayer(layer: k, inputSize: k == 0 ? config.inputWidth : config.hidden, hidden: config.hidden,
                                  prefix: "rnn.", rng: &rng))
        }
        layers = built
        outputs = built.map { _ in Workspace() }
        dOutputs = built.map { _ in Workspace() }
        classifier = Linear(prefix: "classifier.", inFeatures: config.hidden, outFeatures: config.classes, rng: &rng)
    }

    public var parameters: [Parameter] {
        input.parameters + layers.flatMap(\.parameters) + classifier.parameters
    }

    public func flops(lengths: [Int], maxLength: Int) -> [NamedLayerFlops] {
        let layout = PackedLayout(lengths: lengths, maxLength: maxLength)
        var rows: [NamedLayerFlops] = []
        // Embedding lookups and gradient scatter are copies and adds: no MACs.
        if embedding != nil { rows.append(NamedLayerFlops(name: "embedding", flops: LayerFlops(forward: FlopCount(), backward: FlopCount()))) }
        for (k, layer) in layers.enumerated() {
            rows.append(NamedLayerFlops(name: "rnn.l\(k)",
                                        flops: layer.flops(layout: layout, inputGradient: k > 0 || embedding != nil || tracksInputGradient)))
        }
        rows.append(NamedLayerFlops(name: "classifier", flops: classifier.flops(rows: lengths.count, inputGradient: true)))
        return rows
    }

    // forward: batch (tokens [B, T] or features [B, T, F]) → logits [B, C]
    public func forward(_ batch: SequenceBatch) -> Tensor {
        let T = batch.length, B = batch.batchSize, C = config.classes, H = config.hidden
        layout = PackedLayout(lengths: batch.lengths, maxLength: T)
        let N = layout.rows
        let x = input.forward(batch, layout: layout)

        var layerInput = x
        for (k, layer) in layers.enumerated() {
            let out = outputs[k].reserve(N * H)
            layer.forward(out: out, x: layerInput, layout: layout)
            layerInput = UnsafePointer(out)
        }
        let rep = representation.reserve(B * H)
        for i in 0..<B { (rep + i * H).update(from: layerInput + layout.lastRow(sequence: i) * H, count: H) }

        let sorted = sortedLogits.reserve(B * C)
        classifier.forward(y: sorted, x: rep, rows: B)
        return layout.batchOrder(sorted, width: C)
    }

    // backward: dlogits [B, C] (batch order) → every parameter gradient (+=); inputGradient [B, T, F] if tracked
    public func backward(_ dLogits: Tensor) {
        let B = layout.batch, C = config.classes, H = config.hidden
        let N = layout.rows, L = layers.count
        precondition(dLogits.shape == [B, C], "dlogits must be [\(B), \(C)], got \(dLogits.shape)")
        let dSorted = dSortedLogits.reserve(B * C)
        layout.sortedOrder(dLogits, into: dSorted)
        let dRep = dRepresentation.reserve(B * H)
        classifier.backward(dx: dRep, dy: dSorted, x: UnsafePointer(representation.pointer), rows: B)

        // Only each sequence's last valid row of the top layer reaches the classifier.
        let dTop = dOutputs[L - 1].reserve(N * H, zeroed: true)
        for i in 0..<B {
            (dTop + layout.lastRow(sequence: i) * H).update(from: dRep + i * H, count: H)
        }
        let dx = input.gradientBuffer(layout: layout, tracksInputGradient: tracksInputGradient)
        for k in stride(from: L - 1, through: 0, by: -1) {
            let x = k == 0 ? input.output : UnsafePointer(outputs[k - 1].pointer)
            let dInput: UnsafeMutablePointer<Float>? = k == 0 ? dx : dOutputs[k - 1].reserve(N * H)
            layers[k].backward(dx: dInput, dout: dOutputs[k].pointer, ldDout: H, x: x, layout: layout)
        }

        inputGradient = input.backward(layout: layout, tracksInputGradient: tracksInputGradient)
    }
}
