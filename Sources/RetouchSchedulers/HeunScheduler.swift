import RetouchTensor

/// diffusers' `HeunDiscreteScheduler` (Karras et al.'s second-order Heun method): every step after the first
/// appears twice in `timesteps`; the first visit takes an Euler step, the second corrects it with the average slope.
public struct HeunScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float
    public let order = 2
    public let inferenceSteps: Int
    let sigmas: [Float]
    let prediction: PredictionType
    private var pending: (derivative: Tensor, dt: Float, sample: Tensor)?

    /// A scheduler for `steps` inference steps (`2·steps − 1` model evaluations).
    public init(config: SchedulerConfig, steps: Int) {
        let base = SigmaSchedule(config: config, steps: steps)
        timesteps = ([base.timesteps[0]] + base.timesteps.dropFirst().flatMap { [$0, $0] }).map { Float($0) }
        let inner = base.sigmas.dropFirst().dropLast()
        sigmas = [base.sigmas[0]] + inner.flatMap { [$0, $0] } + [0]
        initNoiseSigma = base.initNoiseSigma
        inferenceSteps = steps
        prediction = config.predictionType
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor {
        sample * (1 / (sigmas[index] * sigmas[index] + 1).squareRoot())
    }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        if let first = pending {
            let sigmaNext = sigmas[index]
            let original = SigmaSchedule.original(modelOutput, sample: sample, sigma: sigmaNext, prediction: prediction)
            let derivative = (sample - original) * (1 / sigmaNext)
            pending = nil
            return first.sample.linearCombination(1, first.dt, (first.derivative + derivative) * 0.5)
        }
        let sigma = sigmas[index], sigmaNext = sigmas[index + 1]
        let original = SigmaSchedule.original(modelOutput, sample: sample, sigma: sigma, prediction: prediction)
        let derivative = (sample - original) * (1 / sigma)
        let dt = sigmaNext - sigma
        pending = (derivative, dt, sample)
        return sample.linearCombination(1, dt, derivative)
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        original.linearCombination(1, sigmas[index], noise)
    }
}
