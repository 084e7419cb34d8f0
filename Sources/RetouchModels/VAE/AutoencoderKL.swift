import Foundation
import RetouchTensor

/// The latent distribution the VAE encoder predicts (diffusers' `DiagonalGaussianDistribution`).
public struct LatentDistribution: Sendable {
    /// `[N, latent, h, w]`.
    public let mean: Tensor
    /// Log-variance clamped to `[-30, 20]`, as diffusers does.
    public let logVariance: Tensor

    /// A distribution from its moments.
    public init(mean: Tensor, logVariance: Tensor) {
        self.mean = mean
        self.logVariance = logVariance
    }

    /// `exp(0.5 · logVariance)`.
    public var standardDeviation: Tensor { logVariance.map { Foundation.exp(0.5 * $0) } }

    /// `mean + std · noise`, with `noise` drawn by the caller (so the random stream matches diffusers').
    public func sample(noise: Tensor) -> Tensor { mean + standardDeviation * noise }
}

/// diffusers' `AutoencoderKL`: encodes images to latent distributions and decodes latents to images.
/// Latent scaling (`scaling_factor`, `shift_factor`) is the pipeline's job, as in diffusers.
public struct AutoencoderKL: Sendable {
    /// The architecture.
    public let config: VAEConfig
    let encoder: VAEEncoder
    let decoder: VAEDecoder

    /// Builds the model from weights in diffusers naming.
    public init(config: VAEConfig, weights: any WeightSource, precision: Precision = .fp32) throws {
        var loader = WeightLoader(source: weights, precision: precision)
        self.config = config
        encoder = try VAEEncoder(&loader, config: config)
        decoder = try VAEDecoder(&loader, config: config)
        try loader.finish()
    }

    /// Image `[N, 3, H, W]` in `[-1, 1]` → latent distribution.
    public func encode(_ image: Tensor) -> LatentDistribution {
        let moments = encoder(image)                                   // [N, 2·latent, h, w]
        let latent = config.latentChannels
        let (batch, height, width) = (moments.shape[0], moments.shape[2], moments.shape[3])
        let plane = latent * height * width
        var mean = [Float](), logVariance = [Float]()
        mean.reserveCapacity(batch * plane)
        logVariance.reserveCapacity(batch * plane)
        for n in 0..<batch {
            let base = n * 2 * plane
            mean.append(contentsOf: moments.scalars[base..<(base + plane)])
            logVariance.append(contentsOf: moments.scalars[(base + plane)..<(base + 2 * plane)].map { min(max($0, -30), 20) })
        }
        let shape = [batch, latent, height, width]
        return LatentDistribution(mean: Tensor(shape: shape, scalars: mean), logVariance: Tensor(shape: shape, scalars: logVariance))
    }

    /// Latent `[N, latent, h, w]` (unscaled) → image `[N, 3, h·f, w·f]`, nominally in `[-1, 1]`.
    public func decode(_ latent: Tensor) -> Tensor { decoder(latent) }
}
