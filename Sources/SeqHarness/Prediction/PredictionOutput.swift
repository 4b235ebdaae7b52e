import Foundation
import SeqHDF5
import SeqStore

/// A checkpoint's predictions with what a reader needs to interpret them: the inputs and the class names.
public struct PredictionSet: Sendable {
    public let predictions: Predictions
    /// The text inputs, in order; nil when the sequences came from an HDF5 file.
    public let inputs: [TextInput]?
    /// The name of each class, when the checkpoint has them.
    public let classNames: [String]?
    /// The checkpoint's path and model name, recorded in the HDF5 output.
    public let checkpoint: String, model: String

    public init(predictions: Predictions, inputs: [TextInput]?, loaded: LoadedCheckpoint) {
        self.predictions = predictions; self.inputs = inputs
        classNames = loaded.checkpoint.classNames; checkpoint = loaded.path; model = loaded.config.model
    }

    /// A class's name, or its index when the checkpoint has no names.
    public func className(_ c: Int) -> String { classNames?[c] ?? String(c) }

    /// How sequence `n` is shown: its text, or `#n` (0-based, the row of the input file).
    public func label(_ n: Int) -> String { inputs?[n].text ?? "#\(n)" }

    /// Sequence `n`'s prediction in a few characters: `→ spanish 0.98`.
    public func verdict(_ n: Int) -> String {
        "→ \(className(predictions.predicted[n])) \(NumberFormat.fixed(Double(predictions.confidence(n)), 2))"
    }
}

/// The file formats `predict --output` writes, chosen by the output's extension.
public enum PredictionFormat: String, CaseIterable, Sendable {
    case hdf5, csv, json

    /// The format for `path` (.h5 or .hdf5, .csv, .json; any case); one error naming the file for another
    /// extension. A name without an extension is HDF5, as `predict --output` always wrote before it had formats.
    public init(path: String) throws {
        switch (path as NSString).pathExtension.lowercased() {
        case "h5", "hdf5", "": self = .hdf5
        case "csv": self = .csv
        case "json": self = .json
        case let other:
            throw StoreError(file: path, "unknown output format '.\(other)'; "
                             + "the extension picks it: .h5 or .hdf5 (HDF5), .csv or .json")
        }
    }
}

/// Writes a `PredictionSet` whole or not at all (a temporary file renamed into place).
public enum PredictionOutput {
    /// Writes `set` to `path` in the format its extension names. The caller has checked the target
    /// (`OutputTarget.check`).
    public static func write(_ set: PredictionSet, to path: String) throws {
        switch try PredictionFormat(path: path) {
        case .hdf5: try hdf5(set, to: path)
        case .csv: try writeAtomically(Data(csv(set).utf8), to: path)
        case .json: try writeAtomically(try json(set), to: path)
        }
    }

    /// `logits`, `probabilities` [N, C] float32, `predictions` [N] int32, `attention` [N, T] for attention
    /// models; `class_names` [C] when the checkpoint has them; for text inputs `inputs` [N] strings, `lengths`
    /// and `unknown` [N] int32 (the tokens each input kept, and those outside the vocabulary).
    static func hdf5(_ set: PredictionSet, to path: String) throws {
        let p = set.predictions
        try HDF5File.writeAtomically(to: path) { file in
            let root = file.root
            try FileFormat.predictions.stamp(root)
            try root.setAttribute("checkpoint", set.checkpoint)
            try root.setAttribute("model", set.model)
            try root.write("logits", values: p.logits, shape: [p.count, p.classes])
            try root.write("probabilities", values: p.probabilities, shape: [p.count, p.classes])
            try root.write("predictions", values: p.predicted.map { Int32($0) }, shape: [p.count])
            if let attention = p.attention { try root.write("attention", values: attention, shape: [p.count, p.length]) }
            if let names = set.classNames { try root.writeStrings("class_names", names) }
            if let inputs = set.inputs {
                try root.writeStrings("inputs", inputs.map(\.text))
                try root.write("lengths", values: inputs.map { Int32($0.ids.count) }, shape: [p.count])
                try root.write("unknown", values: inputs.map { Int32($0.unknown) }, shape: [p.count])
            }
        }
    }

    /// A header, then one row per input: `input` (the text, or the row index of an HDF5 input), `tokens`
    /// (kept tokens, or the length), `unknown` (empty for an HDF5 input), `prediction` (class name),
    /// `class_index`, `probability`, then one `p_<class>` column per class. RFC 4180 quoting, `\n` line ends.
    static func csv(_ set: PredictionSet) -> String {
        let p = set.predictions
        let header = ["input", "tokens", "unknown", "prediction", "class_index", "probability"]
            + (0..<p.classes).map { "p_" + set.className($0) }
        let rows = (0..<p.count).map { n -> [String] in
            let c = p.predicted[n]
            return [set.inputs?[n].text ?? String(n), String(p.lengths[n]), set.inputs.map { String($0[n].unknown) } ?? "",
                    set.className(c), String(c), "\(p.confidence(n))"]
                + p.probabilities(n).map { "\($0)" }
        }
        return ([header] + rows).map { $0.map(Report.csvField).joined(separator: ",") + "\n" }.joined()
    }

    /// A JSON array (UTF-8) with one object per input: `input` (text, or row index), `tokens` (the token
    /// texts, or the length for an HDF5 input), `unknown`, `prediction`, `class_index`, `probability`,
    /// `probabilities` (in class order), `top` (the three most probable classes) and, for attention models,
    /// `attention` (one weight per token).
    static func json(_ set: PredictionSet) throws -> Data {
        let p = set.predictions
        // Float → Double through the shortest decimal form, so that 0.9 is written as 0.9.
        func number(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }
        let objects: [[String: Any]] = (0..<p.count).map { n in
            let c = p.predicted[n]
            var object: [String: Any] = [
                "prediction": set.className(c), "class_index": c, "probability": number(p.confidence(n)),
                "probabilities": p.probabilities(n).map(number),
                "top": p.top(3, of: n).map { ["class": set.className($0.index), "probability": number($0.probability)] as [String: Any] },
            ]
            if let input = set.inputs?[n] {
                object["input"] = input.text; object["tokens"] = input.tokens; object["unknown"] = input.unknown
            } else {
                object["input"] = n; object["tokens"] = p.lengths[n]
            }
            if let weights = p.attention(of: n) { object["attention"] = weights.map(number) }
            return object
        }
        return try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
