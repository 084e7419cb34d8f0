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

    /// The precision the weights are held in (`weightPrecision(for:)` of the one asked for).
    public let precision: Precision

    /// The precision a VAE asked to run in `requested` holds its weights in: `requested`, except that `.bf16` stays
    /// `.fp32` on a CPU without native bf16 arithmetic (no AMX, and `vdpbf16ps` slow or absent: bf16 products
    /// there are widened to fp32 FMAs, `GEMM.BF16Path.avx512Widened`). The VAE's time goes to 3×3 convolutions at
    /// high resolution, which fp32 runs as Winograd F(4×4, 3×3) and bf16 as F(2×2, 3×3) with 1.8× the products,
    /// so on such a CPU bf16 would be about twice as slow (10.0 s against 4.9 s for a 512 px decode, Intel Xeon
    /// family 6 model 207 without AMX) to save the VAE's ~80 MB of weights.
    public static func weightPrecision(for requested: Precision) -> Precision {
        requested == .bf16 && !GEMM.BF16Path.automatic.resolved.hasNativeBF16Arithmetic ? .fp32 : requested
    }

    /// Builds the model from weights in diffusers naming, in `weightPrecision(for: precision)`.
    public init(config: VAEConfig, weights: any WeightSource, precision: Precision = .fp32) throws {
        self.precision = Self.weightPrecision(for: precision)
        var loader = WeightLoader(source: weights, precision: self.precision)
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
