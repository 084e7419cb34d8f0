import Foundation
import RetouchImaging
import RetouchModels
import RetouchSchedulers
import RetouchTensor
import RetouchTokenizer

/// Settings shared by every diffusion edit.
public struct DiffusionSettings: Sendable {
    /// What to paint.
    public var prompt: String
    /// What to avoid (the unconditional branch of guidance).
    public var negativePrompt: String = ""
    /// Denoising steps (diffusers' default 50).
    public var steps: Int = 50
    /// Classifier-free guidance scale (diffusers' default 7.5). A distilled LCM UNet (`time_cond_proj_dim`) takes it as
    /// an input instead (`GuidanceEmbedding` of `guidance − 1`) and runs no unconditional batch.
    public var guidance: Float = 7.5
    /// The scheduler; nil uses the checkpoint's own.
    public var scheduler: SchedulerKind?
    /// TCD's stochasticity γ, 0…1 (diffusers' TCD default 0.3); the other schedulers ignore it.
    public var eta: Double = TCDScheduler.defaultEta
    /// Seed of the torch-compatible random stream.
    public var seed: UInt64 = 0
    /// Prompt weighting and long-prompt handling.
    public var tokenizeOptions = TokenizeOptions()

    /// Creates settings for a prompt.
    public init(prompt: String) { self.prompt = prompt }
}

/// The result of a diffusion edit.
public struct DiffusionResult: Sendable {
    /// The image.
    public var image: Image
    /// Warnings for the user (e.g. prompt truncation).
    public var warnings: [String]
    /// The size the model ran at (for only-masked inpainting, the crop's working size).
    public var runWidth: Int = 0, runHeight: Int = 0
    /// UNet evaluations the denoising loop made.
    public var unetEvaluations = 0
    /// The batch of each UNet evaluation: 2 with classifier-free guidance (guidance > 1), 1 without (also for a
    /// distilled LCM UNet, which embeds the guidance instead).
    public var unetBatchSize = 0

    /// Creates a result.
    public init(image: Image, warnings: [String]) {
        self.image = image
        self.warnings = warnings
        runWidth = image.width
        runHeight = image.height
    }

    /// A result with the loop's UNet figures.
    init(image: Image, warnings: [String], loop: DenoiseOutcome) {
        self.init(image: image, warnings: warnings)
        unetEvaluations = loop.unetEvaluations
        unetBatchSize = loop.unetBatchSize
    }
}

/// Generate, img2img and inpaint as thin compositions over one `DenoiseLoop`, drawing randomness in diffusers'
/// order (VAE posterior samples, then the initial noise, then per-step noise), so a seed gives diffusers' image.
public struct EditPipelines: Sendable {
    /// The loaded model.
    public let model: StableDiffusion
    /// When the VAE encodes and decodes in tiles (by default, above 768 px).
    public var vaeTiling = VAETiling()
    /// Live previews during denoising (none by default); they never change the result.
    public var previews: LivePreviews?
    /// Asked between denoising steps; true stops the run with `CancellationError`. By default the calling task's
    /// cancellation; a server's worker thread passes its job's flag.
    public var isCancelled: @Sendable () -> Bool = { Task.isCancelled }

    /// Creates pipelines over a model.
    public init(model: StableDiffusion, vaeTiling: VAETiling = VAETiling()) {
        self.model = model
        self.vaeTiling = vaeTiling
    }

    /// Progress callback: (steps done, steps in all).
    public typealias Progress = @Sendable (Int, Int) -> Void

    func scheduler(_ settings: DiffusionSettings) throws -> any Scheduler {
        let choices = SchedulerKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let kind = settings.scheduler ?? model.defaultScheduler else {
            let reason = model.schedulerProblem ?? "the model's scheduler is not one Retouch implements yet"
            throw PipelineError("\(reason); choose one with --scheduler (\(choices))")
        }
        do { return try kind.checkedMake(config: model.schedulerConfig, steps: settings.steps, eta: settings.eta) } catch let error as SchedulerStepsError {
            throw PipelineError(error.description)
        }
    }

    /// Text to image at `width`×`height` (multiples of the VAE factor).
    public func generate(_ settings: DiffusionSettings, width: Int, height: Int, progress: Progress? = nil) throws -> DiffusionResult {
        let shape = try latentShape(width: width, height: height)
        let conditioning = model.encode(prompt: settings.prompt, negativePrompt: settings.negativePrompt, options: settings.tokenizeOptions)
        var random = TorchRandomSource(seed: settings.seed)
        let noise = random.normalTensor(shape)
        return try generate(settings, noise: noise, embeddings: conditioning.embeddings, random: &random,
                            warnings: conditioning.warnings + guidanceWarnings(settings), progress: progress)
    }

