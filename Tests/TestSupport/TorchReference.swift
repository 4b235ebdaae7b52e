import SeqModels
import SeqHDF5
import SeqTensor

/// One case of `torch_reference.h5`: a PyTorch model's weights, a batch, and PyTorch's float64
/// logits, loss, attention weights and parameter gradients (see Tests/SeqModelsTests/Resources/README.md).
public struct TorchReferenceCase {
    public let name: String
    public let model: String
    public let config: ModelConfig
    public let batch: SequenceBatch
    public let labels: [Int]
    /// state_dict key → values (float32, PyTorch shape).
    public let parameters: [String: HDF5Array<Float>]
    /// state_dict key → d loss / d parameter (float64).
    public let gradients: [String: HDF5Array<Double>]
    public let logits: HDF5Array<Double>
    public let loss: Double
    public let attention: HDF5Array<Double>?

    /// Every case in the file, in file order.
    public static func load(_ path: String) throws -> [TorchReferenceCase] {
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        return try file.root.childNames().map { try load(file.root.group($0), name: $0) }
    }

    private static func load(_ g: HDF5Group, name: String) throws -> TorchReferenceCase {
        let input = try g.stringAttribute("input")
        let config = ModelConfig(
            input: input == "tokens" ? .tokens : .dense,
            vocab: try g.intAttribute("vocab"), embedDim: try g.intAttribute("embed_dim"),
            features: try g.intAttribute("features"), hidden: try g.intAttribute("hidden"),
            layers: try g.intAttribute("layers"), attentionDim: try g.intAttribute("attention_dim"),
            classes: try g.intAttribute("classes"))
        let lengths = try g.read("lengths", as: Int32.self).values.map(Int.init)
        let batch: SequenceBatch
        if input == "tokens" {
            let tokens = try g.read("tokens", as: Int32.self)
            batch = SequenceBatch(tokens: tokens.values, lengths: lengths, length: tokens.shape[1])
        } else {
            let features = try g.read("features", as: Float.self)
            batch = SequenceBatch(features: features.values, featureCount: features.shape[2], lengths: lengths,
                                  length: features.shape[1])
        }
        var parameters: [String: HDF5Array<Float>] = [:], gradients: [String: HDF5Array<Double>] = [:]
        for path in try datasetPaths(g.group("params")) {
            let key = path.replacingOccurrences(of: "/", with: ".")
            parameters[key] = try g.read("params/" + path, as: Float.self)
            gradients[key] = try g.read("grads/" + path, as: Double.self)
        }
        return TorchReferenceCase(
            name: name, model: try g.stringAttribute("model"), config: config, batch: batch,
            labels: try g.read("labels", as: Int32.self).values.map(Int.init),
            parameters: parameters, gradients: gradients,
            logits: try g.read("expected/logits", as: Double.self),
            loss: try g.read("expected/loss", as: Double.self).values[0],
            attention: g.exists("expected/attention") ? try g.read("expected/attention", as: Double.self) : nil)
    }

    /// Paths of all datasets below a group, relative to it.
    private static func datasetPaths(_ group: HDF5Group, prefix: String = "") throws -> [String] {
        try group.childNames().flatMap { child -> [String] in
            switch group.kind(of: child) {
            case .group: return try datasetPaths(group.group(child), prefix: prefix + child + "/")
            case .dataset: return [prefix + child]
            case .none: return []
            }
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}

/// How far a model is from a PyTorch reference case.
public struct ParityReport: CustomStringConvertible {
    public var logitError = 0.0, lossError = 0.0, attentionError = 0.0
    /// Worst |a − e| / max(|e|, 1e-2) over every gradient entry (i.e. relative, with a 1e-6 absolute floor).
    public var worstGradient = 0.0
    public var worstGradientName = ""
    /// Problems that are not a number: missing or misnamed parameters, wrong shapes, missing attention.
    public var mismatches: [String] = []

    /// Within the tolerances: logits, loss and attention 1e-5, gradients 1e-4 relative.
    public var passes: Bool {
        mismatches.isEmpty && logitError <= 1e-5 && lossError <= 1e-5 && attentionError <= 1e-5 && worstGradient <= 1e-4
    }

    public var description: String {
        "logits \(logitError), loss \(lossError), attention \(attentionError), gradients \(worstGradient) (\(worstGradientName))"
            + (mismatches.isEmpty ? "" : "; " + mismatches.joined(separator: "; "))
    }
}

extension TorchReferenceCase {
    /// Loads this case's weights into `model` (which must have its parameter names and shapes), runs forward,
    /// cross-entropy and backward on its batch, and compares everything with PyTorch's values.
    public func parity(of model: any SequenceModel) -> ParityReport {
        var report = ParityReport()
        if Set(model.parameters.map(\.name)) != Set(parameters.keys) {
            report.mismatches.append("parameter names \(model.parameters.map(\.name).sorted()) ≠ \(parameters.keys.sorted())")
            return report
        }
        for p in model.parameters {
            let reference = parameters[p.name]!
            guard p.shape == reference.shape else {
                report.mismatches.append("\(p.name) has shape \(p.shape), PyTorch \(reference.shape)")
                return report
            }
            p.values = reference.values
        }
        model.parameters.zeroGrad()
        let out = model.forward(batch)
        var dLogits: Tensor? = Tensor(zeros: [0])
        let loss = CrossEntropy.lossAndGradient(logits: out, labels: labels, dlogits: &dLogits)
        let attentionWeights = model.attentionWeights
        model.backward(dLogits!)
        report.logitError = zip(out.data, logits.values).map { abs(Double($0) - $1) }.max() ?? .infinity
        report.lossError = abs(loss - self.loss)
        if let expected = attention {
            if let got = attentionWeights {
                report.attentionError = zip(got.data, expected.values).map { abs(Double($0) - $1) }.max() ?? .infinity
            } else {
                report.mismatches.append("the model exposes no attention weights")
            }
        }
        for p in model.parameters {
            for (a, e) in zip(p.gradient, gradients[p.name]!.values) {
                let error = abs(Double(a) - e) / max(abs(e), 1e-2)
                if error > report.worstGradient { report.worstGradient = error; report.worstGradientName = p.name }
            }
        }
        return report
    }
}
