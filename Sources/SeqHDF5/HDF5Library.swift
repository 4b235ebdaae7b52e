import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Library-wide HDF5 helpers.
public enum HDF5Library {
    /// One-time process-wide initialisation; `static let` gives a thread-safe once.
    private static let initialized: Bool = {
        seq_silence_errors_on_this_thread()
        return H5open() >= 0
    }()

    /// Called at the start of every public entry point before any HDF5 call.
    ///
    /// Initialises the library once, and switches off HDF5's automatic
    /// printing of error stacks to stderr. In a thread-safe HDF5 build (as on
    /// Debian) the error stack, including its auto-print setting, is
    /// per-thread, so the silencing runs once per thread (a thread-local flag
    /// in the C shim), not just once per process.
    static func prepare() {
        _ = initialized
        seq_silence_errors_on_this_thread()
    }

    /// The number of HDF5 identifiers currently open in this process across all
    /// files: files, groups, datasets, attributes and committed datatypes.
    /// Tests use it to check that nothing leaks.
    public static func openObjectCount() -> Int {
        prepare()
        let all = seq_f_obj_all()
        let count = H5Fget_obj_count(hid_t(all), all)
        return count < 0 ? 0 : Int(count)
    }

    /// The runtime HDF5 library version, e.g. `"1.10.8"`.
    public static var version: String {
        prepare()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        guard H5get_libversion(&major, &minor, &release) >= 0 else { return "unknown" }
        return "\(major).\(minor).\(release)"
    }

    /// A snapshot of the identifier counters for transient objects
    /// (dataspaces, datatypes, property lists), which `openObjectCount()` does
    /// not see and `H5Inmembers` refuses to count. Internal: for leak tests.
    struct TransientMarker {
        fileprivate let space: hid_t, type: hid_t, propertyList: hid_t
    }

    /// Takes a marker: creates and closes one identifier of each transient kind.
    static func transientMarker() -> TransientMarker {
        prepare()
        let space = H5Screate(H5S_SCALAR)
        H5Sclose(space)
        let type = H5Tcopy(seq_native_int32())
        H5Tclose(type)
        let propertyList = H5Pcreate(seq_p_file_access())
        H5Pclose(propertyList)
        return TransientMarker(space: space, type: type, propertyList: propertyList)
    }

    /// The transient identifiers created after `marker` that are still open.
    /// HDF5 1.10 hands out identifiers of each kind sequentially and does not
    /// reuse them, so every one between two markers can be probed.
    static func leakedTransients(since marker: TransientMarker) -> [String] {
        let now = transientMarker()
        var leaked: [String] = []
        for (kind, start, end) in [("dataspace", marker.space, now.space), ("datatype", marker.type, now.type),
                                   ("property list", marker.propertyList, now.propertyList)] where start >= 0 {
            var id = start + 1
            while id < end {
                if H5Iis_valid(id) > 0 { leaked.append("\(kind) \(String(id, radix: 16))") }
                id += 1
            }
        }
        return leaked
    }
}

/// Reads HDF5's (thread-local) error stack.
enum HDF5ErrorStack {
    /// The description recorded by the innermost (first-detected) error on
    /// the current thread's stack, cleaned up to one short line; `nil` if the
    /// stack is empty.
    static func innermostMessage() -> String? {
        var messages: [String] = []
        let status = withUnsafeMutablePointer(to: &messages) { pointer in
            H5Ewalk2(seq_error_default(), H5E_WALK_UPWARD, { _, entry, data in
                guard let entry, let data else { return 0 }
                let list = data.assumingMemoryBound(to: [String].self)
                if let desc = entry.pointee.desc {
                    list.pointee.append(String(cString: desc))
                }
                return 0
            }, pointer)
        }
        guard status >= 0, let first = messages.first(where: { !$0.isEmpty }) else { return nil }
        return clean(first)
    }

    /// Turns low-level messages into something short: an embedded
    /// `errno = N` becomes the C library's text for that errno.
    static func clean(_ message: String) -> String {
        let line = HDF5Error.singleLine(message)
        if let range = line.firstRange(of: "errno = ") {
            let digits = line[range.upperBound...].prefix(while: { $0.isNumber })
            if let code = Int32(digits), code > 0 {
                return errnoDescription(code)
            }
        }
        return line
    }
}

/// A short lower-case description of a C `errno` value.
func errnoDescription(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text).lowercased()
}
