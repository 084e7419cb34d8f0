import RetouchTensor

/// diffusers' `DDIMScheduler` with η = 0 (deterministic); predicted x₀ is clamped when `clip_sample` is set or,
/// as in diffusers, absent from the config.
public struct DDIMScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let inferenceSteps: Int
    let schedule: NoiseSchedule
    let config: SchedulerConfig
    let finalAlphaCumprod: Float

    /// A scheduler for `steps` inference steps.
    public init(config: SchedulerConfig, steps: Int) {
        self.config = config
        schedule = NoiseSchedule(config)
        inferenceSteps = steps
        timesteps = spacedTimesteps(config, steps: steps).map { Float($0) }
        finalAlphaCumprod = config.setAlphaToOne ? 1 : schedule.alphasCumprod[0]
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor { sample }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        let t = Int(timesteps[index])
        let previous = t - config.trainTimesteps / inferenceSteps
        let alphaProduct = schedule.alphasCumprod[t]
        let alphaProductPrevious = previous >= 0 ? schedule.alphasCumprod[previous] : finalAlphaCumprod
        var (original, noise) = originalAndNoise(modelOutput, sample: sample, alpha: alphaProduct.squareRoot(),
                                                 sigma: (1 - alphaProduct).squareRoot(), prediction: config.predictionType)
        if config.clipSample ?? true {
            let bound = Float(config.clipSampleRange)
            original = original.map { min(max($0, -bound), bound) }
        }
        return original.linearCombination(alphaProductPrevious.squareRoot(), (1 - alphaProductPrevious).squareRoot(), noise)
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        let alphaProduct = schedule.alphasCumprod[Int(timesteps[index])]
        return original.linearCombination(alphaProduct.squareRoot(), (1 - alphaProduct).squareRoot(), noise)
    }
}
