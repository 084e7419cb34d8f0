/// Checks that separately valid component configs fit together, so a mismatched folder is an error naming both
/// sides instead of a shape trap deep inside a run.
public enum ComponentCompatibility {
    /// The UNet must take the VAE's latents (`latent_channels`, or `2·latent_channels + 1` for inpainting) and
    /// predict `latent_channels`; its cross-attention must read the text encoder's `hidden_size`; the tokenizer's
    /// sequences must fit the text encoder's positions and its ids its vocabulary; the default image
    /// (`sample_size` × the VAE's factor per side) must stay within `ModelLimits.maxImagePixels`. `origin` names the model.
    public static func check(unet: UNetConfig, vae: VAEConfig, text: CLIPTextConfig, tokenizerLength: Int,
                             tokenizerVocabulary: Int, origin: String) throws {
        try check(unet: unet, latents: vae.latentSpace, text: text, tokenizerLength: tokenizerLength,
                  tokenizerVocabulary: tokenizerVocabulary, origin: origin)
    }

    /// As `check(unet:vae:…)`, for any autoencoder's latent space (an `AutoencoderKL`'s or a TAESD's).
    public static func check(unet: UNetConfig, latents vae: LatentSpace, text: CLIPTextConfig, tokenizerLength: Int,
                             tokenizerVocabulary: Int, origin: String) throws {
        func fail(_ key: String, _ problem: String) -> ModelLoadingError { ModelLoadingError(origin: origin, key: key, problem: problem) }
        let latent = vae.latentChannels
        guard unet.inChannels == latent || unet.inChannels == 2 * latent + 1 else {
            throw fail("unet/config.json in_channels", "value \(unet.inChannels) does not fit the VAE's latent_channels \(latent) " +
                       "(allowed: \(latent), or \(2 * latent + 1) for inpainting)")
        }
        guard unet.outChannels == latent else {
            throw fail("unet/config.json out_channels", "value \(unet.outChannels) must equal the VAE's latent_channels \(latent)")
        }
        if let bad = unet.crossAttentionDim.first(where: { $0 != text.hiddenSize }) {
            throw fail("unet/config.json cross_attention_dim", "value \(bad) must equal the text encoder's hidden_size \(text.hiddenSize)")
        }
        // The default image side is sample_size × the VAE's factor (up to 2^7): keep it within the pixel budget.
        let (side, sideOverflow) = unet.sampleSize.multipliedReportingOverflow(by: vae.scaleFactor)
        let (pixels, pixelsOverflow) = side.multipliedReportingOverflow(by: side)
        guard !sideOverflow, !pixelsOverflow, pixels <= ModelLimits.maxImagePixels else {
            throw fail("unet/config.json sample_size", "value \(unet.sampleSize) × the VAE's factor \(vae.scaleFactor) gives \(side) px " +
                       "per side, beyond the \(ModelLimits.maxImagePixels / 1_000_000)-megapixel budget")
        }
        guard tokenizerLength <= text.maxPositions else {
            throw fail("tokenizer model_max_length", "value \(tokenizerLength) exceeds the text encoder's max_position_embeddings \(text.maxPositions)")
        }
        guard tokenizerVocabulary <= text.vocabSize else {
            throw fail("tokenizer vocab.json", "\(tokenizerVocabulary) tokens exceed the text encoder's vocab_size \(text.vocabSize)")
        }
    }
}
