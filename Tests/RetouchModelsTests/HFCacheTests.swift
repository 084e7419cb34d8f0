import Foundation
import Testing
import RetouchModels
import RetouchTestSupport

/// `--model org/name` resolves offline in a Hugging Face hub cache laid out as huggingface_hub writes it
/// (refs/main → snapshots/<commit>/, files symlinked into blobs/), and failures list what was searched.
struct HFCacheTests {
    static let commit = "0123456789abcdef0123456789abcdef01234567"

    /// Writes `models--org--name` with a snapshot whose `model_index.json` is a relative symlink into `blobs/`.
    static func makeCache(at hub: URL, id: String = "org/name") throws {
        let fm = FileManager.default
        let repository = hub.appendingPathComponent("models--" + id.replacingOccurrences(of: "/", with: "--"))
        let blobs = repository.appendingPathComponent("blobs")
        let snapshot = repository.appendingPathComponent("snapshots/\(commit)")
        try fm.createDirectory(at: blobs, withIntermediateDirectories: true)
        try fm.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try fm.createDirectory(at: repository.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: blobs.appendingPathComponent("a1b2c3"))
        try fm.createSymbolicLink(atPath: snapshot.appendingPathComponent("model_index.json").path,
                                  withDestinationPath: "../../blobs/a1b2c3")
        try Data("\(commit)\n".utf8).write(to: repository.appendingPathComponent("refs/main"))
    }

    @Test("the cache folder follows HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, then the home directory")
    func cacheDirectoryOrder() {
        let home = URL(fileURLWithPath: "/home/u")
        func cache(_ environment: [String: String]) -> String {
            HFCacheResolver(environment: environment, homeDirectory: home).cacheDirectory.url.path
        }
        #expect(cache(["HF_HUB_CACHE": "/a", "HF_HOME": "/b"]) == "/a")
        #expect(cache(["HF_HOME": "/b", "XDG_CACHE_HOME": "/c"]) == "/b/hub")
        #expect(cache(["XDG_CACHE_HOME": "/c"]) == "/c/huggingface/hub")
        #expect(cache(["HF_HUB_CACHE": ""]) == "/home/u/.cache/huggingface/hub")
    }

    @Test("org/name resolves through refs/main to the snapshot, from each cache location", arguments: [
        "HF_HUB_CACHE", "HF_HOME", "home",
    ])
    func resolves(setting: String) throws {
        let root = try Fixtures.temporaryDirectory("hf-cache")
        defer { try? FileManager.default.removeItem(at: root) }
        let hub: URL, resolver: HFCacheResolver
        switch setting {
        case "HF_HUB_CACHE":
            hub = root
            resolver = HFCacheResolver(environment: ["HF_HUB_CACHE": root.path], homeDirectory: URL(fileURLWithPath: "/nonexistent"))
        case "HF_HOME":
            hub = root.appendingPathComponent("hub")
            resolver = HFCacheResolver(environment: ["HF_HOME": root.path], homeDirectory: URL(fileURLWithPath: "/nonexistent"))
        default:
            hub = root.appendingPathComponent(".cache/huggingface/hub")
            resolver = HFCacheResolver(environment: [:], homeDirectory: root)
        }
        try Self.makeCache(at: hub)
        let snapshot = try resolver.resolve("org/name")
        #expect(snapshot.path == hub.appendingPathComponent("models--org--name/snapshots/\(Self.commit)").path)
        #expect(try String(contentsOf: snapshot.appendingPathComponent("model_index.json"), encoding: .utf8) == "{}")
        #expect(try resolver.resolve("org/name", revision: Self.commit) == snapshot)
        #expect(try ModelLocation.resolve("org/name", cache: resolver) == .diffusersFolder(snapshot))
    }

    @Test("a missing repository or ref names what was searched")
    func notFound() throws {
        let root = try Fixtures.temporaryDirectory("hf-cache")
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.makeCache(at: root)
        let resolver = HFCacheResolver(environment: ["HF_HUB_CACHE": root.path])
        do {
            _ = try resolver.resolve("org/other")
            Issue.record("resolved a missing repository")
        } catch let error as ModelLoadingError {
            #expect(error.origin == "org/other")
            #expect(error.problem.contains("\(root.path) (from HF_HUB_CACHE)"))
            #expect(error.problem.contains("models--org--other"))
            #expect(error.problem.contains("does not download"))
        }
        do {
            _ = try resolver.resolve("org/name", revision: "v2")
            Issue.record("resolved a missing ref")
        } catch let error as ModelLoadingError {
            #expect(error.problem.contains("no ref 'v2'"))
            #expect(error.problem.contains("refs/v2"))
        }
    }

    @Test("repository ids", arguments: [
        ("stabilityai/stable-diffusion-2-1", true), ("org/name.v1", true), ("name", false), ("a/b/c", false),
        ("../etc", false), ("org/..", false), ("/abs/path", false), ("org/na me", false),
    ])
    func repositoryIDs(text: String, valid: Bool) {
        #expect(HFCacheResolver.isRepositoryID(text) == valid)
    }

    @Test("local paths win over ids; folders need model_index.json")
    func localPaths() throws {
        let sd1 = Fixtures.url("models/tiny-sd1")
        #expect(try ModelLocation.resolve(sd1.path) == .diffusersFolder(sd1))
        let file = Fixtures.url("models/tiny-sd1.safetensors")
        #expect(try ModelLocation.resolve(file.path) == .singleFile(file))
        #expect(throws: ModelLoadingError.self) { try ModelLocation.resolve(Fixtures.url("models/tiny-sd1/unet").path) }
        #expect(throws: ModelLoadingError.self) { try ModelLocation.resolve("no-such-model") }
    }
}
