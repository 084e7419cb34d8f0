/// The σ-parameterised schedulers' shared setup (Euler, Heun, LMS): diffusers' DDIM-style timesteps and σ at each
/// step by linear interpolation of the training sigmas, then a final 0.
struct SigmaSchedule {
    let timesteps: [Double]
    let sigmas: [Float]
    let initNoiseSigma: Float

    init(config: SchedulerConfig, steps: Int) {
        let schedule = NoiseSchedule(config)
        timesteps = spacedTimesteps(config, steps: steps)
        sigmas = timesteps.map { t in
            let low = Int(t.rounded(.down)), fraction = t - Double(low)
            let high = min(low + 1, schedule.sigmas.count - 1)
            return Float(Double(schedule.sigmas[low]) * (1 - fraction) + Double(schedule.sigmas[high]) * fraction)
        } + [0]
        let largest = sigmas.max() ?? 1
        initNoiseSigma = [.linspace, .trailing].contains(config.timestepSpacing) ? largest : (largest * largest + 1).squareRoot()
    }

    /// x₀ implied by a model output at σ (Karras-style preconditioning).
    static func original(_ output: Tensor, sample: Tensor, sigma: Float, prediction: PredictionType) -> Tensor {
        switch prediction {
        case .epsilon: sample.linearCombination(1, -sigma, output)
        case .vPrediction: output.linearCombination(-sigma / (sigma * sigma + 1).squareRoot(), 1 / (sigma * sigma + 1), sample)
        case .sample: output
        }
    }
}

import RetouchTensor
