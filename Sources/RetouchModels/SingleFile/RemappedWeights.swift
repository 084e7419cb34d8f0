import RetouchSafetensors
import RetouchTensor

/// One component's weights inside a single-file checkpoint, under diffusers names: each name reads a stored
/// tensor and applies its `TensorTransform`.
public struct RemappedWeights: WeightSource {
    /// Where one diffusers tensor comes from.
    public struct Entry: Sendable, Equatable {
        /// The stored key.
        public let source: String
        /// How the stored tensor becomes the diffusers tensor.
        public let transform: TensorTransform
        /// The diffusers tensor's shape.
        public let shape: [Int]
    }

    /// The file and component, e.g. `model.safetensors (unet)`.
    public let origin: String
    /// Entries by diffusers name.
    public let entries: [String: Entry]
    private let file: any TensorArchive

    init(file: any TensorArchive, component: LDMComponent, entries: [String: Entry]) {
        self.file = file
        self.entries = entries
        origin = "\(file.path) (\(component.rawValue))"
    }

    /// Every diffusers name this component provides.
    public var tensorNames: Set<String> { Set(entries.keys) }

    /// The diffusers shape of `name` (after its transform), or nil if absent.
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    /// Reads the stored tensor behind `name` as float32 and applies its transform.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else {
            throw ModelLoadingError(origin: origin, key: name, problem: "missing from the checkpoint")
        }
        return entry.transform.apply(try file.tensor(entry.source))
    }
}
