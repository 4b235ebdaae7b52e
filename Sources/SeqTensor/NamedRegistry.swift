import Synchronization

/// An entry of a registry: something with a unique name.
public protocol NamedEntry: Sendable {
    var name: String { get }
}

/// A thread-safe, ordered list of named entries: the storage behind the model and task registries.
/// Built-ins come first; `register` appends, or replaces an entry of the same name in place.
public final class NamedRegistry<Entry: NamedEntry>: Sendable {
    private let entries: Mutex<[Entry]>

    public init(_ builtIn: [Entry]) { entries = Mutex(builtIn) }

    /// Every entry, in registration order.
    public var all: [Entry] { entries.withLock { $0 } }

    /// The entries' names, in registration order.
    public var names: [String] { all.map(\.name) }

    /// Adds an entry, or replaces the one with its name.
    public func register(_ entry: Entry) {
        entries.withLock { list in
            if let i = list.firstIndex(where: { $0.name == entry.name }) { list[i] = entry } else { list.append(entry) }
        }
    }

    /// The entry called `name`, or nil.
    public func entry(named name: String) -> Entry? { all.first { $0.name == name } }
}
