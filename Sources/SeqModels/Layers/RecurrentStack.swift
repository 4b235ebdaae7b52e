import SeqTensor

/// Stacked, optionally bidirectional recurrent layers on packed rows, PyTorch's
/// `nn.RNN/nn.LSTM(I, H, num_layers: L, bidirectional: …)`. Layer k > 0 takes the previous
/// layer's output, `D·H` wide (D = 2 when bidirectional: forward then reverse halves). With `dropout` > 0,
/// training passes drop values of every layer's output but the last before the next layer reads them,
/// as `nn.LSTM(dropout:)` does.
public final class RecurrentStack {
    public let cell: CellKind
    public let hidden: Int, layers: Int, directions: Int
    /// `layer[k][d]`, d = 0 forward, 1 reverse.
    public let layer: [[RecurrentDirection]]
    private let outputs: [Workspace]    // per layer [N, D·H]
    private let dOutputs: [Workspace]   // per layer d loss / d output [N, D·H]
    private let dropouts: [Dropout]     // per layer but the last, on its output
    private let dropped: [Workspace]    // per layer but the last: its output after dropout [N, D·H]
    private var droppedLast = false     // whether the last forward dropped (backward must undo the masks)
    private var layout: PackedLayout?

    public init(cell: CellKind, inputSize: Int, hidden: Int, layers: Int, bidirectional: Bool, prefix: String,
                dropout: Double = 0, rng: inout SeededRNG) {
        self.cell = cell; self.hidden = hidden; self.layers = layers
        directions = bidirectional ? 2 : 1
        var built: [[RecurrentDirection]] = []
        for k in 0..<layers {
            let input = k == 0 ? inputSize : (bidirectional ? 2 : 1) * hidden
            built.append((0..<(bidirectional ? 2 : 1)).map { d in
                RecurrentDirection(cell: cell, layer: k, reverse: d == 1, inputSize: input, hidden: hidden,
                                   prefix: prefix, rng: &rng)
            })
        }
        layer = built
        outputs = (0..<layers).map { _ in Workspace() }
        dOutputs = (0..<layers).map { _ in Workspace() }
        dropouts = (0..<max(layers - 1, 0)).map { _ in Dropout(p: dropout) }
        dropped = (0..<max(layers - 1, 0)).map { _ in Workspace() }
    }

    /// Whether training passes drop anything between layers.
    public var hasDropout: Bool { dropouts.first?.isActive ?? false }

    /// In PyTorch state_dict order: layer by layer, forward direction before reverse.
    public var parameters: [Parameter] { layer.flatMap { $0.flatMap(\.parameters) } }

    /// Width of the output rows: D·H.
    public var outputWidth: Int { directions * hidden }

    // forward: x [N, I] → top-layer output [N, D·H] (valid until the next forward); `keep`: save what backward reads;
    //          with `dropoutRNG` (training) each layer's output but the last is dropped, masks drawn layer by layer
    public func forward(x: UnsafePointer<Float>, layout: PackedLayout, keep: Bool = true,
                        dropoutRNG: inout SeededRNG?) -> UnsafeMutablePointer<Float> {
        self.layout = layout
        droppedLast = hasDropout && dropoutRNG != nil
        let N = layout.rows, D = outputWidth
        var input = x
        for k in 0..<layers {
            let out = outputs[k].reserve(N * D)
            // Too few sequences to split a time loop across the threads: run the two directions side by side
            // instead (they are independent and write different halves of `out`), each with half the threads for
            // its own time loop.
            let byDirection = directions == 2 && layout.batch < 2 * ComputeThreads.available
            let layerInput = input
            ComputeThreads.parallel(byDirection ? [0, 1] : []) { d in
                layer[k][d].forward(out: out + d * hidden, ldOut: D, x: layerInput, layout: layout, keep: keep)
            }
            if !byDirection {
                for (d, direction) in layer[k].enumerated() {
                    direction.forward(out: out + d * hidden, ldOut: D, x: input, layout: layout, keep: keep)
                }
            }
            input = UnsafePointer(out)
            if droppedLast && k < layers - 1 {
                let y = dropped[k].reserve(N * D)
                dropouts[k].drawMask(count: N * D, rng: &dropoutRNG!)
                dropouts[k].forward(y: y, x: out, count: N * D)
                input = UnsafePointer(y)
            }
        }
        return outputs[layers - 1].pointer
    }

    /// `forward` without dropout (evaluation).
    public func forward(x: UnsafePointer<Float>, layout: PackedLayout, keep: Bool = true) -> UnsafeMutablePointer<Float> {
        var none: SeededRNG? = nil
        return forward(x: x, layout: layout, keep: keep, dropoutRNG: &none)
    }

    /// Output of layer k from the last forward, [N, D·H].
    public func output(layer k: Int) -> UnsafePointer<Float> { UnsafePointer(outputs[k].pointer) }

    /// A zeroed [N, D·H] buffer for d loss / d top-layer output, to be filled before `backward`.
    public func topGradient() -> UnsafeMutablePointer<Float> {
        dOutputs[layers - 1].reserve(layout!.rows * outputWidth, zeroed: true)
    }

    // backward: d loss / d top output (in `topGradient()`), x [N, I] the forward input
    //           → every parameter gradient (+=); dx [N, I] (overwritten) when given
    public func backward(x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?) {
        let layout = self.layout!
        let N = layout.rows, D = outputWidth
        for k in stride(from: layers - 1, through: 0, by: -1) {
            let input = k == 0 ? x : UnsafePointer(droppedLast ? dropped[k - 1].pointer : outputs[k - 1].pointer)
            let dInput: UnsafeMutablePointer<Float>? = k == 0 ? dx : dOutputs[k - 1].reserve(N * D)
            let dOut = UnsafePointer(dOutputs[k].pointer)
            for (d, direction) in layer[k].enumerated() {
                direction.backward(dx: dInput, accumulate: d > 0, dout: dOut + d * hidden, ldDout: D,
                                   x: input, layout: layout)
            }
            if droppedLast && k > 0, let dInput { dropouts[k - 1].backward(dx: dInput, dy: dInput, count: N * D) }
        }
    }
}
