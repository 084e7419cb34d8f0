import RetouchTensor

/// Where a model's weights come from, named as diffusers names them within one component
/// (e.g. `down_blocks.0.resnets.0.norm1.weight` for a UNet).
///
/// Safetensors files, remapped single-file checkpoints and seeded random weights all conform, so tests,
/// benchmarks and real checkpoints build models through exactly the same path (`WeightLoader`).
public protocol WeightSource: Sendable {
    /// A human-readable origin for error messages (a file path, or a description).
    var origin: String { get }
    /// Every tensor name this source can provide.
    var tensorNames: Set<String> { get }
    /// The shape of `name`, or nil if absent.
    func shape(of name: String) -> [Int]?
    /// Reads `name` as float32.
    func tensor(_ name: String) throws -> Tensor
    /// Whether `tensorNames` is the full list, so that names a model does not use are errors.
    /// Generated sources (seeded random weights) answer false.
    var isExhaustive: Bool { get }
    /// Reads `name`, which the model expects to have `expectedShape`. Generated sources use the shape to make
    /// the tensor; file-backed sources use the default, which reads the tensor (shape checks are the loader's).
    func tensor(_ name: String, expectedShape: [Int]) throws -> Tensor
}

extension WeightSource {
    /// File-backed sources list every tensor.
    public var isExhaustive: Bool { true }
    /// Reads the stored tensor; `WeightLoader` checks its shape.
    public func tensor(_ name: String, expectedShape: [Int]) throws -> Tensor { try tensor(name) }
}
