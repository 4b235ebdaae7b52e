import SeqHDF5
import SeqData
import SeqModels
import SeqTrain

/// A float32 tensor with its PyTorch state_dict key.
public struct NamedArray: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
    public init(name: String, shape: [Int], values: [Float]) { self.name = name; self.shape = shape; self.values = values }
    public init(_ p: Parameter) { self.init(name: p.name, shape: p.shape, values: p.values) }

    /// HDF5 path relative to its group: the state_dict key with `/` for `.`.
    var path: String { name.split(separator: ".").joined(separator: "/") }
}

/// A training checkpoint, format_version 1 (README "HDF5 layout"):
///
///     /            attrs format="seqbench.checkpoint", format_version, seqbench_version, created_utc, kind,
///                        model, config_json, seed, epoch, step
///     /params/…    float32 parameters, PyTorch names and shapes (`rnn.weight_ih_l0` → /params/rnn/weight_ih_l0)
///     /optimizer/  attrs name, step; <buffer>/<param path> (Adam: m, v; SGD: momentum_buffer)
///     /history/    epoch (int64), train_loss, val_loss, val_accuracy, seconds (float64), one row per epoch
///     /metrics/    attrs: final metrics of these weights (test_accuracy, test_loss, …)
///     /training/   attrs shuffle_rng_state, best_epoch, best_val_accuracy, epochs_without_improvement,
///                  schedule_lr, schedule_best, schedule_bad_epochs (the learning-rate schedule), dropout_rng_state
///                  (models with dropout); best_params/… (last checkpoints only: what resuming needs)
public struct Checkpoint: Sendable {
    /// `best`: the best validation epoch's weights; `last`: the latest epoch's, resumable.
    public enum Kind: String, Sendable { case best, last }

    public var kind: Kind
    /// The fully resolved run configuration (model, task, training, seed), stored as `config_json`.
    public var config: RunConfig
    /// Registry name of the model.
    public var model: String { config.model }
    public var seed: UInt64 { config.seed }
    /// Parameters in the model's order.
    public var parameters: [NamedArray]
    /// Training state when these weights were saved: history, optimizer, early-stopping bookkeeping.
    public var trainer: TrainerState
    /// Final metrics of these weights, e.g. `test_accuracy`.
    public var metrics: RunMetrics
    /// The data's class names (`/class_names`), when it has them: analysis needs no data file.
    public var classNames: [String]?
    /// The data's token texts (`/vocabulary`), when it has them: `predict --text` needs no data file.
    public var vocabulary: TextVocabulary?
    /// Read back from a file; written as the running version and time.
    public private(set) var seqbenchVersion = SeqbenchVersion.current
    public private(set) var createdUTC = ""

    public init(kind: Kind, config: RunConfig, parameters: [NamedArray], trainer: TrainerState,
                metrics: RunMetrics = RunMetrics(), classNames: [String]? = nil, vocabulary: TextVocabulary? = nil) {
        self.kind = kind; self.config = config
        self.parameters = parameters; self.trainer = trainer; self.metrics = metrics
        self.classNames = classNames; self.vocabulary = vocabulary
    }

    /// The epoch these weights come from.
    public var epoch: Int { kind == .best ? trainer.bestEpoch : trainer.history.count }
    /// Optimizer updates made up to these weights.
    public var step: Int { trainer.optimizer.step }

    // MARK: writing

