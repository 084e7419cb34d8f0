import RetouchModels
import RetouchSchedulers
import RetouchTensor

/// What inpainting adds to the loop.
public enum InpaintConditioning: Sendable {
    /// 9-channel checkpoints: `[latent, mask, masked-image latent]` concatenated as the UNet's input.
    case channels(mask: Tensor, maskedImageLatents: Tensor)
    /// 4-channel checkpoints: after each step the known region is put back, noised to the next step's level.
    case reimpose(mask: Tensor, imageLatents: Tensor, noise: Tensor)
}

/// What the loop's UNet work was: how many calls it made and the batch of each.
struct DenoiseOutcome {
    /// The latents after the last step.
    var latents: Tensor
    /// UNet evaluations made.
    var unetEvaluations: Int
    /// The batch of each evaluation: 2 with classifier-free guidance, 1 without.
    var unetBatchSize: Int
}

/// The one denoising loop: classifier-free guidance over the scheduler's steps from `startIndex`, with the
/// inpainting inputs as part of the loop's input rather than a second loop (diffusers' pipelines' semantics).
/// As diffusers' `do_classifier_free_guidance` (`guidance_scale > 1`), guidance ≤ 1 runs the UNet once per step on
/// the positive prompt alone (batch 1) and takes its prediction as it is, with no unconditional half.
/// A distilled LCM UNet (`time_cond_proj_dim`) never runs the unconditional batch: as diffusers'
/// `LatentConsistencyModelPipeline` (and its generic pipelines for such a UNet), the guidance scale goes into
/// `GuidanceEmbedding(guidance − 1)`, passed as the timestep condition of every step, and the prompt alone is encoded.
struct DenoiseLoop {
    let unet: UNet2DConditionModel

    /// Progress after each step: (steps done, steps in all).
    typealias Progress = (Int, Int) -> Void
    /// Sees the latents after each step: (steps done, steps in all, latents). For previews; it must not change the run.
    typealias StepObserver = (Int, Int, Tensor) -> Void

    /// Whether `guidance` needs the unconditional batch (diffusers' `do_classifier_free_guidance`:
    /// `guidance_scale > 1` and the UNet has no `time_cond_proj_dim`).
    func usesGuidance(_ guidance: Float) -> Bool { guidance > 1 && !unet.config.embedsGuidance }

    /// The timestep condition of every step: the guidance embedding for a distilled LCM UNet, else nil.
    func timestepCondition(guidance: Float) -> Tensor? {
        unet.config.timeConditionDim.map { GuidanceEmbedding.embedding(guidance: guidance, dimension: $0) }   // [1, dim]
    }

    /// `context` is `[2, L, D]` (negative, positive), as `PromptConditioning` stacks it.
    func run<R: RandomSource>(latents start: Tensor, scheduler: inout any Scheduler, startIndex: Int, context: Tensor,
                              guidance: Float, inpainting: InpaintConditioning?, random: inout R,
                              progress: Progress?, observe: StepObserver? = nil, isCancelled: () -> Bool) throws -> DenoiseOutcome {
        var latents = start
        let indices = Array(startIndex..<scheduler.timesteps.count)
        let guided = usesGuidance(guidance)
        let condition = timestepCondition(guidance: guidance)                                                // [1, dim] or nil
        let batch = guided ? 2 : 1
        let context = guided ? context : context.batchSlice(1..<2)                                            // [batch, L, D]
        let extraChannels: Tensor? = {
            guard case .channels(let mask, let masked) = inpainting else { return nil }
            return Tensor.concatenateChannels([Tensor.concatenateBatch(Array(repeating: mask, count: batch)),
                                               Tensor.concatenateBatch(Array(repeating: masked, count: batch))])  // [batch, 5, h, w]
        }()
        for (done, index) in indices.enumerated() {
            if isCancelled() { throw CancellationError() }
            var input = scheduler.scaleModelInput(Tensor.concatenateBatch(Array(repeating: latents, count: batch)), stepIndex: index)   // [batch, 4, h, w]
            if let extraChannels { input = Tensor.concatenateChannels([input, extraChannels]) }                   // [batch, 9, h, w]
            let prediction = unet(input, timestep: scheduler.timesteps[index], context: context, timestepCondition: condition)
            try NonFiniteCheck.require(prediction, "UNet output at step \(done + 1)")
            var output = prediction
            if guided {
                let unconditional = prediction.batchSlice(0..<1), conditional = prediction.batchSlice(1..<2)
                output = unconditional.linearCombination(1 - guidance, guidance, conditional)   // u + g (c − u)
            }
            latents = scheduler.step(output, stepIndex: index, sample: latents, random: &random)
            if case .reimpose(let mask, let imageLatents, let noise) = inpainting {
                var known = imageLatents
                if index + 1 < scheduler.timesteps.count {
                    known = scheduler.addNoise(imageLatents, noise: noise, stepIndex: index + 1)
                }
                latents = known.linearCombination(1, 1, (latents - known) * mask)   // (1 − m)·known + m·latents
            }
            observe?(done + 1, indices.count, latents)
            progress?(done + 1, indices.count)
        }
        try NonFiniteCheck.require(latents, "the latents after the last denoising step")
        return DenoiseOutcome(latents: latents, unetEvaluations: indices.count, unetBatchSize: batch)
    }
}
