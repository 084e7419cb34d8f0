import RetouchImaging
import RetouchModels
import RetouchTensor

/// How a preview turns the loop's current latents into a picture.
public enum PreviewDecoder: Sendable {
    /// AUTOMATIC1111's "Approx cheap" (`modules/sd_vae_approx.py`, `cheap_approximation`): each pixel's RGB is a fixed
    /// linear mix of the four SD 1.x latent channels (the coefficients below, measured for SD 1.4 in
    /// discuss.huggingface.co/t/decoding-latents-to-rgb-without-upscaling/23204/2), taken from `[-1, 1]` to
    /// `[0, 1]`. Costs nothing and needs no weights; one pixel per latent (64×64 for a 512 px image). SD 2.x shares
    /// SD 1.x's latent space; 4-channel latents only.
    case approx
    /// A TAESD decoder: a full-size, much closer picture for about a twentieth of the VAE's work.
    case taesd(TAESDDecoder)

    /// `cheap_approximation`'s `[latent, rgb]` matrix (rows L1…L4, columns R, G, B).
    public static let approxCoefficients: [[Float]] = [
        [0.298, 0.207, 0.208],
        [0.187, 0.286, 0.173],
        [-0.158, 0.189, 0.264],
        [-0.184, -0.271, -0.473],
    ]

    /// The picture of `latents` `[1, C, h, w]` (scaled, as the loop holds them): `[1, 3, h, w]` for `approx`,
    /// `[1, 3, h·f, w·f]` for `taesd`, in `[-1, 1]`.
    public func decode(_ latents: Tensor) -> Tensor {
        switch self {
        case .approx:
            let (channels, plane) = (latents.shape[1], latents.shape[2] * latents.shape[3])
            precondition(channels == Self.approxCoefficients.count, "approx previews need 4-channel latents, got \(latents.shape)")
            var rgb = [Float](repeating: 0, count: 3 * plane)
            for l in 0..<channels {
                for c in 0..<3 {
                    let weight = Self.approxCoefficients[l][c]
                    for i in 0..<plane { rgb[c * plane + i] += weight * latents.scalars[l * plane + i] }
                }
            }
            return Tensor(shape: [1, 3, latents.shape[2], latents.shape[3]], scalars: rgb)
        case .taesd(let decoder):
            return decoder(latents.batchSlice(0..<1) * (1 / decoder.config.scalingFactor))
        }
    }

    /// Throws unless this decoder reads `space`'s latents (approx: 4 channels; TAESD: its channels and factor).
    public func check(fits space: LatentSpace, flag: String) throws {
        switch self {
        case .approx:
            guard space.latentChannels == Self.approxCoefficients.count else {
                throw PipelineError("\(flag) approx reads 4-channel latents (SD 1.x/2.x); this model's have \(space.latentChannels): use taesd")
            }
        case .taesd(let decoder):
            guard decoder.config.latentChannels == space.latentChannels, decoder.config.scaleFactor == space.scaleFactor else {
                throw PipelineError("\(flag): the TAESD decodes \(decoder.config.latentChannels)-channel latents at \(decoder.config.scaleFactor) px " +
                                    "per latent; this model's are \(space.latentChannels)-channel at \(space.scaleFactor) px")
            }
        }
    }
}

/// One preview: the picture of the latents after `step` of `totalSteps` denoising steps.
public struct PreviewFrame: Sendable {
    /// Steps done (1-based), as the progress callback counts them.
    public let step: Int
    /// Steps in the run.
    public let totalSteps: Int
    /// The picture (8-bit RGB).
    public let image: Image
}

/// Live previews during denoising: every `every` steps, the current latents (after the scheduler's step and, for
/// 4-channel inpainting, the re-imposed known region, as diffusers' `callback_on_step_end` sees them) are decoded by
/// `decoder` and handed to `receive`, on the loop's thread, before the step's progress callback.
///
/// A preview only reads the latents: it draws no randomness and changes nothing, so a run gives the same image, bit
/// for bit, with or without previews.
public struct LivePreviews: Sendable {
    /// Steps between previews (1: after every step).
    public let every: Int
    /// How latents become a picture.
    public let decoder: PreviewDecoder
    /// Receives each preview.
    public let receive: @Sendable (PreviewFrame) -> Void

    /// Previews every `every` steps (at least 1).
    public init(every: Int, decoder: PreviewDecoder = .approx, receive: @escaping @Sendable (PreviewFrame) -> Void) throws {
        guard every >= 1 else { throw PipelineError("the preview interval must be at least 1 step; got \(every)") }
        self.every = every
        self.decoder = decoder
        self.receive = receive
    }

    /// The loop's per-step observer: decodes and delivers a preview on every `every`-th step.
    func observer() -> DenoiseLoop.StepObserver {
        { done, total, latents in
            guard done % every == 0 else { return }
            receive(PreviewFrame(step: done, totalSteps: total, image: ImageTensorConversion.image(from: decoder.decode(latents))))
        }
    }
}
