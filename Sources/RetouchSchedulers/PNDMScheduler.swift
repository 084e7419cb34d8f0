import RetouchTensor

/// diffusers' `PNDMScheduler` with `skip_prk_steps` (pseudo linear multistep, PLMS): the second timestep is
/// repeated, and each step combines up to four past model outputs with Adams–Bashforth weights.
public struct PNDMScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let inferenceSteps: Int
    let schedule: NoiseSchedule
    let config: SchedulerConfig
    let finalAlphaCumprod: Float
    private var pastOutputs: [Tensor] = []
    private var counter = 0
    private var firstSample: Tensor?

    /// A scheduler for `steps` inference steps (`steps + 1` timesteps).
    public init(config: SchedulerConfig, steps: Int) {
        self.config = config
        schedule = NoiseSchedule(config)
        inferenceSteps = steps
        let ascending = Array(spacedTimesteps(config, steps: steps).reversed())
        let plms = Array(ascending.dropLast()) + [ascending[ascending.count - 2], ascending[ascending.count - 1]]
        timesteps = plms.reversed().map { Float($0) }
        finalAlphaCumprod = config.setAlphaToOne ? 1 : schedule.alphasCumprod[0]
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor { sample }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        let stride = config.trainTimesteps / inferenceSteps
        var timestep = Int(timesteps[index])
        var previous = timestep - stride
        if counter != 1 {
            pastOutputs = Array(pastOutputs.suffix(3)) + [modelOutput]
        } else {
            previous = timestep
            timestep += stride
        }
        var output = modelOutput
        var current = sample
        let e = pastOutputs
        if e.count == 1 && counter == 0 {
            firstSample = sample
        } else if e.count == 1 && counter == 1 {
            output = (modelOutput + e[0]) * 0.5
            current = firstSample ?? sample
            firstSample = nil
        } else if e.count == 2 {
            output = e[1].linearCombination(1.5, -0.5, e[0])
        } else if e.count == 3 {
            output = (e[2] * (23 / 12)) + (e[1] * (-16 / 12)) + (e[0] * (5 / 12))
        } else {
            output = (e[3] * (55 / 24)) + (e[2] * (-59 / 24)) + (e[1] * (37 / 24)) + (e[0] * (-9 / 24))
        }
        counter += 1
        return previousSample(current, timestep: timestep, previous: previous, output: output)
    }

    /// PNDM's formula (F. Liu et al. eq. 9) for x_{t−δ} from x_t and the combined output.
    private func previousSample(_ sample: Tensor, timestep: Int, previous: Int, output: Tensor) -> Tensor {
        let alphaProduct = schedule.alphasCumprod[timestep]
        let alphaProductPrevious = previous >= 0 ? schedule.alphasCumprod[previous] : finalAlphaCumprod
        let beta = 1 - alphaProduct, betaPrevious = 1 - alphaProductPrevious
        var epsilon = output
        if config.predictionType == .vPrediction {
            epsilon = output.linearCombination(alphaProduct.squareRoot(), beta.squareRoot(), sample)
        }
        let sampleCoefficient = (alphaProductPrevious / alphaProduct).squareRoot()
        let denominator = alphaProduct * betaPrevious.squareRoot() + (alphaProduct * beta * alphaProductPrevious).squareRoot()
        return sample.linearCombination(sampleCoefficient, -(alphaProductPrevious - alphaProduct) / denominator, epsilon)
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        let alphaProduct = schedule.alphasCumprod[Int(timesteps[index])]
        return original.linearCombination(alphaProduct.squareRoot(), (1 - alphaProduct).squareRoot(), noise)
    }
}
