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
    /// The generator `forward` draws dropout masks from (`infer` never drops anything); nil for a model
    /// without dropout. Trainers seed it from the run's seed and checkpoints save its state, so a resumed run
    /// draws the masks an uninterrupted one would. Models without dropout need not implement it.
    var dropoutRNG: SeededRNG? { get set }
    /// Analytic cost of a forward and a backward pass on a batch with these lengths (padded to
    /// `maxLength`), per layer, in execution order. Must equal what the kernels count (tests check).
    func flops(lengths: [Int], maxLength: Int) -> [NamedLayerFlops]
    /// Analytic bytes that forward keeps for backward on a batch with these lengths; nil when a
    /// model does not say (a default implementation returns nil; built-in models answer).
    func activationBytes(lengths: [Int], maxLength: Int) -> Int?
}

extension SequenceModel {
    public var attentionWeights: Tensor? { nil }

    public var dropoutRNG: SeededRNG? {
        get { nil }
        set {}
    }

    /// A model that keeps nothing extra for backward can infer by running forward.
    public func infer(_ batch: SequenceBatch) -> Tensor { forward(batch) }

    public func activationBytes(lengths: [Int], maxLength: Int) -> Int? { nil }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// How to build one kind of model, and how reports present it: a registry entry.
///
/// Reports, plots and comparisons read everything they know about a model from here (its place in
/// the reading order, colour and marker, roles such as a no-attention counterpart), so a model
/// registered from another package is presented like a built-in one.
public struct ModelDescriptor: NamedEntry {
    /// Where plugins sort when they give no `order`: after the built-ins (0…3), then alphabetically.
    public static let defaultOrder = 1_000

    /// Registry name, e.g. `bilstm_attention`.
    public let name: String
    /// One line for `seqbench list models`: the model's description.
    public let summary: String
    /// Builds a freshly initialised model from a validated config.
    public let make: @Sendable (ModelConfig, inout SeededRNG) -> any SequenceModel
    /// Reading order in reports and plots: lower first; equal orders sort by name.
    public let order: Int
    /// Colour and marker in plots; nil takes a deterministic fallback (`resolvedStyle`).
    public let style: ModelStyle?
    /// What this model is to other models, e.g. the twin it adds attention to.
    public let roles: ModelRoles

    public init(name: String, summary: String, order: Int = ModelDescriptor.defaultOrder, style: ModelStyle? = nil,
                roles: ModelRoles = ModelRoles(),
                make: @escaping @Sendable (ModelConfig, inout SeededRNG) -> any SequenceModel) {
        self.name = name; self.summary = summary; self.make = make
        self.order = order; self.style = style; self.roles = roles
    }

    /// `style`, or the fallback palette's entry for `name` when the model declares none.
    public var resolvedStyle: ModelStyle { style ?? ModelStyle.fallback(for: name) }
}

/// How a model looks in every plot: a colour and a marker shape.
public struct ModelStyle: Sendable, Hashable {
    /// A marker shape.
    public enum Marker: String, Sendable, Hashable, CaseIterable { case circle, square, triangle, diamond }

    /// `#RRGGBB`.
    public var color: String
    public var marker: Marker

    public init(color: String, marker: Marker) { self.color = color; self.marker = marker }

    /// Colours for models without a style of their own; none of them is a built-in model's colour.
    public static let fallbackPalette = ["#CC79A7", "#56B4E9", "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#000000"]

    /// Every fallback style, colours cycling fastest (7 colours × 4 markers).
    public static let fallbackStyles: [ModelStyle] = Marker.allCases.flatMap { marker in
        fallbackPalette.map { ModelStyle(color: $0, marker: marker) }
    }

    /// The fallback style for `name`: picked by a fixed hash of its UTF-8 bytes (FNV-1a), so the same name
    /// always gets the same style, in every process and plot.
    public static func fallback(for name: String) -> ModelStyle {
        fallbackStyles[fallbackIndex(for: name)]
    }

    /// `name`'s index into `fallbackStyles`.
    public static func fallbackIndex(for name: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return Int(hash % UInt64(fallbackStyles.count))
    }
}

/// What a model is to other registered models; reports use these to pair rows.
public struct ModelRoles: Sendable, Hashable {
    /// Registry name of the same model without attention: reports show what attention costs and buys
    /// against it (FLOPs, latency and accuracy at every sweep point both ran).
    public var noAttentionCounterpart: String?

    public init(noAttentionCounterpart: String? = nil) { self.noAttentionCounterpart = noAttentionCounterpart }
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

    /// The entry for `name`, or nil when no model of that name is registered.
    public static func entry(named name: String) -> ModelDescriptor? { registry.entry(named: name) }

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
