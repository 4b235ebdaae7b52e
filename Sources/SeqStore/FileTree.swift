import SeqHDF5
/// The structure of an HDF5 file: groups, datasets (type and shape) and attributes — what
/// `seqbench inspect` shows.
public struct FileTreeNode: Sendable {
    public enum Kind: Sendable, Equatable {
        case group
        case dataset(type: String, shape: [Int])
    }

    /// Absolute path inside the file.
    public let path: String
    public let kind: Kind
    /// Attributes in name order.
    public let attributes: [(name: String, value: HDF5AttributeValue)]
    /// Children in name order (groups only).
    public let children: [FileTreeNode]

    /// Reads the whole tree of `file`.
    public static func read(_ file: String) throws -> FileTreeNode {
        let f: HDF5File
        do { f = try HDF5File.open(file) } catch let e as HDF5Error {
            throw StoreError(file: file, "cannot open as HDF5: \(e.reason)")
        }
        defer { try? f.close() }
        do {
            var visited: Set<HDF5ObjectAddress> = [try f.root.address]
            return try node(f.root, path: "/", file: file, visited: &visited)
        } catch let e as HDF5Error {
            throw StoreError(file: file, object: e.object, e.detail)
        }
    }

    /// Untrusted input: links other than hard links are refused (by SeqHDF5), and a group reached a second
    /// time through a hard link (possibly a cycle back to an ancestor) is an error, never endless recursion.
    /// Only shapes and types are read for datasets, never their data.
    private static func node(_ g: HDF5Group, path: String, file: String,
                             visited: inout Set<HDF5ObjectAddress>, depth: Int = 0) throws -> FileTreeNode {
        guard depth < maxGroupDepth else {
            throw StoreError(file: file, object: path, "groups nest more than \(maxGroupDepth) deep")
        }
        var children: [FileTreeNode] = []
        for name in try g.childNames() {
            let childPath = path == "/" ? "/" + name : path + "/" + name
            switch g.kind(of: name) {
            case .group:
                let sub = try g.group(name)
                guard visited.insert(try sub.address).inserted else {
                    throw StoreError(file: file, object: childPath, "links back to a group already listed (a hard-link cycle or shared group); seqbench reads only tree-shaped files")
                }
                children.append(try node(sub, path: childPath, file: file, visited: &visited, depth: depth + 1))
            case .dataset:
                let d = try g.dataset(name)
                let (shape, type) = try d.info()
                children.append(FileTreeNode(path: childPath, kind: .dataset(type: type, shape: shape),
                                             attributes: try attributes(of: d), children: []))
            case .none:
                // Soft and external links are refused; other objects (committed datatypes) are not shown.
                try g.checkLinks(name)
            }
        }
        return FileTreeNode(path: path, kind: .group, attributes: try attributes(of: g), children: children)
    }

    private static func attributes(of object: HDF5Object) throws -> [(name: String, value: HDF5AttributeValue)] {
        try object.attributeNames().sorted().map { ($0, try object.attributeValue($0)) }
    }

    /// The last path component ("/" for the root).
    public var name: String { path == "/" ? "/" : String(path.split(separator: "/").last!) }
}
