/// A scalar setting, as config files and `--set` overrides provide them.
public enum ConfigValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        case .string(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        }
    }

    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .string(let v): return v
        case .bool(let v): return String(v)
        }
    }

    /// Numbers compare by value, whatever their spelling: a stored `1.0` reads back from JSON as `1`.
    public static func == (a: ConfigValue, b: ConfigValue) -> Bool {
        switch (a, b) {
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.int(x), .double(y)), let (.double(y), .int(x)): return Double(x) == y
        case let (.string(x), .string(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        default: return false
        }
    }

    /// The name of this value's type, for error messages.
    public var typeName: String {
        switch self {
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .bool: return "boolean"
        }
    }

    /// This value converted to the type of `example` (an integer is accepted where a number is expected),
    /// or nil when the types do not fit.
    public func converted(like example: ConfigValue) -> ConfigValue? {
        switch (example, self) {
        case (.int, .int), (.double, .double), (.string, .string), (.bool, .bool): return self
        case (.double, .int(let i)): return .double(Double(i))
        default: return nil
        }
    }
}
