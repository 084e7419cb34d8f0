import RetouchTensor

/// A stream of standard-normal samples. Pipelines draw from one source in a fixed order (VAE posterior sample,
/// initial noise, per-step noise of ancestral samplers), so the same seed gives the same image.
public protocol RandomSource: Sendable {
    /// The next `count` samples, as one `torch.randn` call of that many elements would give them.
    mutating func normal(count: Int) -> [Float]
}

extension RandomSource {
    /// A tensor of standard-normal samples (one draw of `shape.product` values).
    public mutating func normalTensor(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: normal(count: shape.reduce(1, *)))
    }
}
