import Foundation

/// Finds a Hugging Face repository in the local hub cache, offline, as `huggingface_hub` lays it out:
/// `<cache>/models--org--name/refs/<revision>` holds a commit hash, and `snapshots/<hash>/` the files
/// (symlinks into `blobs/`).
///
/// The cache is `HF_HUB_CACHE`, else `HF_HOME/hub`, else `XDG_CACHE_HOME/huggingface/hub`, else
/// `~/.cache/huggingface/hub` (huggingface_hub's order).
public struct HFCacheResolver: Sendable {
    /// The environment variables consulted.
    public let environment: [String: String]
    /// The home directory for the default cache.
    public let homeDirectory: URL

    /// A resolver reading the process environment and home directory by default.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                homeDirectory: URL = FileManager.default.homeDirectoryForCurrentUser) {
        self.environment = environment
        self.homeDirectory = homeDirectory
    }

    /// The hub cache folder and the setting that chose it.
    public var cacheDirectory: (url: URL, source: String) {
        func set(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let path = set("HF_HUB_CACHE") { return (URL(fileURLWithPath: path), "HF_HUB_CACHE") }
        if let path = set("HF_HOME") { return (URL(fileURLWithPath: path).appendingPathComponent("hub"), "HF_HOME/hub") }
        if let path = set("XDG_CACHE_HOME") {
            return (URL(fileURLWithPath: path).appendingPathComponent("huggingface/hub"), "XDG_CACHE_HOME/huggingface/hub")
        }
        return (homeDirectory.appendingPathComponent(".cache/huggingface/hub"), "~/.cache/huggingface/hub")
    }

    /// Whether `text` looks like a repository id, `org/name` (letters, digits, `-`, `_`, `.`; no `..`).
    public static func isRepositoryID(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        return parts.count == 2 && parts.allSatisfy { part in
            !part.isEmpty && !part.hasPrefix(".") && !part.contains("..")
                && part.unicodeScalars.allSatisfy(allowed.contains)
        }
    }

    /// The snapshot folder of repository `id` at `revision` (a ref such as `main`, or a 40-hex commit).
    public func resolve(_ id: String, revision: String = "main") throws -> URL {
        guard Self.isRepositoryID(id) else {
            throw ModelLoadingError(origin: id, problem: "not a Hugging Face repository id (expected org/name)")
        }
        let (cache, source) = cacheDirectory
        let repository = cache.appendingPathComponent("models--" + id.replacingOccurrences(of: "/", with: "--"))
        var searched = ["cache \(cache.path) (from \(source))", "repository folder \(repository.path)"]
        func notFound(_ why: String) -> ModelLoadingError {
            ModelLoadingError(origin: id, problem: "not found in the local Hugging Face cache (\(why)); searched: " +
                                  searched.joined(separator: "; ") + ". Retouch does not download: fetch it once with " +
                                  "`huggingface-cli download \(id)`, or pass a local folder or .safetensors file")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: repository.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw notFound("no repository folder")
        }
        let commit: String
        if revision.count == 40, revision.allSatisfy(\.isHexDigit) {
            commit = revision
        } else {
            let ref = repository.appendingPathComponent("refs").appendingPathComponent(revision)
            searched.append("ref \(ref.path)")
            guard let text = try? String(contentsOf: ref, encoding: .utf8) else { throw notFound("no ref '\(revision)'") }
            commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let snapshot = repository.appendingPathComponent("snapshots").appendingPathComponent(commit)
        searched.append("snapshot \(snapshot.path)")
        guard !commit.isEmpty, !commit.contains("/"),
              FileManager.default.fileExists(atPath: snapshot.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw notFound("no snapshot for revision '\(revision)'")
        }
        return snapshot
    }
}
