import Foundation

/// The process's peak resident memory (Linux: VmHWM in /proc/self/status), which can be reset
/// between runs (writing "5" to /proc/self/clear_refs), so each run reports its own peak.
public enum PeakMemory {
    /// Starts a new peak; false where the system does not allow it (the peak then spans the process).
    @discardableResult
    public static func reset() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)); return true } catch { return false }
    }

    /// Peak resident set size in bytes since the last reset (nil where unavailable).
    public static var bytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kib = line.split(separator: " ").compactMap { Int($0) }.first
            return kib.map { $0 * 1024 }
        }
        return nil
    }
}
