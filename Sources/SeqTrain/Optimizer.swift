import SeqModels
import SeqTensor

/// Updates parameters from their gradients, with PyTorch's semantics.
public protocol Optimizer: AnyObject {
    /// Name as stored in checkpoints: `adam`, `adamw` or `sgd`.
    var name: String { get }
    /// The learning rate of the next `step`; a schedule sets it before each update.
    var learningRate: Float { get set }
    /// Updates done so far.
    var stepCount: Int { get }
    /// One update of every parameter from its current gradient.
    func step(_ parameters: [Parameter])
    /// Everything needed to continue exactly where this optimizer is now.
    func state(for parameters: [Parameter]) -> OptimizerState
    /// Continues from a saved state; throws when it does not fit these parameters.
    func restore(_ state: OptimizerState, parameters: [Parameter]) throws
}

/// An optimizer's saved state: its step count and per-parameter buffers.
public struct OptimizerState: Equatable, Sendable {
    public var name: String
    public var step: Int
    /// Buffer kind (Adam: `m`, `v`; SGD: `momentum_buffer`) → parameter name → values.
    public var buffers: [String: [String: [Float]]]

    public init(name: String, step: Int, buffers: [String: [String: [Float]]]) {
        self.name = name; self.step = step; self.buffers = buffers
    }
}

/// A saved optimizer state that does not fit.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let description: String
}

/// Copies `state.buffers[kind]` into per-parameter buffers, checking names and sizes.
private func restoreBuffers(_ state: OptimizerState, kind: String, parameters: [Parameter],
                            into buffer: (Parameter) -> UnsafeMutablePointer<Float>) throws {
    guard let saved = state.buffers[kind] else {
        throw OptimizerStateError(description: "\(state.name) state has no '\(kind)' buffers")
    }
    for p in parameters {
        guard let values = saved[p.name] else {
            throw OptimizerStateError(description: "\(state.name) state has no '\(kind)' buffer for \(p.name)")
        }
        guard values.count == p.count else {
            throw OptimizerStateError(description: "\(state.name) '\(kind)' buffer for \(p.name) has \(values.count) values, expected \(p.count)")
        }
        buffer(p).update(from: values, count: p.count)
    }
}

/// `torch.optim.Adam` and `torch.optim.AdamW` (no amsgrad): bias-corrected first and second moments.
///
/// Weight decay as PyTorch applies it: Adam's (L2) adds `weightDecay · w` to the gradient before the moments
/// see it; AdamW's (decoupled) first shrinks the weights, `w ← w · (1 − lr · weightDecay)`, and leaves the
/// gradient alone.
public final class Adam: Optimizer {
    /// `adam`, or `adamw` when the weight decay is decoupled.
    public let name: String
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float
    public let weightDecay: Float
    /// AdamW's decoupled weight decay instead of Adam's L2 term.
    public let decoupledWeightDecay: Bool
    public private(set) var stepCount = 0
    private var moments: [String: StateBuffer] = [:]   // per parameter name: [m ; v], 2 × count

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupledWeightDecay: Bool = false) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
        self.weightDecay = weightDecay; self.decoupledWeightDecay = decoupledWeightDecay
        name = decoupledWeightDecay ? "adamw" : "adam"
    }

    /// `torch.optim.AdamW` (PyTorch's default weight decay there is 0.01).
    public static func adamW(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                             weightDecay: Float = 1e-2) -> Adam {
        Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
             decoupledWeightDecay: true)
    }

    /// First and second moments of a parameter (zeros before its first update).
    public func moments(of parameter: Parameter) -> (m: [Float], v: [Float]) {
        let buffer = state(for: parameter)
        return (Array(UnsafeBufferPointer(start: buffer.pointer, count: parameter.count)),
                Array(UnsafeBufferPointer(start: buffer.pointer + parameter.count, count: parameter.count)))
    }

    public func state(for parameters: [Parameter]) -> OptimizerState {
        var m: [String: [Float]] = [:], v: [String: [Float]] = [:]
        for p in parameters { (m[p.name], v[p.name]) = moments(of: p) }
        return OptimizerState(name: name, step: stepCount, buffers: ["m": m, "v": v])
    }

    public func restore(_ saved: OptimizerState, parameters: [Parameter]) throws {
        guard saved.name == name else { throw OptimizerStateError(description: "optimizer is '\(saved.name)', expected '\(name)'") }
        try restoreBuffers(saved, kind: "m", parameters: parameters) { state(for: $0).pointer }
        try restoreBuffers(saved, kind: "v", parameters: parameters) { state(for: $0).pointer + $0.count }
        stepCount = saved.step
    }

    private func state(for p: Parameter) -> StateBuffer {
        if let s = moments[p.name] { return s }
        let s = StateBuffer(count: 2 * p.count)
        moments[p.name] = s
        return s
    }

    public func step(_ parameters: [Parameter]) {
        stepCount += 1
        let t = Float(stepCount)
        let correction1 = 1 - pow(beta1, t), correction2 = 1 - pow(beta2, t)
        let stepSize = learningRate / correction1
        let sqrtCorrection2 = correction2.squareRoot()
        let (beta1, beta2, epsilon) = (self.beta1, self.beta2, self.epsilon)
        // Without weight decay both factors leave every value as it was, bit for bit.
        let l2 = decoupledWeightDecay ? 0 : weightDecay
        let shrink = decoupledWeightDecay ? Float(1 - Double(learningRate) * Double(weightDecay)) : 1
        let buffers = parameters.map { state(for: $0).pointer }
        forEachChunk(parameters) { index, range in
            let p = parameters[index]
            let m = buffers[index], v = buffers[index] + p.count
            let w = p.pointer, g = p.gradPointer
            for i in range {
                if shrink != 1 { w[i] *= shrink }
                let gi = l2 == 0 ? g[i] : g[i] + l2 * w[i]
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                w[i] -= stepSize * m[i] / (v[i].squareRoot() / sqrtCorrection2 + epsilon)
            }
        }
    }
}