    /// Writes the checkpoint to a temporary file beside `path` and renames it into place.
    public func write(to path: String) throws {
        try HDF5File.writeAtomically(to: path) { file in
            let root = file.root
            try FileFormat.checkpoint.stamp(root)
            try root.setAttribute("kind", kind.rawValue)
            try root.setAttribute("model", model)
            try root.setAttribute("config_json", try config.json())
            try root.setAttribute("seed", Int(bitPattern: UInt(seed)))
            try root.setAttribute("epoch", epoch)
            try root.setAttribute("step", step)
            try writeArrays(parameters, into: root.createGroup("params"))

            let optimizer = try root.createGroup("optimizer")
            try optimizer.setAttribute("name", trainer.optimizer.name)
            try optimizer.setAttribute("step", trainer.optimizer.step)
            for (kind, buffers) in trainer.optimizer.buffers.sorted(by: { $0.key < $1.key }) {
                let arrays = parameters.compactMap { p in buffers[p.name].map { NamedArray(name: p.name, shape: p.shape, values: $0) } }
                try writeArrays(arrays, into: optimizer.createGroup(kind))
            }

            try HistoryColumns(trainer.history).write(into: root.createGroup("history"))

            let metricsGroup = try root.createGroup("metrics")
            for (key, value) in metrics.columns { try metricsGroup.setAttribute(key, value) }
            try writeNames(classNames, vocabulary, into: root)

            let training = try root.createGroup("training")
            try training.setAttribute("shuffle_rng_state", Int(bitPattern: UInt(trainer.shuffleState)))
            try training.setAttribute("best_epoch", trainer.bestEpoch)
            try training.setAttribute("best_val_accuracy", trainer.bestValidationAccuracy)
            try training.setAttribute("epochs_without_improvement", trainer.epochsWithoutImprovement)
            try writeTrainingExtras(trainer, into: training)
            if kind == .last && !trainer.bestWeights.isEmpty {
                let best = parameters.compactMap { p in trainer.bestWeights[p.name].map { NamedArray(name: p.name, shape: p.shape, values: $0) } }
                try writeArrays(best, into: training.createGroup("best_params"))
            }
        }
    }

    // MARK: reading

