import ArgumentParser
import Foundation
import RetouchModels

/// `retouch models`: what a models folder holds, with AUTOMATIC1111's short hashes, kind and architecture.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models",
        abstract: "List a models folder (AUTOMATIC1111 layout): kind, short hash, architecture and name of each file.")

    @Option(help: ArgumentHelp("The models folder (Stable-diffusion/, VAE/, Lora/, LyCORIS/, embeddings/, ControlNet/). Default: $\(ModelsFolder.environmentVariable).", valueName: "dir"))
    var modelsDir: String?

    @Option(help: "Only this kind: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?

    @Flag(help: "One JSON object per line instead of a table.")
    var json = false

    @Flag(help: "Skip the SHA-256 short hashes (they read every byte of every file).")
    var noHash = false

    func validate() throws {
        if let kind, ModelKind(rawValue: kind) == nil {
            throw ValidationError("--kind must be one of \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")); got '\(kind)'")
        }
    }

    func run() throws {
        try reportingFailures {
            guard let folder = try ModelsFolder.chosen(flag: modelsDir) else {
                throw ValidationError("give --models-dir DIR or set \(ModelsFolder.environmentVariable)")
            }
            let kinds = kind.flatMap(ModelKind.init(rawValue:)).map { [$0] } ?? ModelKind.allCases
            let rows = try kinds.flatMap { try folder.entries($0) }.map { entry in
                ModelListing(entry: entry, hash: noHash || entry.isFolder ? nil : try ModelHashes.shortHash(of: entry.url),
                             architecture: ModelArchitecture.describe(entry))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for row in rows { print(String(decoding: try encoder.encode(row), as: UTF8.self)) }
            } else if rows.isEmpty {
                print("\(folder.root.path): no models (looked in \(kinds.flatMap(\.folderNames).map { $0 + "/" }.joined(separator: ", ")))")
            } else {
                let kindWidth = max(4, rows.map(\.kind.count).max() ?? 0)
                let architectureWidth = max(12, rows.map(\.architecture.count).max() ?? 0)
                print(pad("kind", kindWidth) + "  " + pad("hash", 10) + "  " + pad("architecture", architectureWidth) + "  name")
                for row in rows {
                    print(pad(row.kind, kindWidth) + "  " + pad(row.hash ?? "-", 10) + "  " + pad(row.architecture, architectureWidth) + "  " + row.name)
                }
            }
        }
    }

    private func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
}

/// One row of `retouch models`.
struct ModelListing: Encodable {
    let kind: String
    let name: String
    let file: String
    let hash: String?
    let architecture: String
    let bytes: Int64?

    init(entry: ModelEntry, hash: String?, architecture: String) {
        kind = entry.kind.rawValue
        name = entry.fileName
        file = entry.url.path
        self.hash = hash
        self.architecture = architecture
        bytes = entry.isFolder ? nil : (try? FileManager.default.attributesOfItem(atPath: entry.url.path)[.size] as? NSNumber)?.int64Value
    }
}
