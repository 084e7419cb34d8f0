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

/// The one denoising loop: classifier-free guidance over the scheduler's steps from `startIndex`, with the
/// inpainting inputs as part of the loop's input rather than a second loop (diffusers' pipelines' semantics).
struct DenoiseLoop {
    let unet: UNet2DConditionModel

    /// Progress after each step: (steps done, steps in all).
    typealias Progress = (Int, Int) -> Void
    /// Sees the latents after each step: (steps done, steps in all, latents). For previews; it must not change the run.
    typealias StepObserver = (Int, Int, Tensor) -> Void

    func run<R: RandomSource>(latents start: Tensor, scheduler: inout any Scheduler, startIndex: Int, context: Tensor,
                              guidance: Float, inpainting: InpaintConditioning?, random: inout R,
                              progress: Progress?, observe: StepObserver? = nil, isCancelled: () -> Bool) throws -> Tensor {
        var latents = start
        let indices = Array(startIndex..<scheduler.timesteps.count)
        let extraChannels: Tensor? = {
            guard case .channels(let mask, let masked) = inpainting else { return nil }
            let doubled = Tensor.concatenateBatch([mask, mask])
            return Tensor.concatenateChannels([doubled, Tensor.concatenateBatch([masked, masked])])
        }()
        for (done, index) in indices.enumerated() {
            if isCancelled() { throw CancellationError() }
            var input = scheduler.scaleModelInput(Tensor.concatenateBatch([latents, latents]), stepIndex: index)   // [2, 4, h, w]
            if let extraChannels { input = Tensor.concatenateChannels([input, extraChannels]) }                   // [2, 9, h, w]
            let prediction = unet(input, timestep: scheduler.timesteps[index], context: context)
            try NonFiniteCheck.require(prediction, "UNet output at step \(done + 1)")
            let unconditional = prediction.batchSlice(0..<1), conditional = prediction.batchSlice(1..<2)
            let guided = unconditional.linearCombination(1 - guidance, guidance, conditional)   // u + g (c − u)
            latents = scheduler.step(guided, stepIndex: index, sample: latents, random: &random)
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
        return latents
    }
}
