import Foundation

/// How reports print numbers. Every function prints `-` for a missing or non-finite value, never "nan".
public enum NumberFormat {
    public static let missing = "-"
    private static let prefixes = ["", "k", "M", "G", "T", "P", "E"]

    /// `x` rounded to `digits` significant digits, with the decimals that shows: 0.00123, 1.23, 12.3, 123;
    /// larger numbers are rounded to integers, not to zeros (1234, not 1230).
    public static func significant(_ x: Double?, _ digits: Int = 3, trimZeros: Bool = false) -> String {
        guard let x, x.isFinite else { return missing }
        if x == 0 { return "0" }
        let r = exponent(of: x) >= digits - 1 ? x.rounded() : rounded(x, digits)
        let text = String(format: "%.\(max(0, digits - 1 - exponent(of: r)))f", r)
        return trimZeros ? trimmed(text) : text
    }

    /// Engineering notation with 3 significant digits: `512`, `1.23 k`, `45.6 M`, `789 G`.
    /// `compact` drops trailing zeros (`2 M` rather than `2.00 M`), for axis ticks.
    public static func engineering(_ x: Double?, compact: Bool = false) -> String {
        guard let x, x.isFinite else { return missing }
        if x == 0 { return "0" }
        let r = rounded(x, 3)
        var group = 0
        while group + 1 < prefixes.count && abs(r) >= pow(1000, Double(group + 1)) { group += 1 }
        let mantissa = significant(r / pow(1000, Double(group)), 3, trimZeros: compact)
        return group == 0 ? mantissa : mantissa + " " + prefixes[group]
    }

    /// A fraction as a percentage with one decimal, with `± std` when there is a spread to show: `97.3 ± 0.4`.
    public static func percent(_ mean: Double, std: Double?) -> String {
        guard mean.isFinite else { return missing }
        let m = fixed(mean * 100, 1)
        guard let std, std.isFinite else { return m }
        return m + " ± " + fixed(std * 100, 1)
    }

    /// Fixed decimals with an explicit sign: `+1.3`, `-0.8`, `0.0`.
    public static func signed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return missing }
        let text = fixed(x, decimals)
        return text.allSatisfy({ "0.".contains($0) }) || text.hasPrefix("-") ? text : "+" + text
    }

    /// A ratio with 3 significant digits: `1.16×`.
    public static func ratio(_ x: Double?) -> String {
        guard let x, x.isFinite else { return missing }
        return significant(x) + "×"
    }

    /// Fixed decimals, never `-0.0`.
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return missing }
        let text = String(format: "%.\(decimals)f", x)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ "0.".contains($0) }) ? String(text.dropFirst()) : text
    }

    /// The power of ten of `x`'s leading digit: 0 for 1…9.99, -3 for 0.001….
    public static func exponent(of x: Double) -> Int {
        var e = Int(floor(log10(abs(x))))
        if pow(10, Double(e)) > abs(x) { e -= 1 }              // guard against log10 rounding at powers of ten
        if pow(10, Double(e + 1)) <= abs(x) { e += 1 }
        return e
    }

    /// `x` rounded to `digits` significant digits.
    public static func rounded(_ x: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits - 1 - exponent(of: x)))
        return (x * scale).rounded() / scale
    }

    private static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = Substring(text)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }
}
