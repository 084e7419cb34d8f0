import RetouchTensor

/// A fully connected layer: `y = x Wᵀ + b`.
public struct LinearLayer: Sendable {
    /// `[out, in]`.
    public let weight: Tensor
    /// `[out]`, when the layer has a bias.
    public let bias: Tensor?

    /// Loads `weight` (and `bias` when `hasBias`) from the loader's current scope.
    public init(_ loader: inout WeightLoader, inFeatures: Int, outFeatures: Int, hasBias: Bool = true) throws {
        weight = try loader.tensor("weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? try loader.tensor("bias", shape: [outFeatures]) : nil
    }

    /// `[..., in] → [..., out]`.
    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight: weight, bias: bias) }
}

/// A 2-D convolution with bias.
public struct Conv2dLayer: Sendable {
    /// `[out, in, k, k]`.
    public let weight: Tensor
    /// `[out]`.
    public let bias: Tensor
    /// Stride and padding.
    public let geometry: Conv2dGeometry

    /// Loads a square `kernel`×`kernel` convolution.
    public init(_ loader: inout WeightLoader, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int? = nil) throws {
        weight = try loader.tensor("weight", shape: [outChannels, inChannels, kernel, kernel])
        bias = try loader.tensor("bias", shape: [outChannels])
        geometry = Conv2dGeometry(stride: stride, padding: padding ?? kernel / 2)
    }

    /// `[N, in, H, W] → [N, out, H', W']`.
    public func callAsFunction(_ x: Tensor) -> Tensor { x.conv2d(weight: weight, bias: bias, geometry: geometry) }
}

/// Group normalisation with affine parameters, optionally fused with SiLU.
public struct GroupNormLayer: Sendable {
    /// Per-channel scale and shift.
    public let weight: Tensor, bias: Tensor
    /// Number of groups.
    public let groups: Int
    /// Variance epsilon.
    public let epsilon: Float

    /// Loads the affine parameters for `channels`.
    public init(_ loader: inout WeightLoader, channels: Int, groups: Int, epsilon: Float) throws {
        weight = try loader.tensor("weight", shape: [channels])
        bias = try loader.tensor("bias", shape: [channels])
        self.groups = groups
        self.epsilon = epsilon
    }

    /// Normalises `[N, C, ...]`, then applies SiLU when `silu`.
    public func callAsFunction(_ x: Tensor, silu: Bool = false) -> Tensor {
        guard let shared = SharedGroupNormStatistics.current else {
            return x.groupNorm(groups: groups, weight: weight, bias: bias, epsilon: epsilon, silu: silu)
        }
        return x.groupNorm(groups: groups, weight: weight, bias: bias, epsilon: epsilon, silu: silu,
                           statistics: shared.statistics(for: x, groups: groups))
    }
}

/// Layer normalisation over the last dimension.
public struct LayerNormLayer: Sendable {
    /// Per-feature scale and shift.
    public let weight: Tensor, bias: Tensor
    /// Variance epsilon.
    public let epsilon: Float

    /// Loads the affine parameters for `features`.
    public init(_ loader: inout WeightLoader, features: Int, epsilon: Float) throws {
        weight = try loader.tensor("weight", shape: [features])
        bias = try loader.tensor("bias", shape: [features])
        self.epsilon = epsilon
    }

    /// Normalises the last dimension.
    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, epsilon: epsilon) }
}
