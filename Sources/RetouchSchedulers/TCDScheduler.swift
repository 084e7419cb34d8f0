import RetouchTensor

/// diffusers' `TCDScheduler` (trajectory consistency distillation, strategic stochastic sampling): each step
/// predicts x₀ and ε, re-noises them to the intermediate timestep `s = ⌊(1 − γ)·t_prev⌋`, and, when γ (`eta`) is
/// above 0 and this is not the last step, moves forward to `t_prev` with one fresh draw from the random source.
///
/// Timesteps are LCM's (`original_inference_steps`, default 50; diffusers' other branch, taken only when a caller
/// passes `original_inference_steps` to `set_timesteps`, is not reproduced). The end state is diffusers': after the
/// last step `t_prev` is 0, so the result is the predicted x₀ noised to `alphas_cumprod[0]`, not x₀ itself.
/// γ = 0 is deterministic (DDIM-like), γ = 1 re-noises from x₀ at every step.
public struct TCDScheduler: Scheduler {
    /// The γ diffusers' TCD examples and pipelines use (`eta=0.3`); `StableDiffusionPipeline` passes 0 unless told.
    public static let defaultEta = 0.3

    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let inferenceSteps: Int
    /// γ in 0…1: the share of each step taken back by fresh noise.
    public let eta: Double
    let schedule: NoiseSchedule
    let prediction: PredictionType

    /// A scheduler for `steps` inference steps with stochasticity `eta` (0…1); `steps` must lie in
    /// 1…`original_inference_steps` (`SchedulerKind.checkedMake` checks both and reports them).
    public init(config: SchedulerConfig, steps: Int, eta: Double = TCDScheduler.defaultEta) {
        precondition((0...1).contains(eta), "TCD's eta must lie in 0…1; got \(eta)")
        schedule = NoiseSchedule(config)
        inferenceSteps = steps
        timesteps = consistencyTimesteps(config, steps: steps).map { Float($0) }
        prediction = config.predictionType
        self.eta = eta
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor { sample }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        let t = Int(timesteps[index])
        let previous = index + 1 < timesteps.count ? Int(timesteps[index + 1]) : 0
        // diffusers: floor((1 − eta) · prev_t) on a float32 tensor
        let s = Int((Float(1 - eta) * Float(previous)).rounded(.down))
        let alphaProduct = schedule.alphasCumprod[t]
        let (original, noise) = originalAndNoise(modelOutput, sample: sample, alpha: alphaProduct.squareRoot(),
                                                 sigma: (1 - alphaProduct).squareRoot(), prediction: prediction)
        let alphaS = schedule.alphasCumprod[s]
        let noisedToS = original.linearCombination(alphaS.squareRoot(), (1 - alphaS).squareRoot(), noise)
        guard eta > 0, index != inferenceSteps - 1 else { return noisedToS }
        let ratio = schedule.alphasCumprod[previous] / alphaS
        return noisedToS.linearCombination(ratio.squareRoot(), (1 - ratio).squareRoot(), random.normalTensor(sample.shape))
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        let alphaProduct = schedule.alphasCumprod[Int(timesteps[index])]
        return original.linearCombination(alphaProduct.squareRoot(), (1 - alphaProduct).squareRoot(), noise)
    }
}
