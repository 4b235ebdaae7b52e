import SeqTensor

/// A sequence classifier with a hand-written backward pass.
///
/// Contract: `forward` maps a padded batch to logits `[B, C]` and keeps what `backward` needs;
/// `backward` takes d loss / d logits `[B, C]` for that same batch and *accumulates* into every
/// parameter's gradient. Positions at or past a sequence's length never influence anything.
public protocol SequenceModel: AnyObject {
    /// The architecture this instance was built with.
    var config: ModelConfig { get }
    /// All trainable parameters, in PyTorch `state_dict` order, named by their state_dict keys.
    var parameters: [Parameter] { get }
    /// Logits `[B, C]`, rows in the batch's order.
    func forward(_ batch: SequenceBatch) -> Tensor
    /// Logits `[B, C]` like `forward`, for evaluation, prediction and latency: keeps nothing for `backward`,
    /// so a model may skip the work only backward needs (bit-identical logits). `backward` must not follow it.
    func infer(_ batch: SequenceBatch) -> Tensor
    /// Accumulates parameter gradients for the last forward pass, given d loss / d logits `[B, C]`.
    func backward(_ dLogits: Tensor)
    /// Attention weights `[B, T]` of the last forward pass (0 on padding); nil for models without attention.
    var attentionWeights: Tensor? { get }
    /// d loss / d features `[B, T, F]` of the last backward pass, for dense input when
    /// `tracksInputGradient` is on; nil otherwise. Off by default: training never needs it.
    var inputGradient: Tensor? { get }
    /// Whether `backward` also computes `inputGradient` (costs one more GEMM).
    var tracksInputGradient: Bool { get set }
    /// Analytic cost of a forward and a backward pass on a batch with these lengths (padded to
    /// `maxLength`), per layer, in execution order. Must equal what the kernels count (tests check).
    func flops(lengths: [Int], maxLength: Int) -> [NamedLayerFlops]
    /// Analytic bytes that forward keeps for backward on a batch with these lengths; nil when a
    /// model does not say (a default implementation returns nil; built-in models answer).
    func activationBytes(lengths: [Int], maxLength: Int) -> Int?
}

extension SequenceModel {
    public var attentionWeights: Tensor? { nil }

    /// A model that keeps nothing extra for backward can infer by running forward.
    public func infer(_ batch: SequenceBatch) -> Tensor { forward(batch) }

    public func activationBytes(lengths: [Int], maxLength: Int) -> Int? { nil }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// How to build one kind of model: a registry entry.
public struct ModelDescriptor: NamedEntry {
    /// Registry name, e.g. `bilstm_attention`.
    public let name: String
    /// One line for `seqbench list models`.
    public let summary: String
    /// Builds a freshly initialised model from a validated config.
    public let make: @Sendable (ModelConfig, inout SeededRNG) -> any SequenceModel

    public init(name: String, summary: String,
                make: @escaping @Sendable (ModelConfig, inout SeededRNG) -> any SequenceModel) {
        self.name = name; self.summary = summary; self.make = make
    }
}

/// The models seqbench knows. Everything that iterates over models (CLI choices, `list models`,
/// conformance tests, gradient checks, round trips) reads this one list, so a model is covered
/// the moment it is registered. Packages outside seqbench add theirs with `register`.
public enum ModelRegistry {
    /// The built-in models; to add one, write its file in Models/ and add one line here.
    static let builtIn: [ModelDescriptor] = [
        RNNModel.descriptor,
        LSTMModel.descriptor,
        BiLSTMModel.descriptor,
        BiLSTMAttentionModel.descriptor,
    ]

    private static let registry = NamedRegistry(builtIn)

    /// Every registered model, built-ins first, in registration order.
    public static var all: [ModelDescriptor] { registry.all }

    /// Registry names.
    public static var names: [String] { registry.names }

    /// Adds a model (or replaces one of the same name).
    public static func register(_ descriptor: ModelDescriptor) { registry.register(descriptor) }

    /// The entry for `name`, or an error listing the valid names.
    public static func descriptor(named name: String) throws -> ModelDescriptor {
        guard let d = registry.entry(named: name) else { throw ModelError.unknownModel(name, known: names) }
        return d
    }

    /// Builds model `name` from `config`, initialised from `seed`.
    public static func make(_ name: String, config: ModelConfig, seed: UInt64) throws -> any SequenceModel {
        let d = try descriptor(named: name)
        try config.validate()
        var rng = SeededRNG(seed: seed, stream: "init")
        return d.make(config, &rng)
    }
}
