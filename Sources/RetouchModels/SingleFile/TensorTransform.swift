import RetouchTensor

/// How a diffusers tensor is derived from a tensor stored under another name in a single-file checkpoint.
public enum TensorTransform: Sendable, Equatable {
    /// Stored as diffusers stores it.
    case identity
    /// A 1×1 convolution weight `[out, in, 1, 1]` read as a linear weight `[out, in]` (the LDM VAE's mid-block
    /// attention `q`, `k`, `v`, `proj_out`). Tensors without the trailing 1×1 (biases) pass unchanged.
    case squeezeUnitKernel
    /// Slice `index` of `count` equal slices along dimension 0: OpenCLIP's fused `in_proj_weight` `[3C, C]` and
    /// `in_proj_bias` `[3C]` hold q, k and v stacked in that order.
    case chunk(index: Int, count: Int)

    /// The shape the transform produces from `stored`, or nil if it cannot apply to that shape.
    public func shape(from stored: [Int]) -> [Int]? {
        switch self {
        case .identity:
            return stored
        case .squeezeUnitKernel:
            if stored.count == 4 { return stored[2] == 1 && stored[3] == 1 ? Array(stored.prefix(2)) : nil }
            return stored
        case .chunk(_, let count):
            guard let rows = stored.first, rows % count == 0 else { return nil }
            return [rows / count] + stored.dropFirst()
        }
    }

    /// Applies the transform; `tensor` must have a shape for which `shape(from:)` is non-nil.
    public func apply(_ tensor: Tensor) -> Tensor {
        guard let shape = shape(from: tensor.shape) else {
            preconditionFailure("\(self) does not apply to shape \(tensor.shape)")
        }
        switch self {
        case .identity, .squeezeUnitKernel:
            return tensor.reshaped(shape)
        case .chunk(let index, _):
            let size = shape.reduce(1, *)  // [rows / count, …]
            return Tensor(shape: shape, scalars: Array(tensor.scalars[(index * size)..<((index + 1) * size)]))
        }
    }
}