    /// Reads and validates a checkpoint; errors name the file and the object at fault.
    ///
    /// The file is treated as untrusted: links other than hard links, data stored outside the file and
    /// unknown filters are refused (by SeqHDF5), group cycles are an error, every weight array's type and
    /// shape is checked against the model the stored config describes before its data is read, weights must
    /// be finite, and the integer attributes must be in range.
    public static func read(from path: String) throws -> Checkpoint {
        let file = try FileFormat.checkpoint.open(path)
        defer { try? file.close() }
        let root = file.root
        do {
            guard let kind = Kind(rawValue: try root.stringAttribute("kind")) else {
                throw StoreError(file: path, object: "/", "attribute 'kind' must be 'best' or 'last'")
            }
            // The config first: the model it describes tells which shapes to expect before reading any data.
            let config = try RunConfig.decode(json: try root.stringAttribute("config_json"), file: path)
            let expected = expectedShapes(config)
            for name in ["epoch", "step"] { _ = try checkedCount(root, name, file: path) }
            let parameters = try readArrays(root.group("params"), path: path, expected: expected)
            let optimizerGroup = try root.group("optimizer")
            var buffers: [String: [String: [Float]]] = [:]
            for kindName in try optimizerGroup.childNames() {
                let arrays = try readArrays(optimizerGroup.group(kindName), path: path, expected: expected)
                buffers[kindName] = Dictionary(uniqueKeysWithValues: arrays.map { ($0.name, $0.values) })
            }
            let optimizer = OptimizerState(name: try optimizerGroup.stringAttribute("name"),
                                           step: try checkedCount(optimizerGroup, "step", file: path), buffers: buffers)
            let history = try HistoryColumns.read(root.group("history")).records
            let training = try root.group("training")
            let bestEpoch = try checkedCount(training, "best_epoch", file: path, max: history.count)
            var bestWeights: [String: [Float]] = [:]
            if training.exists("best_params") {
                for a in try readArrays(training.group("best_params"), path: path, expected: expected) { bestWeights[a.name] = a.values }
            } else if bestEpoch > 0 {
                bestWeights = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.values) })
            }
            let bestAccuracy = try training.doubleAttribute("best_val_accuracy")
            // -inf is what a trainer that has not validated yet holds; NaN or above 1 is never valid.
            guard bestAccuracy == -.infinity || (0...1).contains(bestAccuracy) else {
                throw StoreError(file: path, object: "/training", "attribute 'best_val_accuracy' is \(bestAccuracy); it must be in [0, 1]")
            }
            var trainer = TrainerState(
                history: history,
                shuffleState: UInt64(UInt(bitPattern: try training.intAttribute("shuffle_rng_state"))),
                bestEpoch: bestEpoch,
                bestValidationAccuracy: bestAccuracy,
                epochsWithoutImprovement: try checkedCount(training, "epochs_without_improvement", file: path, max: history.count),
                bestWeights: bestWeights, optimizer: optimizer)
            try readTrainingExtras(training, into: &trainer, file: path)
            var metrics = RunMetrics()
            let metricsGroup = try root.group("metrics")
            for key in try metricsGroup.attributeNames() { metrics.set(column: key, try metricsGroup.doubleAttribute(key)) }
            let model = try root.stringAttribute("model"), seed = UInt64(UInt(bitPattern: try root.intAttribute("seed")))
            guard model == config.model, seed == config.seed else {
                throw StoreError(file: path, object: "/", "attributes model '\(model)' and seed \(seed) disagree with config_json (\(config.model), seed \(config.seed))")
            }
            let (classNames, vocabulary) = try readNames(root, config: config, path: path)
            var checkpoint = Checkpoint(kind: kind, config: config, parameters: parameters, trainer: trainer, metrics: metrics,
                                        classNames: classNames, vocabulary: vocabulary)
            checkpoint.seqbenchVersion = try root.stringAttribute("seqbench_version")
            checkpoint.createdUTC = try root.stringAttribute("created_utc")
            return checkpoint
        } catch let e as HDF5Error {
            throw StoreError(file: path, object: e.object, e.detail)
        }
    }

    /// Loads these parameters into `model`, checking that every name and shape matches what the model
    /// (built from the stored config) expects.
    public func load(into model: any SequenceModel, file: String) throws {
        let stored = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0) })
        for p in model.parameters {
            let object = "/params/" + p.name.split(separator: ".").joined(separator: "/")
            guard let a = stored[p.name] else {
                throw StoreError(file: file, object: object, "missing, but the model the stored config describes has this parameter")
            }
            guard a.shape == p.shape else {
                throw StoreError(file: file, object: object, "has shape \(a.shape), but the stored config implies \(p.shape)")
            }
        }
        let expected = Set(model.parameters.map(\.name))
        if let extra = parameters.first(where: { !expected.contains($0.name) }) {
            throw StoreError(file: file, object: "/params/" + extra.path, "is not a parameter of the model the stored config describes")
        }
        for p in model.parameters { p.values = stored[p.name]!.values }
    }
}

/// Writes each array at its state_dict path below `group`.
func writeArrays(_ arrays: [NamedArray], into group: HDF5Group) throws {
    for a in arrays { try group.write(a.path, values: a.values, shape: a.shape) }
}

extension Checkpoint {
    /// The parameter shapes of the model `config` describes, by state_dict name; `nil` when the config
    /// cannot build a model (reported by whoever builds it, e.g. `LoadedCheckpoint`).
    static func expectedShapes(_ config: RunConfig) -> [String: [Int]]? {
        guard let model = try? ModelRegistry.make(config.model, config: config.modelConfig, seed: config.seed) else { return nil }
        return Dictionary(model.parameters.map { ($0.name, $0.shape) }, uniquingKeysWith: { a, _ in a })
    }

    /// An integer attribute that counts something (epochs, steps): at least 0 and at most `max`.
    static func checkedCount(_ object: HDF5Object, _ name: String, file: String, max: Int = 1 << 48) throws -> Int {
        let value = try object.intAttribute(name)
        guard value >= 0 && value <= max else {
            throw StoreError(file: file, object: object.path, "attribute '\(name)' is \(value); it must be in 0...\(max)")
        }
        return value
    }
}

