import RetouchTensor

/// A file of named tensors read on demand: a safetensors file, or a PyTorch checkpoint read as data.
///
/// Every weight source over files (`SafetensorsWeights`, single-file checkpoints, LoRAs, embeddings) reads through
/// this, so each file format is implemented once and the rest of Retouch never knows which one it has.
public protocol TensorArchive: AnyObject, Sendable {
    /// The file's path, for error messages.
    var path: String { get }
    /// Every tensor's shape, by name.
    var shapes: [String: [Int]] { get }
    /// String metadata the file carries (safetensors `__metadata__`; empty for formats without it).
    var metadata: [String: String] { get }
    /// Reads tensor `name` as float32; a NaN or Inf in a floating-point tensor is an error naming the file and tensor.
    func tensor(_ name: String) throws -> Tensor
}

extension SafetensorsFile: TensorArchive {
    /// Every tensor's shape, by name.
    public var shapes: [String: [Int]] { entries.mapValues(\.shape) }
    /// Reads tensor `name` as float32 (pages released afterwards, NaN and Inf refused).
    public func tensor(_ name: String) throws -> Tensor { try tensor(name, releasePages: true, checkFinite: true) }
}
