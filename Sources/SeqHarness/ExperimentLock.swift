import Foundation
import SeqStore

/// Keeps two seqbench processes out of one experiment folder: `flock(2)` on `<folder>/.seqbench.lock`.
/// The kernel drops the lock when its process ends, however it ends (kill -9 included), so a lock can never
/// be stale: a leftover file that nobody holds locks nothing. The holder writes "<pid> <host>" into the file
/// for the message the next process shows.
///
/// `run` and `train` hold it exclusively. The shards of one experiment (`run --shard`, `slurm`) take none:
/// they share the folder by design and write no shared file. `collect` takes none either (it only rewrites
/// the experiment's own files, each atomically). `.shared` is there for callers that want to keep an
/// exclusive holder out while they run.
public final class ExperimentLock {
    public static let fileName = ".seqbench.lock"
    public enum Mode: Sendable { case exclusive, shared }

    private var descriptor: Int32
    /// Whether no other process held the lock at all when this one took it (a shard may share it with
    /// others): only then may stale temporary files be removed.
    public let isAlone: Bool

    private init(descriptor: Int32, isAlone: Bool) { self.descriptor = descriptor; self.isAlone = isAlone }

    /// Takes the lock of `folder` (which must exist), or throws ``ExperimentBusy`` naming the holder. The
    /// lock lasts until ``release()`` or the end of the process.
    public static func acquire(_ folder: String, mode: Mode) throws -> ExperimentLock {
        let path = folder + "/" + fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(file: path, "cannot lock the experiment: \(String(cString: strerror(errno)))") }
        func busy() -> ExperimentBusy {
            let holder = Self.holder(fd)
            close(fd)
            return ExperimentBusy(folder: folder, pid: holder.pid, host: holder.host)
        }
        var alone = true
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK, mode == .shared, flock(fd, LOCK_SH | LOCK_NB) == 0 else { throw busy() }
            alone = false
        } else if mode == .shared {
            // Alone for now; share from here on (other shards may join).
            guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { throw busy() }
        }
        var host = [CChar](repeating: 0, count: 256)
        let name = gethostname(&host, host.count - 1) == 0 ? String(cString: host) : "unknown host"
        let text = Array("\(getpid()) \(name)\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
        return ExperimentLock(descriptor: fd, isAlone: alone)
    }

    /// Releases the lock (for tests; a command keeps it to its end).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    private static func holder(_ fd: Int32) -> (pid: Int?, host: String?) {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return (nil, nil) }
        let fields = String(decoding: buffer[..<n], as: UTF8.self).split(whereSeparator: \.isWhitespace)
        return (fields.first.flatMap { Int($0) }, fields.count > 1 ? String(fields[1]) : nil)
    }
}

/// Another live process holds an experiment's lock.
public struct ExperimentBusy: Error, CustomStringConvertible, Sendable {
    public let folder: String, pid: Int?, host: String?
    public var description: String {
        let who = pid.map { "pid \($0)" + (host.map { " on \($0)" } ?? "") }
        return "another seqbench\(who.map { " (\($0))" } ?? "") is running this experiment (\(folder)); "
            + "wait for it to finish, or use another --out"
    }
}

/// The temporary files seqbench's atomic writers leave when killed mid-write (`.<name>.tmp-<pid>-<random>`).
public enum StaleTemporaries {
    /// Whether `name` is one of seqbench's temporary names, and only those.
    public static func matches(_ name: String) -> Bool {
        // .<name>.tmp-<pid>-<random>: a dot, a non-empty name, ".tmp-", digits, "-", letters, digits and dashes.
        guard name.hasPrefix("."), let marker = name.range(of: ".tmp-", options: .backwards),
              marker.lowerBound > name.index(after: name.startIndex) else { return false }
        let rest = name[marker.upperBound...]
        guard let dash = rest.firstIndex(of: "-") else { return false }
        let pid = rest[..<dash], random = rest[rest.index(after: dash)...]
        return !pid.isEmpty && pid.allSatisfy(\.isASCII) && pid.allSatisfy(\.isNumber) && !random.isEmpty
            && random.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    /// Removes seqbench's temporary files (regular files only, never following a link) directly in `folder`
    /// and in each `folder/runs/<run>/`; returns their paths. Call only while holding the experiment alone.
    @discardableResult
    public static func remove(in folder: String) -> [String] {
        let fm = FileManager.default
        var folders = [folder, folder + "/runs"]
        for run in (try? fm.contentsOfDirectory(atPath: folder + "/runs")) ?? [] { folders.append(folder + "/runs/" + run) }
        var removed: [String] = []
        for directory in folders {
            for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where matches(name) {
                let path = directory + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, unlink(path) == 0 else { continue }
                removed.append(path)
            }
        }
        return removed
    }
}
