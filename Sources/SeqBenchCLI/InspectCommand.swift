import ArgumentParser
import Foundation
import SeqHDF5
import SeqStore

/// `seqbench inspect FILE.h5`
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an HDF5 file's tree: groups, datasets with dtype and shape, and attributes.")

    @Argument(help: "Any HDF5 file (checkpoints, run and metrics files, predictions).") var file: String
    @Flag(help: "Print JSON instead of a tree.") var json = false
    @Flag(help: "Show long attribute values in full instead of cutting them at 100 characters.") var full = false

    func run() throws {
        try Containment.runContained("inspect", files: [file])   // libhdf5 may crash on a damaged file
        guard FileManager.default.fileExists(atPath: file) else { throw StoreError(file: file, "no such file") }
        Containment.willRead(file)
        let tree = try FileTreeNode.read(file)
        Containment.doneReading()
        if json {
            let data = try JSONSerialization.data(withJSONObject: jsonObject(tree), options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(file)
            render(tree, indent: "")
        }
    }

    private func render(_ node: FileTreeNode, indent: String) {
        switch node.kind {
        case .group: print(indent + (node.path == "/" ? "/" : node.name + "/"))
        case .dataset(let type, let shape):
            print(indent + node.name + "  " + type + " " + (shape.isEmpty ? "scalar" : "[" + shape.map(String.init).joined(separator: ", ") + "]"))
        }
        for (name, value) in node.attributes {
            var text = value.description
            if !full && text.count > 100 { text = String(text.prefix(97)) + "…" }
            print(indent + "    @" + name + " = " + text)
        }
        for child in node.children { render(child, indent: indent + "  ") }
    }

    private func jsonObject(_ node: FileTreeNode) -> [String: Any] {
        var object: [String: Any] = ["path": node.path]
        switch node.kind {
        case .group:
            object["kind"] = "group"
            object["children"] = node.children.map(jsonObject)
        case .dataset(let type, let shape):
            object["kind"] = "dataset"
            object["dtype"] = type
            object["shape"] = shape
        }
        var attributes: [String: Any] = [:]
        for (name, value) in node.attributes { attributes[name] = jsonValue(value) }
        object["attributes"] = attributes
        return object
    }

    private func jsonValue(_ v: HDF5AttributeValue) -> Any {
        switch v {
        case .string(let s): return s
        case .strings(let s): return s
        case .int(let i): return i
        case .ints(let i): return i
        case .double(let d): return d.isFinite ? d : String(d)
        case .doubles(let d): return d.map { $0.isFinite ? $0 as Any : String($0) as Any }
        }
    }
}
