import RetouchTensor

/// Hands weights to a model under construction and checks them strictly.
///
/// Every request names a diffusers key and the shape the architecture expects; a missing key or a shape
/// mismatch is an error naming the file and key. `finish()` then rejects every key the model did not use
/// (outside `ignoring`), so a misspelt key can never silently become an untrained weight.
public struct WeightLoader {
    /// The source being read.
    public let source: any WeightSource
    /// Keys that may be present and unused (e.g. `position_ids` buffers).
    public let ignoredSuffixes: [String]
    /// The format weight matrices are kept in.
    public var precision: Precision = .fp32
    private var prefix: [String] = []
    private(set) var used: Set<String> = []

    /// Creates a loader over `source`.
    public init(source: any WeightSource, ignoring ignoredSuffixes: [String] = [], precision: Precision = .fp32) {
        self.source = source
        self.ignoredSuffixes = ignoredSuffixes
        self.precision = precision
    }

    /// The tensor `name` (under the current scope), which must have `shape`.
    public mutating func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let key = (prefix + [name]).joined(separator: ".")
        if source.isExhaustive {
            guard let stored = source.shape(of: key) else {
                throw ModelLoadingError(origin: source.origin, key: key, problem: "missing from the checkpoint (expected shape \(shape))")
            }
            guard stored == shape else {
                throw ModelLoadingError(origin: source.origin, key: key, problem: "shape \(stored) does not match the model's \(shape)")
            }
        }
        used.insert(key)
        let tensor = try source.tensor(key, expectedShape: shape)
        guard tensor.shape == shape else {
            throw ModelLoadingError(origin: source.origin, key: key, problem: "shape \(tensor.shape) does not match the model's \(shape)")
        }
        return tensor
    }

    /// Whether the source has `name` under the current scope (for optional parts such as `conv_shortcut`).
    public func has(_ name: String) -> Bool {
        source.shape(of: (prefix + [name]).joined(separator: ".")) != nil
    }

    /// Runs `body` with `component` appended to the key prefix (`down_blocks.0.resnets.1`).
    public mutating func scope<T>(_ component: String, _ body: (inout WeightLoader) throws -> T) rethrows -> T {
        prefix.append(component)
        defer { prefix.removeLast() }
        return try body(&self)
    }

    /// Throws if the source holds keys the model did not use (outside the ignore list).
    public func finish() throws {
        guard source.isExhaustive else { return }
        let unused = source.tensorNames.subtracting(used).filter { name in
            !ignoredSuffixes.contains { name.hasSuffix($0) }
        }.sorted()
        if let first = unused.first {
            let more = unused.count > 1 ? " (and \(unused.count - 1) more: \(unused.dropFirst().prefix(5).joined(separator: ", "))\(unused.count > 6 ? ", …" : ""))" : ""
            throw ModelLoadingError(origin: source.origin, key: first, problem: "not used by the model\(more)")
        }
    }
}