/// Runs `body(parameter index, element range)` over every element of `parameters` in chunks spread across
/// ComputeThreads. Optimizer updates are elementwise, so the split does not change a single bit.
private func forEachChunk(_ parameters: [Parameter], _ body: (Int, Range<Int>) -> Void) {
    let chunk = 32_768
    var items: [(Int, Range<Int>)] = []
    for (index, p) in parameters.enumerated() {
        for start in stride(from: 0, to: p.count, by: chunk) { items.append((index, start..<min(start + chunk, p.count))) }
    }
    ComputeThreads.parallel(items) { body($0.0, $0.1) }
}

/// Optimizer state owned by one parameter, allocated once.
final class StateBuffer {
    let pointer: UnsafeMutablePointer<Float>
    init(count: Int) {
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }
    deinit { pointer.deallocate() }
}

/// `torch.optim.SGD` with optional momentum (dampening 0, no Nesterov) and L2 weight decay (`weightDecay · w`
/// added to the gradient before momentum).
public final class SGD: Optimizer {
    public let name = "sgd"
    public var learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    public private(set) var stepCount = 0
    private var velocity: [String: StateBuffer] = [:]

    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.learningRate = learningRate; self.momentum = momentum; self.weightDecay = weightDecay
    }

    public func state(for parameters: [Parameter]) -> OptimizerState {
        var buffers: [String: [String: [Float]]] = [:]
        if !velocity.isEmpty {
            buffers["momentum_buffer"] = Dictionary(uniqueKeysWithValues: parameters.compactMap { p in
                velocity[p.name].map { (p.name, Array(UnsafeBufferPointer(start: $0.pointer, count: p.count))) }
            })
        }
        return OptimizerState(name: name, step: stepCount, buffers: buffers)
    }

    public func restore(_ saved: OptimizerState, parameters: [Parameter]) throws {
        guard saved.name == name else { throw OptimizerStateError(description: "optimizer is '\(saved.name)', expected '\(name)'") }
        velocity = [:]
        if saved.buffers["momentum_buffer"] != nil {
            try restoreBuffers(saved, kind: "momentum_buffer", parameters: parameters) { p in
                let buffer = StateBuffer(count: p.count)
                velocity[p.name] = buffer
                return buffer.pointer
            }
        }
        stepCount = saved.step
    }

    public func step(_ parameters: [Parameter]) {
        stepCount += 1
        let (learningRate, momentum, l2) = (self.learningRate, self.momentum, self.weightDecay)
        if momentum == 0 {
            forEachChunk(parameters) { index, range in
                let w = parameters[index].pointer, g = parameters[index].gradPointer
                for i in range { w[i] -= learningRate * (l2 == 0 ? g[i] : g[i] + l2 * w[i]) }
            }
            return
        }
        // PyTorch: the first step seeds a parameter's momentum buffer with its gradient.
        let buffers = parameters.map { p -> (pointer: UnsafeMutablePointer<Float>, fresh: Bool) in
            if let existing = velocity[p.name] { return (existing.pointer, false) }
            let fresh = StateBuffer(count: p.count)
            velocity[p.name] = fresh
            return (fresh.pointer, true)
        }
        forEachChunk(parameters) { index, range in
            let w = parameters[index].pointer, g = parameters[index].gradPointer
            let (buf, fresh) = buffers[index]
            for i in range {
                let gi = l2 == 0 ? g[i] : g[i] + l2 * w[i]
                buf[i] = fresh ? gi : momentum * buf[i] + gi
                w[i] -= learningRate * buf[i]
            }
        }
    }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_` does (coefficient maxNorm / (norm + 1e-6), applied when < 1).
/// Returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Double {
    var sum = 0.0
    for p in parameters {
        for i in 0..<p.count { let g = Double(p.gradPointer[i]); sum += g * g }
    }
    let norm = sum.squareRoot()
    let coefficient = Float(Double(maxNorm) / (norm + 1e-6))
    if coefficient < 1 {
        for p in parameters { for i in 0..<p.count { p.gradPointer[i] *= coefficient } }
    }
    return norm
}

private func pow(_ x: Float, _ n: Float) -> Float {
    // Integer powers by repeated squaring: exact-rounding-stable across platforms (no libm).
    var result: Float = 1, base = x, e = Int(n)
    while e > 0 {
        if e & 1 == 1 { result *= base }
        base *= base
        e >>= 1
    }
    return result
}
