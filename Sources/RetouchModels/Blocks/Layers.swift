import RetouchTensor

/// The number format of a model's weight matrices (linear and convolution weights; biases and norms stay fp32).
public enum Precision: String, Sendable, CaseIterable {
    /// float32 weights and products (the default; what the parity tests check).
    case fp32
    /// Weights rounded to bfloat16 and held only in that form (half the memory); products in bf16 with fp32
    /// accumulation through Retouch's own GEMM (AVX-512 BF16 where the CPU has it).
    case bf16
}

/// A layer's weight matrix as loaded: float32, or packed bf16 only.
public enum WeightMatrix: Sendable {
    case fp32(Tensor)
    case bf16(BF16Matrix)

    /// Reads `name` with `shape` and keeps it in the loader's precision.
    static func load(_ loader: inout WeightLoader, _ name: String, shape: [Int]) throws -> WeightMatrix {
        let tensor = try loader.tensor(name, shape: shape)
        switch loader.precision {
        case .fp32: return .fp32(tensor)
        case .bf16: return .bf16(BF16Matrix(tensor))
        }
    }
}

/// A fully connected layer: `y = x Wᵀ + b`.
public struct LinearLayer: Sendable {
    /// `[out, in]`.
    public let weight: WeightMatrix
    /// `[out]`, when the layer has a bias.
    public let bias: Tensor?

    /// Loads `weight` (and `bias` when `hasBias`) from the loader's current scope.
    public init(_ loader: inout WeightLoader, inFeatures: Int, outFeatures: Int, hasBias: Bool = true) throws {
        weight = try WeightMatrix.load(&loader, "weight", shape: [outFeatures, inFeatures])
        bias = hasBias ? try loader.tensor("bias", shape: [outFeatures]) : nil
    }

    /// `[..., in] → [..., out]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch weight {
        case .fp32(let w): return x.linear(weight: w, bias: bias)
        case .bf16(let w): return x.linear(weight: w, bias: bias)
        }
    }
}

/// A 2-D convolution with bias.
public struct Conv2dLayer: Sendable {
    /// `[out, in, k, k]`.
    public let weight: WeightMatrix
    /// `[out]`.
    public let bias: Tensor
    /// Stride and padding.
    public let geometry: Conv2dGeometry
    /// Kernel side.
    public let kernel: Int

    /// Loads a square `kernel`×`kernel` convolution.
    public init(_ loader: inout WeightLoader, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int? = nil) throws {
        weight = try WeightMatrix.load(&loader, "weight", shape: [outChannels, inChannels, kernel, kernel])
        bias = try loader.tensor("bias", shape: [outChannels])
        geometry = Conv2dGeometry(stride: stride, padding: padding ?? kernel / 2)
        self.kernel = kernel
    }

    /// `[N, in, H, W] → [N, out, H', W']`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch weight {
        case .fp32(let w): return x.conv2d(weight: w, bias: bias, geometry: geometry)
        case .bf16(let w): return x.conv2d(weight: w, kernel: (kernel, kernel), bias: bias, geometry: geometry)
        }
    }
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
