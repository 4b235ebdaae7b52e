/// An error raised by SeqHDF5's HDF5 layer.
///
/// Every failure (missing or corrupt files, missing objects, shape or type
/// mismatches, failed HDF5 calls) is reported as an `HDF5Error` that names the
/// file, the object inside the file and the operation that failed, so that a
/// single line is enough to locate the problem:
///
///     tmp/x.h5: /params/rnn/weight_ih_l0: read dataset failed: dataset does not exist
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file-system path of the HDF5 file, as given by the caller.
    public var file: String
    /// The absolute path of the object inside the file (`/` for the file itself).
    public var object: String
    /// What was being attempted, e.g. `open`, `read dataset`, `read attribute 'format'`.
    public var operation: String
    /// A short, single-line explanation of the failure.
    public var reason: String
    /// Whether the object was refused as unsafe to read from an untrusted
    /// file (a link out of the file, external storage, ...) rather than an
    /// operation failing; the description then leaves out the operation.
    public var isRefusal = false

    /// Creates an error. Newlines in any field are folded into spaces so the
    /// description always stays on one line.
    public init(file: String, object: String, operation: String, reason: String) {
        self.file = file
        self.object = object
        self.operation = operation
        self.reason = HDF5Error.singleLine(reason)
    }

    /// `<file>: <object>: <operation> failed: <reason>` on one line
    /// (`<file>: <object>: <reason>` for refusals).
    public var description: String {
        HDF5Error.singleLine("\(file): \(object): \(detail)")
    }

    /// What went wrong without file and object: `<operation> failed: <reason>`,
    /// or just the reason for refusals.
    public var detail: String {
        isRefusal ? reason : "\(operation) failed: \(reason)"
    }

    static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isNewline || $0 == "\t" || $0 == " " })
            .joined(separator: " ")
    }
}

/// Where an operation happens; used internally to build `HDF5Error`s.
struct HDF5ErrorContext {
    var file: String
    var object: String
    var operation: String

    /// An error with an explicit reason.
    func error(_ reason: String) -> HDF5Error {
        HDF5Error(file: file, object: object, operation: operation, reason: reason)
    }

    /// A refusal of unsafe content; see ``HDF5Error/isRefusal``.
    func refusal(_ reason: String) -> HDF5Error {
        var error = error(reason)
        error.isRefusal = true
        return error
    }

    /// An error whose reason is the innermost message on HDF5's error stack,
    /// or `fallback` when the stack is empty. Must be called right after the
    /// failing HDF5 call: the next API call clears the stack.
    func stackError(_ fallback: String) -> HDF5Error {
        error(HDF5ErrorStack.innermostMessage() ?? fallback)
    }
}
