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
    /// `matrixShape` reshapes an fp32 tensor stored in another shape (a 1×1 convolution used as a linear layer);
    /// the bf16 form reads any tensor as `[shape[0] × rest]` already.
    static func load(_ loader: inout WeightLoader, _ name: String, shape: [Int],
                     matrixShape: [Int]? = nil) throws -> WeightMatrix {
        let tensor = try loader.tensor(name, shape: shape)
        switch loader.precision {
        case .fp32: return .fp32(matrixShape.map { tensor.reshaped($0) } ?? tensor)
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
    ///
    /// - Parameter storedShape: the weight's shape in the file when it is not `[out, in]` (SD1 stores the spatial
    ///   transformer's projections as 1×1 convolutions `[out, in, 1, 1]`: the same matrix).
    public init(_ loader: inout WeightLoader, inFeatures: Int, outFeatures: Int, hasBias: Bool = true,
                storedShape: [Int]? = nil) throws {
        weight = try WeightMatrix.load(&loader, "weight", shape: storedShape ?? [outFeatures, inFeatures],
                                       matrixShape: [outFeatures, inFeatures])
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

/// A convolution's weight as loaded: float32, packed bf16, or (bf16 3×3 stride-1 layers) bf16 in Winograd
/// F(2×2, 3×3) form, held only in that form.
public enum ConvolutionWeight: Sendable {
    case fp32(Tensor)
    case bf16(BF16Matrix)
    case winogradBF16(WinogradBF16Weight)
}

/// A 2-D convolution, with a bias unless loaded with `hasBias: false`.
public struct Conv2dLayer: Sendable {
    /// `[out, in, k, k]`.
    public let weight: ConvolutionWeight
    /// `[out]`, when the layer has a bias (PyTorch's `bias=False` convolutions have none).
    public let bias: Tensor?
    /// Stride and padding.
    public let geometry: Conv2dGeometry
    /// Kernel side.
    public let kernel: Int

    /// Loads a square `kernel`×`kernel` convolution (`weight`, and `bias` when `hasBias`).
    public init(_ loader: inout WeightLoader, inChannels: Int, outChannels: Int, kernel: Int,
                stride: Int = 1, padding: Int? = nil, hasBias: Bool = true) throws {
        let geometry = Conv2dGeometry(stride: stride, padding: padding ?? kernel / 2)
        let tensor = try loader.tensor("weight", shape: [outChannels, inChannels, kernel, kernel])
        switch loader.precision {
        case .fp32:
            weight = .fp32(tensor)
        case .bf16 where Tensor.winogradBF16Applies(inChannels: inChannels, outChannels: outChannels,
                                                    kernel: (kernel, kernel), geometry: geometry):
            weight = .winogradBF16(WinogradBF16Weight(tensor))
        case .bf16:
            weight = .bf16(BF16Matrix(tensor))
        }
        bias = hasBias ? try loader.tensor("bias", shape: [outChannels]) : nil
        self.geometry = geometry
        self.kernel = kernel
    }

    /// `[N, in, H, W] → [N, out, H', W']`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch weight {
        case .fp32(let w): return x.conv2d(weight: w, bias: bias, geometry: geometry)
        case .bf16(let w): return x.conv2d(weight: w, kernel: (kernel, kernel), bias: bias, geometry: geometry)
        case .winogradBF16(let w): return x.conv2d(winograd: w, bias: bias)
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
