import Foundation

/// A models folder laid out as AUTOMATIC1111's `models/`: `Stable-diffusion/`, `VAE/`, `Lora/` (and `LyCORIS/`),
/// `embeddings/`, `ControlNet/`. Names given to `--model`, `--vae`, `<lora:…>` and embeddings resolve inside it.
///
/// A name is a file's path inside its kind's folder, with or without the extension (`sub/photo-v2.safetensors`,
/// `sub/photo-v2`), or just the file's stem when only one file has it (`photo-v2`). AUTOMATIC1111's titles
/// (`photo-v2.safetensors [1a2b3c4d5e]`) work too: the bracketed short hash is then checked against the file.
public struct ModelsFolder: Sendable, Equatable {
    /// The environment variable naming the folder when `--models-dir` is not given.
    public static let environmentVariable = "RETOUCH_MODELS_DIR"

    /// The folder itself.
    public let root: URL

    /// Opens `root`, which must be a folder.
    public init(root: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
            throw ModelLoadingError(origin: root.path, problem: "the models folder does not exist")
        }
        guard isFolder.boolValue else { throw ModelLoadingError(origin: root.path, problem: "is a file, not a models folder") }
        self.root = root.standardizedFileURL
    }

    /// The folder `--models-dir` names, else the one `RETOUCH_MODELS_DIR` names, else none.
    public static func chosen(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ModelsFolder? {
        if let flag { return try ModelsFolder(root: URL(fileURLWithPath: (flag as NSString).expandingTildeInPath, isDirectory: true)) }
        guard let variable = environment[environmentVariable], !variable.isEmpty else { return nil }
        do {
            return try ModelsFolder(root: URL(fileURLWithPath: (variable as NSString).expandingTildeInPath, isDirectory: true))
        } catch let error as ModelLoadingError {
            throw ModelLoadingError(origin: error.origin, problem: "\(error.problem) (named by \(environmentVariable))")
        }
    }

    /// The folders holding files of `kind` (LoRAs: `Lora/` and `LyCORIS/`, as AUTOMATIC1111 reads both).
    public func folders(_ kind: ModelKind) -> [URL] {
        kind.folderNames.map { root.appendingPathComponent($0, isDirectory: true) }
    }

    /// Every model of `kind` in the folder, sorted by name.
    public func entries(_ kind: ModelKind) throws -> [ModelEntry] { try Self.entries(kind, in: folders(kind)) }

    /// Resolves `name` to one model of `kind`.
    ///
    /// - Throws: `ModelLoadingError` naming the folder when nothing matches (with what is there), when several
    ///   files match (listing them), or when a bracketed hash does not match the file's.
    public func resolve(_ name: String, kind: ModelKind) throws -> URL { try Self.resolve(name, kind: kind, in: folders(kind)) }

    /// Every model of `kind` in `folders` (a kind's own folders, such as a `--lora-dir`), sorted by name.
    public static func entries(_ kind: ModelKind, in folders: [URL]) throws -> [ModelEntry] {
        var found: [ModelEntry] = []
        for folder in folders where FileManager.default.fileExists(atPath: folder.path) {
            try ModelsFolderWalk.collect(kind, in: folder, into: &found)
        }
        return found.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
    }

    /// Resolves `name` to one model of `kind` in `folders` (a kind's own folders, such as a `--lora-dir`), by the
    /// rules of `resolve(_:kind:)`; errors name the first folder.
    public static func resolve(_ name: String, kind: ModelKind, in folders: [URL]) throws -> URL {
        let title = ModelTitle(name)
        let all = try entries(kind, in: folders)
        let matches = all.filter { $0.matches(title.name) }
        let shownFolder = folders.first?.path ?? "(no folder)"
        guard !matches.isEmpty else {
            let available = all.prefix(20).map(\.name).joined(separator: ", ")
            throw ModelLoadingError(origin: shownFolder, problem: "no \(kind.noun) named '\(title.name)'" +
                                        (all.isEmpty ? " (the folder holds none)" : "; it holds: \(available)\(all.count > 20 ? ", …" : "")"))
        }
        let exact = matches.filter { $0.name == title.name || $0.fileName == title.name }
        let chosen = exact.count == 1 ? exact : matches
        guard chosen.count == 1 else {
            throw ModelLoadingError(origin: shownFolder, problem: "the name '\(title.name)' matches several \(kind.noun)s: " +
                                        chosen.map(\.fileName).joined(separator: ", ") + "; give the file name with its extension")
        }
        let entry = chosen[0]
        if let hash = title.shortHash {
            guard !entry.isFolder else {
                throw ModelLoadingError(origin: entry.url.path, problem: "is a diffusers folder, which has no file hash to check against [\(hash)]")
            }
            let actual = try ModelHashes.shortHash(of: entry.url)
            guard actual.hasPrefix(hash.lowercased()) else {
                throw ModelLoadingError(origin: entry.url.path, problem: "its short hash is \(actual), not \(hash) as the name asks")
            }
        }
        return entry.url
    }
}

/// One model found in a models folder.
public struct ModelEntry: Sendable, Equatable {
    /// What it is (checkpoint, VAE, LoRA, embedding, ControlNet).
    public let kind: ModelKind
    /// Its path inside its kind's folder, without the extension (`sub/photo-v2`).
    public let name: String
    /// Its path inside its kind's folder, with the extension (`sub/photo-v2.safetensors`).
    public let fileName: String
    /// Where it is.
    public let url: URL
    /// Whether it is a diffusers folder rather than a single file.
    public let isFolder: Bool

    /// Describes one model.
    public init(kind: ModelKind, name: String, fileName: String, url: URL, isFolder: Bool) {
        self.kind = kind
        self.name = name
        self.fileName = fileName
        self.url = url
        self.isFolder = isFolder
    }

    /// The file's stem (`photo-v2`): what AUTOMATIC1111's `<lora:NAME>` and embedding words use.
    public var stem: String { (name as NSString).lastPathComponent }

    /// Whether `name` names this entry: its path with or without the extension, or its stem.
    func matches(_ wanted: String) -> Bool {
        wanted == name || wanted == fileName || wanted == stem || wanted == (fileName as NSString).lastPathComponent
    }
}

/// An AUTOMATIC1111 model title: a name, optionally followed by ` [shorthash]`.
struct ModelTitle {
    let name: String
    let shortHash: String?

    init(_ title: String) {
        let trimmed = title.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("]"), let open = trimmed.lastIndex(of: "[") {
            let hash = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let isHex = (8...64).contains(hash.count) && hash.allSatisfy(\.isHexDigit)
            if isHex {
                name = String(trimmed[..<open]).trimmingCharacters(in: .whitespaces)
                shortHash = hash
                return
            }
        }
        name = trimmed
        shortHash = nil
    }
}
