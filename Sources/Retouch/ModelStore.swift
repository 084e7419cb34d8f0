import Foundation
import RetouchModels

/// Owns the residency of loaded checkpoints for a long-lived process (the server): models are chosen by name from
/// a fixed catalog (never by a path a client sends), loaded once, and at most `capacity` stay in memory (least
/// recently used dropped first).
public actor ModelStore {
    /// A checkpoint the store may load.
    public struct Entry: Sendable, Equatable {
        /// The name clients use (file or folder name).
        public let name: String
        /// Where it is.
        public let path: String
        /// The A1111 short hash (first 10 hex digits of the SHA-256) for single files; nil for folders.
        public let shortHash: String?

        /// Creates an entry.
        public init(name: String, path: String, shortHash: String?) {
            self.name = name
            self.path = path
            self.shortHash = shortHash
        }

        /// A1111's title: `name [hash]`, or the name alone when there is no hash.
        public var title: String { shortHash.map { "\(name) [\($0)]" } ?? name }
    }

    /// The checkpoints that may be loaded.
    public private(set) var catalog: [Entry]
    /// The one chosen for requests that name none.
    public private(set) var current: Entry?
    private let options: StableDiffusion.LoadOptions
    private let capacity: Int
    private var loaded: [(name: String, model: StableDiffusion)] = []
    private let scan: @Sendable () throws -> [Entry]

    /// A store over the entries `scan` lists (called again by `refresh()`), loading with `options`, keeping at most
    /// `capacity` models; `current` starts as `initial` (a name) or the first entry.
    public init(options: StableDiffusion.LoadOptions, capacity: Int = 1, initial: String? = nil,
                scan: @escaping @Sendable () throws -> [Entry]) throws {
        self.options = options
        self.capacity = max(1, capacity)
        self.scan = scan
        let entries = try scan()
        catalog = entries
        current = initial.flatMap { name in entries.first { $0.name == name } } ?? entries.first
    }

    /// Lists the checkpoints again (A1111's `refresh-checkpoints`); the current one stays chosen if still listed.
    public func refresh() throws {
        catalog = try scan()
        if let current, !catalog.contains(current) { self.current = catalog.first }
    }

    /// The entry a client's name, title or hash picks (exact name, title, or short hash), or nil.
    public func entry(matching text: String) -> Entry? {
        catalog.first { $0.name == text || $0.title == text || $0.shortHash == text }
            ?? catalog.first { ($0.name as NSString).deletingPathExtension == text }
    }

    /// Makes `entry` the current checkpoint (loading happens at first use).
    public func select(_ entry: Entry) { current = entry }

    /// The current checkpoint, loaded (from memory when it already is).
    public func currentModel() throws -> StableDiffusion {
        guard let current else { throw PipelineError("no model is available: start the server with --model or --models-dir") }
        return try model(current)
    }

    /// `entry` loaded, from memory when it already is; the least recently used model beyond capacity is dropped.
    public func model(_ entry: Entry) throws -> StableDiffusion {
        if let index = loaded.firstIndex(where: { $0.name == entry.name }) {
            let hit = loaded.remove(at: index)
            loaded.append(hit)
            return hit.model
        }
        if loaded.count >= capacity { loaded.removeFirst(loaded.count - capacity + 1) }
        let model = try StableDiffusion.load(entry.path, options: options)
        loaded.append((entry.name, model))
        return model
    }

    /// Names of the models in memory, least recently used first.
    public var loadedNames: [String] { loaded.map(\.name) }
}