    /// Text to image from given initial noise (unit variance) and prompt embeddings; per-step noise comes from `random`.
    func generate<R: RandomSource>(_ settings: DiffusionSettings, noise: Tensor, embeddings: Tensor, random: inout R,
                                   warnings: [String], progress: Progress?) throws -> DiffusionResult {
        var scheduler = try scheduler(settings)
        let inpainting = wholeImageConditioning(pixels: Tensor(shape: [1, 3, noise.shape[2] * model.vaeScaleFactor, noise.shape[3] * model.vaeScaleFactor]))
        if inpainting != nil { model.finished(with: .vae) }
        let final = try DenoiseLoop(unet: model.unet).run(latents: noise * scheduler.initNoiseSigma, scheduler: &scheduler, startIndex: 0,
                                                          context: embeddings, guidance: settings.guidance,
                                                          inpainting: inpainting, random: &random, progress: progress,
                                                          observe: previews?.observer(), isCancelled: isCancelled)
        model.finished(with: .unet)
        return DiffusionResult(image: try decode(final.latents), warnings: warnings, loop: final)
    }

    /// What a distilled LCM UNet does not use: it embeds the guidance and runs the prompt alone, so a negative prompt
    /// has no effect (diffusers' `LatentConsistencyModelPipeline` takes none).
    func guidanceWarnings(_ settings: DiffusionSettings) -> [String] {
        guard let dim = model.unetConfig.timeConditionDim,
              !settings.negativePrompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        return ["the negative prompt has no effect: this model's UNet (time_cond_proj_dim \(dim), a distilled LCM model) " +
                "takes the guidance scale as an embedding and runs no unconditional batch"]
    }

    /// For a 9-channel inpainting model used to generate or restyle a whole image, AUTOMATIC1111's conditioning:
    /// the mask covers everything and the masked-image latent is the VAE's mean for `pixels` (a mid-grey image for
    /// text to image). Taken from the distribution's mean, so the random stream is not touched. Nil for 4-channel
    /// models.
    func wholeImageConditioning(pixels: Tensor) -> InpaintConditioning? {
        guard model.isInpaintingModel else { return nil }
        var latents = model.vae.encodeMean(pixels, tiling: vaeTiling)
        if let shift = model.latentSpace.shiftFactor { latents = latents + (-shift) }
        latents = latents * model.latentSpace.scalingFactor
        let mask = Tensor(shape: [1, 1, latents.shape[2], latents.shape[3]], repeating: 1)
        return .channels(mask: mask, maskedImageLatents: latents)
    }

    /// The latent shape of a `width`×`height` image, or an error when the size is not a positive multiple of the VAE factor.
    func latentShape(width: Int, height: Int) throws -> [Int] {
        let factor = model.vaeScaleFactor
        guard width % factor == 0, height % factor == 0, width > 0, height > 0 else {
            throw PipelineError("width and height must be positive multiples of \(factor); got \(width)x\(height)")
        }
        return [1, model.latentSpace.latentChannels, height / factor, width / factor]
    }

    /// Image to image: the photo's latent noised to `strength` (0…1) and denoised toward the prompt.
    public func img2img(_ image: Image, settings: DiffusionSettings, strength: Double, progress: Progress? = nil) throws -> DiffusionResult {
        guard (0...1).contains(strength) else { throw PipelineError("strength must be between 0 and 1; got \(strength)") }
        var scheduler = try scheduler(settings)
        let conditioning = model.encode(prompt: settings.prompt, negativePrompt: settings.negativePrompt, options: settings.tokenizeOptions)
        var random = TorchRandomSource(seed: settings.seed)
        let start = scheduler.startIndex(strength: strength)
        guard start < scheduler.timesteps.count else { throw PipelineError("strength \(strength) leaves no denoising steps") }
        let pixels = ImageTensorConversion.tensor(from: image)
        let imageLatents = encode(pixels, random: &random)
        let inpainting = wholeImageConditioning(pixels: pixels)
        model.finished(with: .vae)
        let noise = random.normalTensor(imageLatents.shape)
        let latents = scheduler.addNoise(imageLatents, noise: noise, stepIndex: start)
        let final = try DenoiseLoop(unet: model.unet).run(latents: latents, scheduler: &scheduler, startIndex: start,
                                                          context: conditioning.embeddings, guidance: settings.guidance,
                                                          inpainting: inpainting, random: &random, progress: progress,
                                                          observe: previews?.observer(), isCancelled: isCancelled)
        model.finished(with: .unet)
        return DiffusionResult(image: try decode(final.latents), warnings: conditioning.warnings + guidanceWarnings(settings), loop: final)
    }