/// Every float dataset below `group`, named by path with `.` for `/`, in sorted path order.
///
/// Untrusted input: each dataset's type and shape are checked before its data is read (against `expected`,
/// the model's parameter shapes by name, when given), the values must be finite, and a group reached
/// twice (a hard-link cycle such as `params/loop` → `/`) is an error instead of endless recursion.
func readArrays(_ group: HDF5Group, path: String, expected: [String: [Int]]? = nil) throws -> [NamedArray] {
    // The root is marked visited too, so a link back to it is caught at the link itself.
    var visited: Set<HDF5ObjectAddress> = [try group.address]
    if group.path != "/" { visited.insert(try group.group("/").address) }
    return try readArrays(group, path: path, prefix: "", expected: expected, visited: &visited)
}

/// How deep groups may nest in files seqbench walks: far beyond any model's parameter names, and shallow
/// enough that a hostile file of nested groups cannot exhaust the stack.
let maxGroupDepth = 64

private func readArrays(_ group: HDF5Group, path: String, prefix: String, expected: [String: [Int]]?,
                        visited: inout Set<HDF5ObjectAddress>, depth: Int = 0) throws -> [NamedArray] {
    guard depth < maxGroupDepth else {
        throw StoreError(file: path, object: group.path, "groups nest more than \(maxGroupDepth) deep")
    }
    var arrays: [NamedArray] = []
    for child in try group.childNames() {
        let object = group.path == "/" ? "/" + child : group.path + "/" + child
        let name = prefix + child
        switch group.kind(of: child) {
        case .group:
            let sub = try group.group(child)
            guard visited.insert(try sub.address).inserted else {
                throw StoreError(file: path, object: object, "links back to a group already read (a hard-link cycle); seqbench reads only tree-shaped checkpoints")
            }
            arrays += try readArrays(sub, path: path, prefix: name + ".", expected: expected, visited: &visited,
                                     depth: depth + 1)
        case .dataset:
            let (shape, type) = try group.datasetInfo(child)
            guard type.hasPrefix("float") else {
                throw StoreError(file: path, object: object, "stores \(type); weights must be float32")
            }
            if let expected {
                guard let want = expected[name] else {
                    throw StoreError(file: path, object: object, "is not a parameter of the model the stored config describes")
                }
                guard want == shape else {
                    throw StoreError(file: path, object: object, "has shape \(shape), but the stored config implies \(want)")
                }
            }
            let a = try group.read(child, as: Float.self)
            let nonFinite = a.values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
            if nonFinite > 0 {
                throw StoreError(file: path, object: object, "\(nonFinite) non-finite value\(nonFinite == 1 ? "" : "s") (NaN or Inf)")
            }
            arrays.append(NamedArray(name: name, shape: a.shape, values: a.values))
        case .none:
            // Soft and external links are refused here; anything else (a committed datatype) holds no weights.
            try group.checkLinks(child)
        }
    }
    return arrays
}

/// Training history as HDF5 columns (one 1-D dataset per field), the layout pandas reads directly.
struct HistoryColumns {
    var records: [EpochRecord]
    init(_ records: [EpochRecord]) { self.records = records }

    func write(into group: HDF5Group) throws {
        try group.write("epoch", values: records.map { Int64($0.epoch) }, shape: [records.count])
        try group.write("train_loss", values: records.map(\.trainLoss), shape: [records.count])
        try group.write("val_loss", values: records.map(\.validationLoss), shape: [records.count])
        try group.write("val_accuracy", values: records.map(\.validationAccuracy), shape: [records.count])
        try group.write("seconds", values: records.map(\.seconds), shape: [records.count])
    }

    static func read(_ group: HDF5Group) throws -> HistoryColumns {
        let epoch = try group.read("epoch", as: Int64.self).values
        let n = epoch.count
        func column(_ name: String) throws -> [Double] { try group.read(name, as: Double.self, expectedShape: [n]).values }
        let (train, valLoss, valAcc, seconds) = (try column("train_loss"), try column("val_loss"),
                                                 try column("val_accuracy"), try column("seconds"))
        return HistoryColumns((0..<n).map {
            EpochRecord(epoch: Int(epoch[$0]), trainLoss: train[$0], validationLoss: valLoss[$0],
                        validationAccuracy: valAcc[$0], seconds: seconds[$0])
        })
    }
}
