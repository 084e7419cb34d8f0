import CKernels
import RetouchChecks

/// Mean and (population) variance of each group of a group norm, for one image.
public struct GroupStatistics: Sendable, Equatable {
    /// Per group.
    public var mean: [Double], variance: [Double]

    /// Statistics per group.
    public init(mean: [Double], variance: [Double]) {
        self.mean = mean
        self.variance = variance
    }
}

extension Tensor {
    /// The per-group mean and variance of image 0 of `[N, C, ...]`.
    public func groupStatistics(groups: Int) -> GroupStatistics {
        let channels = shape[1]
        let plane = count / (shape[0] * channels)
        let perGroup = channels / groups
        var means = [Double](repeating: 0, count: groups), variances = [Double](repeating: 0, count: groups)
        withUnsafeBufferPointer { x in
            for g in 0..<groups {
                rt_mean_variance(x.baseAddress! + g * perGroup * plane, perGroup * plane, &means[g], &variances[g])
            }
        }
        return GroupStatistics(mean: means, variance: variances)
    }

    /// PyTorch's `group_norm` over `[N, C, ...]` with per-channel `weight`/`bias`, optionally followed by SiLU
    /// in the same pass (the ResNet blocks' `norm → silu`). Given `statistics`, every image is normalised with
    /// them instead of its own (tiled VAE passes share one image's statistics this way).
    public func groupNorm(groups: Int, weight: Tensor, bias: Tensor, epsilon: Float, silu: Bool = false,
                          statistics: GroupStatistics? = nil) -> Tensor {
        require(rank >= 2 && shape[1] % groups == 0, "group norm: \(shape[1]) channels not divisible into \(groups) groups")
        let (batch, channels) = (shape[0], shape[1])
        let plane = count / (batch * channels)
        let perGroup = channels / groups
        require(weight.count == channels && bias.count == channels, "group norm affine size mismatch")
        return Tensor(shape: shape) { out in
            withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { gamma in
                    bias.withUnsafeBufferPointer { beta in
                        let out = out
                        Parallel.forEach(batch * groups, costPerItem: perGroup * plane * 4) { task in
                            let (n, g) = (task / groups, task % groups)
                            let base = (n * channels + g * perGroup) * plane
                            var mean = 0.0, variance = 0.0
                            if let statistics {
                                (mean, variance) = (statistics.mean[g], statistics.variance[g])
                            } else {
                                rt_mean_variance(x.baseAddress! + base, perGroup * plane, &mean, &variance)
                            }
                            let inverseStd = 1 / (variance + Double(epsilon)).squareRoot()
                            for local in 0..<perGroup {
                                let c = g * perGroup + local
                                let scale = Double(gamma[c]) * inverseStd
                                let shift = Double(beta[c]) - mean * scale
                                let offset = base + local * plane
                                rt_scale_shift(x.baseAddress! + offset, out.baseAddress! + offset, plane,
                                               Float(scale), Float(shift), silu ? 1 : 0)
                            }
                        }
                    }
                }
            }
        }
    }

    /// PyTorch's `layer_norm` over the last dimension with `weight`/`bias` of that size.
    public func layerNorm(weight: Tensor, bias: Tensor, epsilon: Float) -> Tensor {
        let features = shape[rank - 1]
        require(weight.count == features && bias.count == features, "layer norm affine size mismatch")
        let rows = count / features
        return Tensor(shape: shape) { out in
            withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { gamma in
                    bias.withUnsafeBufferPointer { beta in
                        let out = out
                        Parallel.forEach(rows, costPerItem: features * 4) { row in
                            let offset = row * features
                            var mean = 0.0, variance = 0.0
                            rt_mean_variance(x.baseAddress! + offset, features, &mean, &variance)
                            rt_normalize_affine(x.baseAddress! + offset, out.baseAddress! + offset, features,
                                                Float(mean), Float(1 / (variance + Double(epsilon)).squareRoot()),
                                                gamma.baseAddress!, beta.baseAddress!)
                        }
                    }
                }
            }
        }
    }
}
