import RetouchTensor

/// diffusers' `LCMScheduler` (latent consistency models, multistep sampling): each step maps the sample to its
/// consistency estimate `c_out·x₀ + c_skip·x` and, except at the last step, noises that estimate to the next
/// timestep with one fresh draw from the random source.
///
/// Timesteps come from the distillation schedule (`original_inference_steps`, default 50: `[19, 39, …, 999]`) and
/// ignore `timestep_spacing` and `steps_offset`, as in diffusers. img2img truncates this list through
/// `startIndex(strength:)` as diffusers' generic img2img and inpaint pipelines do (`get_timesteps`), not as the
/// dedicated `LatentConsistencyModelImg2ImgPipeline`, which passes `strength` into `set_timesteps` instead.
public struct LCMScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let inferenceSteps: Int
    let schedule: NoiseSchedule
    let prediction: PredictionType
    let clipRange: Float?
    let timestepScaling: Float

    /// A scheduler for `steps` inference steps; `steps` must lie in 1…`original_inference_steps`
    /// (`SchedulerKind.checkedMake` checks this and reports it).
    public init(config: SchedulerConfig, steps: Int) {
        schedule = NoiseSchedule(config)
        inferenceSteps = steps
        timesteps = consistencyTimesteps(config, steps: steps).map { Float($0) }
        prediction = config.predictionType
        clipRange = config.clipSample ?? false ? Float(config.clipSampleRange) : nil
        timestepScaling = Float(config.timestepScaling)
    }

    /// The boundary-condition scalings of the consistency parameterisation at timestep `t` (σ_data = 0.5):
    /// c_skip = σ²/((10t)² + σ²), c_out = 10t/√((10t)² + σ²), with diffusers' `timestep_scaling` as the 10.
    func boundaryScalings(_ t: Int) -> (skip: Float, out: Float) {
        let scaled = Float(t) * timestepScaling, dataVariance: Float = 0.25
        return (dataVariance / (scaled * scaled + dataVariance), scaled / (scaled * scaled + dataVariance).squareRoot())
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor { sample }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        let t = Int(timesteps[index])
        let isLast = index == inferenceSteps - 1
        let previous = isLast ? t : Int(timesteps[index + 1])   // diffusers: the step's own t at the end (unused then)
        let alphaProduct = schedule.alphasCumprod[t]
        var (original, _) = originalAndNoise(modelOutput, sample: sample, alpha: alphaProduct.squareRoot(),
                                             sigma: (1 - alphaProduct).squareRoot(), prediction: prediction)
        if let bound = clipRange { original = original.map { min(max($0, -bound), bound) } }
        let scalings = boundaryScalings(t)
        let denoised = original.linearCombination(scalings.out, scalings.skip, sample)   // c_out·x₀ + c_skip·x
        guard !isLast else { return denoised }
        let alphaPrevious = schedule.alphasCumprod[previous]
        return denoised.linearCombination(alphaPrevious.squareRoot(), (1 - alphaPrevious).squareRoot(), random.normalTensor(sample.shape))
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        let alphaProduct = schedule.alphasCumprod[Int(timesteps[index])]
        return original.linearCombination(alphaProduct.squareRoot(), (1 - alphaProduct).squareRoot(), noise)
    }
}

/// LCM's and TCD's inference timesteps, as diffusers' `set_timesteps(steps)` computes them with strength 1 and the
/// config's `original_inference_steps` M: the distillation schedule `(1…M)·k − 1` with `k = n / M` (n training
/// timesteps), reversed, sampled at the indices `⌊i·M/steps⌋` (numpy `linspace(0, M, steps, endpoint=False)`).
/// Needs `1 ≤ steps ≤ M ≤ n`.
func consistencyTimesteps(_ config: SchedulerConfig, steps: Int) -> [Int] {
    let original = config.originalInferenceSteps
    let k = config.trainTimesteps / original
    let origin = (1...original).reversed().map { $0 * k - 1 }
    let stride = Double(original) / Double(steps)
    return (0..<steps).map { origin[Int((Double($0) * stride).rounded(.down))] }
}