    /// Inpainting as diffusers' `StableDiffusionInpaintPipeline`: the mask (white = repaint) is binarised at 0.5;
    /// 9-channel checkpoints get the mask and masked-image latent as inputs, 4-channel ones have the known region
    /// re-imposed each step. Returns the decoded image (compositing is the caller's choice).
    public func inpaint(_ image: Image, mask: Mask, settings: DiffusionSettings, strength: Double = 1,
                        maskedContent: MaskedContent = .original, progress: Progress? = nil) throws -> DiffusionResult {
        guard (0...1).contains(strength) else { throw PipelineError("strength must be between 0 and 1; got \(strength)") }
        let factor = model.vaeScaleFactor
        var scheduler = try scheduler(settings)
        let conditioning = model.encode(prompt: settings.prompt, negativePrompt: settings.negativePrompt, options: settings.tokenizeOptions)
        var random = TorchRandomSource(seed: settings.seed)
        let start = scheduler.startIndex(strength: strength)
        guard start < scheduler.timesteps.count else { throw PipelineError("strength \(strength) leaves no denoising steps") }
        let binary = mask.binarized()
        let pixels = ImageTensorConversion.tensor(from: image)                                // [1, 3, H, W]
        let isFullStrength = strength == 1
        var imageLatents: Tensor?
        if !model.isInpaintingModel || !isFullStrength {
            imageLatents = encode(pixels, random: &random)
        }
        let noise = random.normalTensor([1, model.latentSpace.latentChannels, image.height / factor, image.width / factor])
        let latentMask = ImageTensorConversion.tensor(from: binary)
            .resized(height: image.height / factor, width: image.width / factor, mode: .nearest)   // [1, 1, h, w]
        if !isFullStrength, let original = imageLatents, maskedContent == .latentNoise || maskedContent == .latentNothing {
            // AUTOMATIC1111's latent masked content: noise or zeros under the mask before noising.
            let channelMask = latentMask.broadcastChannels(to: original.shape[1])
            let replacement = maskedContent == .latentNoise ? random.normalTensor(original.shape) : Tensor(shape: original.shape, repeating: 0)
            imageLatents = original.linearCombination(1, 1, (replacement - original) * channelMask)
        }
        let latents = isFullStrength ? noise * scheduler.initNoiseSigma
            : scheduler.addNoise(imageLatents!, noise: noise, stepIndex: start)
        // Masked image: kept pixels, zero (mid grey) where the mask repaints.
        var maskedPixels = pixels
        let plane = image.width * image.height
        for c in 0..<3 { for i in 0..<plane where binary.values[i] >= 0.5 { maskedPixels.scalars[c * plane + i] = 0 } }
        let maskedLatents = encode(maskedPixels, random: &random)
        model.finished(with: .vae)
        let inpainting: InpaintConditioning = model.isInpaintingModel
            ? .channels(mask: latentMask, maskedImageLatents: maskedLatents)
            : .reimpose(mask: latentMask.broadcastChannels(to: model.latentSpace.latentChannels), imageLatents: imageLatents!, noise: noise)
        let final = try DenoiseLoop(unet: model.unet).run(latents: latents, scheduler: &scheduler, startIndex: start,
                                                          context: conditioning.embeddings, guidance: settings.guidance,
                                                          inpainting: inpainting, random: &random, progress: progress,
                                                          observe: previews?.observer(), isCancelled: isCancelled)
        model.finished(with: .unet)
        return DiffusionResult(image: try decode(final.latents), warnings: conditioning.warnings + guidanceWarnings(settings), loop: final)
    }

    /// An image tensor encoded and scaled into latent space: a VAE posterior sample (drawing from `random`), or a
    /// TAESD's latents (drawing nothing, as diffusers' `retrieve_latents` reads `AutoencoderTinyOutput.latents`).
    func encode<R: RandomSource>(_ pixels: Tensor, random: inout R) -> Tensor {
        var latents = model.vae.encodeSample(pixels, tiling: vaeTiling, random: &random)
        if let shift = model.latentSpace.shiftFactor { latents = latents + (-shift) }
        return latents * model.latentSpace.scalingFactor
    }

    /// Latents back to an 8-bit RGB image, by the model's VAE, or by its TAESD decoder when it has one
    /// (`--decoder taesd:PATH`: latents divided by the TAESD's own `scaling_factor`, 1, as diffusers would decode
    /// them with `AutoencoderTiny`). A NaN or Inf in the output is an error (`PipelineError`), never a picture.
    func decode(_ latents: Tensor) throws -> Image {
        let decoded: Tensor
        if let taesd = model.taesdDecoder {
            decoded = taesd.decode(latents * (1 / taesd.config.scalingFactor), tiling: vaeTiling)
        } else {
            var unscaled = latents * (1 / model.latentSpace.scalingFactor)
            if let shift = model.latentSpace.shiftFactor { unscaled = unscaled + shift }
            decoded = model.vae.decode(unscaled, tiling: vaeTiling)
        }
        model.finished(with: .vae)
        try NonFiniteCheck.require(decoded, "VAE decode output")
        return ImageTensorConversion.image(from: decoded)
    }
}

/// A pipeline request that cannot run.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    /// Why.
    public let description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}

extension Tensor {
    /// `[N, 1, h, w]` repeated to `[N, channels, h, w]`.
    func broadcastChannels(to channels: Int) -> Tensor {
        Tensor.concatenateChannels(Array(repeating: self, count: channels))
    }
}
