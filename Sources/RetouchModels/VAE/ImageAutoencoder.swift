import RetouchTensor

/// The autoencoder between images and a model's latents: the checkpoint's (or a `--vae`) `AutoencoderKL`, or a TAESD
/// (`AutoencoderTiny`) given as `--vae`.
public enum ImageAutoencoder: Sendable {
    /// diffusers' `AutoencoderKL`: encodes to a distribution the pipeline samples from.
    case kl(AutoencoderKL)
    /// diffusers' `AutoencoderTiny`: encodes straight to (already scaled) latents.
    case tiny(AutoencoderTiny)

    /// Its latents' channels, pixels per latent and scaling.
    public var latentSpace: LatentSpace {
        switch self {
        case .kl(let vae): vae.config.latentSpace
        case .tiny(let taesd): taesd.config.latentSpace
        }
    }

    /// The `AutoencoderKL`, when it is one.
    public var kl: AutoencoderKL? { if case .kl(let vae) = self { vae } else { nil } }

    /// The TAESD, when it is one.
    public var tiny: AutoencoderTiny? { if case .tiny(let taesd) = self { taesd } else { nil } }

    /// The precision its weights are held in (TAESD's stay fp32).
    public var precision: Precision {
        switch self {
        case .kl(let vae): vae.precision
        case .tiny: .fp32
        }
    }
}
