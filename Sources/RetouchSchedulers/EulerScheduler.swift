import RetouchTensor

/// diffusers' `EulerDiscreteScheduler` (Karras et al.'s Euler method, no churn) and, with `ancestral`,
/// `EulerAncestralDiscreteScheduler`, which steps to σ_down and adds fresh noise of σ_up.
public struct EulerScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float
    public let order = 1
    public let inferenceSteps: Int
    /// σ for each step, then 0.
    let sigmas: [Float]
    let prediction: PredictionType
    let ancestral: Bool

    /// A scheduler for `steps` inference steps.
    public init(config: SchedulerConfig, steps: Int, ancestral: Bool) {
        let base = SigmaSchedule(config: config, steps: steps)
        inferenceSteps = steps
        timesteps = base.timesteps.map { Float($0) }
        sigmas = base.sigmas
        initNoiseSigma = base.initNoiseSigma
        prediction = config.predictionType
        self.ancestral = ancestral
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor {
        sample * (1 / (sigmas[index] * sigmas[index] + 1).squareRoot())
    }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        let sigma = sigmas[index], next = sigmas[index + 1]
        let original = SigmaSchedule.original(modelOutput, sample: sample, sigma: sigma, prediction: prediction)
        let derivative = (sample - original) * (1 / sigma)
        guard ancestral else { return sample.linearCombination(1, next - sigma, derivative) }
        let up = (next * next * (sigma * sigma - next * next) / (sigma * sigma)).squareRoot()
        let down = (next * next - up * up).squareRoot()
        let stepped = sample.linearCombination(1, down - sigma, derivative)
        return stepped.linearCombination(1, up, random.normalTensor(sample.shape))
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        original.linearCombination(1, sigmas[index], noise)
    }
}
