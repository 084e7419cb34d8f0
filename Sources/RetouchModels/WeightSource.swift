import RetouchTensor

/// Where a model's weights come from, named as diffusers names them within one component
/// (e.g. `down_blocks.0.resnets.0.norm1.weight` for a UNet).
///
/// Safetensors files, remapped single-file checkpoints and seeded random weights all conform, so tests,
/// benchmarks and real checkpoints build models through exactly the same path.
public protocol WeightSource: Sendable {
    /// A human-readable origin for error messages (a file path, or a description).
    var origin: String { get }
    /// Every tensor name this source can provide.
    var tensorNames: Set<String> { get }
    /// The shape of `name`, or nil if absent.
    func shape(of name: String) -> [Int]?
    /// Reads `name` as float32.
    func tensor(_ name: String) throws -> Tensor
}
