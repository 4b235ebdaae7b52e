import ArgumentParser
import SeqModels

/// `seqbench list models`
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the registered models.")

    enum What: String, ExpressibleByArgument, CaseIterable { case models }

    @Argument(help: "What to list: \(What.allCases.map(\.rawValue).joined(separator: ", ")).")
    var what: What = .models

    func run() {
        let width = ModelRegistry.names.map(\.count).max() ?? 0
        for d in ModelRegistry.all {
            print(d.name + String(repeating: " ", count: width + 2 - d.name.count) + d.summary)
        }
    }
}
