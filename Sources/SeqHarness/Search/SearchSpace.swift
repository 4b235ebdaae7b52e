import Foundation
import SeqData
import SeqTensor

/// How one searched key is drawn (`search.space` in a config).
public enum SearchDistribution: Codable, Equatable, Sendable, CustomStringConvertible {
    /// One of the listed values, each equally likely.
    case choice([ConfigValue])
    /// A number uniform in [low, high].
    case uniform(low: Double, high: Double)
    /// A positive number whose logarithm is uniform in [log low, log high] (learning rates).
    case logUniform(low: Double, high: Double)
    /// An integer uniform in low…high, both included.
    case int(low: Int, high: Int)

    /// The YAML names of the distributions, as `space` entries spell them.
    static let names = ["choice", "uniform", "log_uniform", "int"]

    public var description: String {
        switch self {
        case .choice(let values): return "choice [" + values.map(\.description).joined(separator: ", ") + "]"
        case .uniform(let low, let high): return "uniform [\(low), \(high)]"
        case .logUniform(let low, let high): return "log_uniform [\(low), \(high)]"
        case .int(let low, let high): return "int [\(low), \(high)]"
        }
    }

    /// One draw from `rng`. Real numbers keep 4 significant digits, so the value a run stores, shows in the
    /// report and trains with are the same number (and read well: 0.003162, not 0.0031622776601683794).
    func draw(_ rng: inout SeededRNG) -> ConfigValue {
        let u = rng.nextUnitDouble()
        switch self {
        case .choice(let values): return values[min(values.count - 1, Int(u * Double(values.count)))]
        case .uniform(let low, let high): return .double(fourDigits(low + (high - low) * u))
        case .logUniform(let low, let high): return .double(fourDigits(exp(log(low) + (log(high) - log(low)) * u)))
        case .int(let low, let high):
            let span = Double(high) - Double(low) + 1
            return .int(low + min(Int(span) - 1, Int(u * span)))
        }
    }
}

/// A number rounded to 4 significant digits.
func fourDigits(_ x: Double) -> Double { Double(String(format: "%.4g", x)) ?? x }

/// One searched key and its distribution.
public struct SearchDimension: Codable, Equatable, Sendable {
    /// Canonical dotted key (`train.lr`, `model.hidden`).
    public var key: String
    public var distribution: SearchDistribution
    /// Where it was written, for errors; not part of its identity.
    var origin = ""

    enum CodingKeys: String, CodingKey { case key, distribution }

    public init(key: String, distribution: SearchDistribution) { self.key = key; self.distribution = distribution }
    init(key: String, distribution: SearchDistribution, origin: String) {
        self.key = key; self.distribution = distribution; self.origin = origin
    }

    public static func == (a: SearchDimension, b: SearchDimension) -> Bool { a.key == b.key && a.distribution == b.distribution }
}

/// Random search's sampler. A trial's values are a pure function of (search seed, model entry, trial index):
/// each trial draws from its own SeededRNG stream, so a shard, a resumed run and a Slurm task that plan the same
/// experiment sample the same values, whatever else they plan or in which order.
public enum SearchSampler {
    /// The values of trial `trial` (1-based) of the model entry labelled `entry`, by canonical key.
    public static func sample(_ space: [SearchDimension], seed: UInt64, entry: String, trial: Int) -> [String: ConfigValue] {
        var rng = SeededRNG(seed: seed, stream: "search/\(entry)/trial \(trial)")
        var values: [String: ConfigValue] = [:]
        // Sorted by key: the draw order, hence every value, does not depend on how the YAML orders the space.
        for dimension in space.sorted(by: { $0.key < $1.key }) { values[dimension.key] = dimension.distribution.draw(&rng) }
        return values
    }
}
