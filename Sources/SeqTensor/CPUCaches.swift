#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The cache sizes of the machine seqbench runs on, read from sysfs, so that the choices that depend on what
/// fits a core's cache follow the machine instead of the one they were measured on.
public enum CPUCaches {
    /// Bytes of the level-2 cache (data or unified) of the first CPU, the per-core cache on current x86 and
    /// Arm servers; 1 MiB when sysfs does not say (what the development machines have).
    public static let level2Bytes: Int = level2Bytes(in: "/sys/devices/system/cpu/cpu0/cache") ?? 1 << 20

    /// The level-2 data or unified cache size listed under a sysfs `cpuN/cache` directory (`indexK/level`,
    /// `indexK/type`, `indexK/size`), or nil when none is listed or its size does not parse.
    public static func level2Bytes(in directory: String) -> Int? {
        for index in 0..<16 {
            func field(_ name: String) -> String? { smallFile(directory + "/index\(index)/" + name) }
            guard let level = field("level") else { continue }
            guard level == "2", field("type") != "Instruction", let size = field("size") else { continue }
            return bytes(size)
        }
        return nil
    }

    /// The first line of a small text file, trimmed; nil when it cannot be read.
    private static func smallFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(line.filter { !$0.isWhitespace })
    }

    /// A sysfs cache size ("1024K", "2M", "32768") in bytes; nil unless it is a positive count with an optional
    /// K, M or G suffix (binary multiples, as the kernel writes them).
    public static func bytes(_ text: String) -> Int? {
        var digits = Substring(text), scale = 1
        if let last = text.last, let shift = ["K": 10, "M": 20, "G": 30][String(last).uppercased()] {
            digits = text.dropLast(); scale = 1 << shift
        }
        guard let count = Int(digits), count > 0, count <= Int.max / scale else { return nil }
        return count * scale
    }
}
