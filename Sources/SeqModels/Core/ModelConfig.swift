/// The architecture of a sequence classifier. Every registered model reads the fields it needs
/// (`attentionDim` only matters to attention models).
public struct ModelConfig: Codable, Hashable, Sendable {
    /// What a time step of the input is.
    public enum InputKind: String, Codable, Hashable, Sendable {
        /// Token ids through an embedding of `vocab` × `embedDim`; id 0 is padding.
        case tokens
        /// Dense vectors of `features` floats.
        case dense
    }

    public var input: InputKind
    /// Token vocabulary size including padding id 0 (tokens input).
    public var vocab: Int
    /// Embedding width (tokens input).
    public var embedDim: Int
    /// Feature count (dense input).
    public var features: Int
    public var hidden: Int
    public var layers: Int
    public var attentionDim: Int
    public var classes: Int

    public init(input: InputKind = .tokens, vocab: Int = 32, embedDim: Int = 32, features: Int = 32,
                hidden: Int = 128, layers: Int = 1, attentionDim: Int = 128, classes: Int = 10) {
        self.input = input; self.vocab = vocab; self.embedDim = embedDim; self.features = features
        self.hidden = hidden; self.layers = layers; self.attentionDim = attentionDim; self.classes = classes
    }

    /// Width of one input step as the first recurrent layer sees it.
    public var inputWidth: Int { input == .tokens ? embedDim : features }

    /// The largest sizes a model may have: every product a layer forms from them stays far inside Int, so a
    /// hostile config is refused before any arithmetic or allocation (the settings schema shows the same bounds).
    public static let maxWidth = 65_536, maxLayers = 64, maxVocab = 1 << 24, maxClasses = 1_000_000
    /// The most parameters a model may have (16 bytes each while training: 8 GiB).
    public static let maxParameters = 1 << 29

    /// An upper bound on the parameters of any built-in architecture with this config (a bidirectional stack
    /// with attention, embedding and classifier), counted in Double so no size can overflow: checked before
    /// a model is allocated.
    public var parameterUpperBound: Double {
        let H = Double(hidden), A = Double(attentionDim)
        var parameters = 3 * A * 2 * H + A + Double(vocab) * Double(embedDim) + 2 * H * Double(classes)
        for layer in 0..<min(max(layers, 0), Self.maxLayers) {
            parameters += 8 * H * ((layer == 0 ? Double(max(embedDim, features)) : 2 * H) + H + 1)
        }
        return parameters
    }

    /// Checks every size; the error names the field and what was expected.
    public func validate() throws {
        func positive(_ v: Int, _ key: String, max: Int = ModelConfig.maxWidth) throws {
            if v <= 0 || v > max { throw ModelError.invalidConfig("\(key) must be an integer in 1…\(max), got \(v)") }
        }
        if vocab > Self.maxVocab { throw ModelError.invalidConfig("vocab must be at most \(Self.maxVocab), got \(vocab)") }
        if classes > Self.maxClasses { throw ModelError.invalidConfig("classes must be at most \(Self.maxClasses), got \(classes)") }
        switch input {
        case .tokens:
            try positive(embedDim, "embed_dim")
            if vocab < 2 { throw ModelError.invalidConfig("vocab must be at least 2 (id 0 is padding), got \(vocab)") }
        case .dense:
            try positive(features, "features")
        }
        try positive(hidden, "hidden")
        try positive(layers, "layers", max: Self.maxLayers)
        if parameterUpperBound > Double(Self.maxParameters) {
            throw ModelError.invalidConfig("the model would have up to \(Int(parameterUpperBound)) parameters; at most 2^29")
        }
        try positive(attentionDim, "attention_dim")
        if classes < 2 { throw ModelError.invalidConfig("classes must be at least 2, got \(classes)") }
    }

    enum CodingKeys: String, CodingKey {
        case input, vocab, embedDim = "embed_dim", features, hidden, layers, attentionDim = "attention_dim", classes
    }
}

/// Errors raised while building or feeding a model.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case unknownModel(String, known: [String])
    case invalidConfig(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            return "unknown model '\(name)'; expected one of: \(known.joined(separator: ", "))"
        case .invalidConfig(let message): return "invalid model config: \(message)"
        case .invalidInput(let message): return "invalid model input: \(message)"
        }
    }
}
