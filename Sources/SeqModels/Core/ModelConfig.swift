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
    /// Dropout probability on the input rows (embeddings, or dense features) while training; 0 = off.
    public var embedDropout: Double
    /// Dropout probability on the outputs of every recurrent layer but the last (`nn.LSTM(dropout:)`); 0 = off.
    public var layerDropout: Double
    /// Dropout probability on the pooled vector before the classifier; 0 = off.
    public var outputDropout: Double

    public init(input: InputKind = .tokens, vocab: Int = 32, embedDim: Int = 32, features: Int = 32,
                hidden: Int = 128, layers: Int = 1, attentionDim: Int = 128, classes: Int = 10,
                embedDropout: Double = 0, layerDropout: Double = 0, outputDropout: Double = 0) {
        self.input = input; self.vocab = vocab; self.embedDim = embedDim; self.features = features
        self.hidden = hidden; self.layers = layers; self.attentionDim = attentionDim; self.classes = classes
        self.embedDropout = embedDropout; self.layerDropout = layerDropout; self.outputDropout = outputDropout
    }

    /// Whether any dropout is on.
    public var hasDropout: Bool { embedDropout > 0 || layerDropout > 0 || outputDropout > 0 }

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
        for (key, p) in [("embed_dropout", embedDropout), ("layer_dropout", layerDropout), ("output_dropout", outputDropout)]
        where !(p >= 0 && p < 1) {
            throw ModelError.invalidConfig("\(key) must be a probability in [0, 1), got \(p)")
        }
        if classes < 2 { throw ModelError.invalidConfig("classes must be at least 2, got \(classes)") }
    }

    enum CodingKeys: String, CodingKey {
        case input, vocab, embedDim = "embed_dim", features, hidden, layers, attentionDim = "attention_dim", classes
        case embedDropout = "embed_dropout", layerDropout = "layer_dropout", outputDropout = "output_dropout"
    }

    /// Dropout probabilities absent from a stored config (written before dropout existed) decode as 0.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(input: try c.decode(InputKind.self, forKey: .input), vocab: try c.decode(Int.self, forKey: .vocab),
                  embedDim: try c.decode(Int.self, forKey: .embedDim), features: try c.decode(Int.self, forKey: .features),
                  hidden: try c.decode(Int.self, forKey: .hidden), layers: try c.decode(Int.self, forKey: .layers),
                  attentionDim: try c.decode(Int.self, forKey: .attentionDim), classes: try c.decode(Int.self, forKey: .classes),
                  embedDropout: try c.decodeIfPresent(Double.self, forKey: .embedDropout) ?? 0,
                  layerDropout: try c.decodeIfPresent(Double.self, forKey: .layerDropout) ?? 0,
                  outputDropout: try c.decodeIfPresent(Double.self, forKey: .outputDropout) ?? 0)
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
