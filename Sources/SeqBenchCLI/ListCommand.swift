import ArgumentParser
import SeqData
import SeqModels

/// `seqbench list models`
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the registered models or tasks.")

    enum What: String, ExpressibleByArgument, CaseIterable { case models, tasks }

    @Argument(help: "What to list: \(What.allCases.map(\.rawValue).joined(separator: ", ")).")
    var what: What = .models

    func run() {
        switch what {
        case .models:
            let width = ModelRegistry.names.map(\.count).max() ?? 0
            for d in ModelRegistry.all {
                print(d.name + String(repeating: " ", count: width + 2 - d.name.count) + d.summary)
            }
        case .tasks:
            for d in TaskRegistry.all {
                print("\(d.name): \(d.summary)")
                for p in d.parameters { print("    \(p.name) = \(p.defaultValue)    \(p.help)") }
            }
        }
    }
}
