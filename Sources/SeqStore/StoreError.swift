import SeqHDF5

/// A stored file that cannot be used, as one line naming the file, the object and the problem.
public struct StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    public let file: String
    /// Path inside the file ("" for the file itself).
    public let object: String
    public let message: String

    public init(file: String, object: String = "", _ message: String) {
        self.file = file; self.object = object; self.message = message
    }

    public var description: String { object.isEmpty ? "\(file): \(message)" : "\(file): \(object): \(message)" }
}

/// The running seqbench's version, stored in every file it writes.
public enum SeqbenchVersion {
    public static let current = "0.1.0"
}

/// Identifies seqbench's file kinds by their root `format` attribute and checks `format_version`.
public enum FileFormat: String, Sendable, CaseIterable {
    case checkpoint = "seqbench.checkpoint"
    case run = "seqbench.run"
    case metrics = "seqbench.metrics"
    /// `predict`'s output.
    case predictions = "seqbench.predictions"

    /// The `format_version` this seqbench writes, the newest it reads. Every older version reads too.
    public var version: Int {
        switch self {
        case .checkpoint, .predictions: return 1
        // 2: a trained run awaiting its latency phase has status `trained` (1 used a `latency_pending` setting).
        case .run, .metrics: return 2
        }
    }

    /// Writes `format` and `format_version` on a file's root.
    public func stamp(_ root: HDF5Group) throws {
        try root.setAttribute("format", rawValue)
        try root.setAttribute("format_version", version)
        try root.setAttribute("seqbench_version", SeqbenchVersion.current)
        try root.setAttribute("created_utc", utcTimestamp())
    }

    /// Opens `path` and checks that it is a file of this kind with a supported version.
    func open(_ path: String) throws -> HDF5File {
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch let e as HDF5Error {
            throw StoreError(file: path, "cannot open as HDF5: \(e.reason)")
        }
        let root = file.root
        guard root.hasAttribute("format"), let found = try? root.stringAttribute("format") else {
            throw StoreError(file: path, "not a seqbench file (no 'format' attribute); expected a \(rawValue) file")
        }
        guard found == rawValue else {
            throw StoreError(file: path, "is a \(found) file, expected a \(rawValue) file")
        }
        guard let version = try? root.intAttribute("format_version") else {
            throw StoreError(file: path, "has no integer 'format_version' attribute")
        }
        guard version <= self.version else {
            throw StoreError(file: path, "format_version \(version) is newer than this seqbench (\(SeqbenchVersion.current)) reads (\(self.version)); upgrade seqbench")
        }
        guard version >= 1 else { throw StoreError(file: path, "invalid format_version \(version)") }
        return file
    }
}

/// Now, as ISO 8601 UTC with seconds ("2026-11-26T08:39:09Z").
func utcTimestamp() -> String {
    var t = time(nil)
    var parts = tm()
    gmtime_r(&t, &parts)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
