/// A float buffer that grows to the largest size asked of it and is then reused: layers keep
/// their activations and scratch here so that no step of a time loop allocates.
public final class Workspace: @unchecked Sendable {
    public private(set) var pointer: UnsafeMutablePointer<Float>
    public private(set) var capacity: Int

    public init() {
        capacity = 16
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: 0, count: capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `count` floats and returns the buffer; contents are unspecified unless `zeroed`.
    @discardableResult
    public func reserve(_ count: Int, zeroed: Bool = false) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = max(count, capacity * 3 / 2)
            pointer = .allocate(capacity: capacity)
            pointer.initialize(repeating: 0, count: capacity)
        } else if zeroed {
            pointer.update(repeating: 0, count: count)
        }
        return pointer
    }
}
