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

    /// Checks every size; the error names the field and what was expected.
    public func validate() throws {
        func positive(_ v: Int, _ key: String) throws {
            if v <= 0 { throw ModelError.invalidConfig("\(key) must be a positive integer, got \(v)") }
        }
        switch input {
        case .tokens:
            try positive(embedDim, "embed_dim")
            if vocab < 2 { throw ModelError.invalidConfig("vocab must be at least 2 (id 0 is padding), got \(vocab)") }
        case .dense:
            try positive(features, "features")
        }
        try positive(hidden, "hidden")
        try positive(layers, "layers")
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
