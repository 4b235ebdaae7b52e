import ArgumentParser
import SeqData
import SeqModels
import SeqTrain

/// The model shape that `flops` and `bench` measure, set with `--set key=value`.
/// Defaults are the canonical case: tokens (vocab 32, embedding 32), H 128, A 128, 10 classes,
/// 1 layer, T 64, batch 32.
struct ShapeOptions: ParsableArguments {
    @Argument(help: "Registered model (seqbench list models).") var model: String
    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Shape setting (repeatable): input=tokens|dense, vocab, embed_dim, features, hidden, layers, attention_dim, classes, length, batch_size.",
        valueName: "key=value"))
    var settings: [String] = []

    static let keys = ["input", "vocab", "embed_dim", "features", "hidden", "layers", "attention_dim", "classes", "length", "batch_size"]

    func validate() throws {
        guard ModelRegistry.names.contains(model) else {
            throw ValidationError("unknown model '\(model)'; expected one of: \(ModelRegistry.names.joined(separator: ", "))")
        }
        _ = try resolved()
    }

    /// The model config, padded length and batch size these settings describe.
    func resolved() throws -> (config: ModelConfig, length: Int, batchSize: Int) {
        var config = ModelConfig(input: .tokens, vocab: 32, embedDim: 32, features: 32, hidden: 128, layers: 1,
                                 attentionDim: 128, classes: 10)
        var length = 64, batchSize = 32
        for s in settings {
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else { throw ValidationError("--set expects key=value, got '\(s)'") }
            let key = String(s[..<eq]).replacingPrefix("model.", with: ""), value = String(s[s.index(after: eq)...])
            if key == "input" {
                guard let kind = ModelConfig.InputKind(rawValue: value) else {
                    throw ValidationError("--set input must be tokens or dense, got '\(value)'")
                }
                config.input = kind
                continue
            }
            guard Self.keys.contains(key) else {
                let hint = nearest(key, in: Self.keys).map { "; did you mean '\($0)'?" } ?? ""
                throw ValidationError("--set: unknown key '\(key)'\(hint); valid keys: \(Self.keys.joined(separator: ", "))")
            }
            guard let n = Int(value), n > 0 else { throw ValidationError("--set \(key) must be a positive integer, got '\(value)'") }
            switch key {
            case "vocab": config.vocab = n
            case "embed_dim": config.embedDim = n
            case "features": config.features = n
            case "hidden": config.hidden = n
            case "layers": config.layers = n
            case "attention_dim": config.attentionDim = n
            case "classes": config.classes = n
            case "length": length = n
            default: batchSize = n
            }
        }
        do { try config.validate() } catch { throw ValidationError("\(error)") }
        return (config, length, batchSize)
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
