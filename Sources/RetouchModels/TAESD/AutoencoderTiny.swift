import RetouchTensor

/// diffusers' `AutoencoderTiny` (TAESD, madebyollin/taesd): a tiny convolutional encoder and decoder between images
/// in `[-1, 1]` and SD's *scaled* latents (its `scaling_factor` is 1). About 1.2 M parameters each way against the
/// SD VAE's 34 M / 49 M; it "tends to fudge fine details" (the taesd README), so it suits previews and fast drafts.
///
/// Unlike `AutoencoderKL` it encodes straight to latents, with no distribution to sample: diffusers' pipelines read
/// `AutoencoderTinyOutput.latents` and draw nothing from the generator for it. Weights stay in fp32.
public struct AutoencoderTiny: Sendable {
    /// The architecture.
    public let config: TAESDConfig
    /// Image → latents.
    public let encoder: TAESDEncoder
    /// Latents → image.
    public let decoder: TAESDDecoder

    /// Builds the model from weights in diffusers naming (`encoder.layers.*`, `decoder.layers.*`); every key must be used.
    public init(config: TAESDConfig, weights: any WeightSource) throws {
        var loader = WeightLoader(source: weights)
        self.config = config
        encoder = try loader.scope("encoder") { try TAESDEncoder(&$0, config: config) }
        decoder = try loader.scope("decoder") { try TAESDDecoder(&$0, config: config) }
        try loader.finish()
    }

    /// Image `[N, 3, H, W]` in `[-1, 1]` → latents `[N, latent, H/f, W/f]` (diffusers' `encode(x).latents`).
    public func encode(_ image: Tensor) -> Tensor { encoder(image) }

    /// Latents `[N, latent, h, w]` → image `[N, 3, h·f, w·f]`, nominally in `[-1, 1]` (diffusers' `decode(x).sample`).
    public func decode(_ latent: Tensor) -> Tensor { decoder(latent) }
}
