import Foundation
import RetouchTensor

/// diffusers' `DPMSolverMultistepScheduler` with its SD defaults: DPM-Solver++ (data prediction), second order,
/// midpoint update, lower order for the final steps, final σ = 0; optionally Karras sigmas (`dpm++2m-karras`).
public struct DPMSolverScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let inferenceSteps: Int
    let sigmas: [Float]
    let prediction: PredictionType
    private var outputs: [Tensor] = []
    private var lowerOrderCount = 0

    /// A scheduler for `steps` inference steps.
    public init(config: SchedulerConfig, steps: Int, karras: Bool) {
        let (times, stepSigmas) = multistepSchedule(config, steps: steps, karras: karras)
        inferenceSteps = steps
        timesteps = times.map { Float($0) }
        sigmas = stepSigmas.map { Float($0) } + [0]
        prediction = config.predictionType
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor { sample }

    /// (α_t, σ_t) for a sigma: α = 1/√(σ²+1), σ_t = σ·α.
    private func alphaSigma(_ sigma: Float) -> (Float, Float) {
        let alpha = 1 / (sigma * sigma + 1).squareRoot()
        return (alpha, sigma * alpha)
    }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        let (alphaS0, sigmaS0) = alphaSigma(sigmas[index])
        let original: Tensor
        switch prediction {
        case .epsilon: original = sample.linearCombination(1 / alphaS0, -sigmaS0 / alphaS0, modelOutput)
        case .vPrediction: original = sample.linearCombination(alphaS0, -sigmaS0, modelOutput)
        case .sample: original = modelOutput
        }
        outputs = Array(outputs.suffix(1)) + [original]
        let isLast = index == timesteps.count - 1
        let (alphaT, sigmaT) = alphaSigma(sigmas[index + 1])
        let lambdaT = log(alphaT) - log(sigmaT), lambdaS0 = log(alphaS0) - log(sigmaS0)
        let h = lambdaT - lambdaS0
        let result: Tensor
        if lowerOrderCount < 1 || isLast {
            // First order (DPM-Solver++ 1, i.e. DDIM in data prediction).
            result = sample.linearCombination(sigmaT / sigmaS0, -(alphaT * (exp(-h) - 1)), original)
        } else {
            let (alphaS1, sigmaS1) = alphaSigma(sigmas[index - 1])
            let lambdaS1 = log(alphaS1) - log(sigmaS1)
            let r0 = (lambdaS0 - lambdaS1) / h
            let d1 = (outputs[1] - outputs[0]) * (1 / r0)
            let factor = -(alphaT * (exp(-h) - 1))
            result = sample.linearCombination(sigmaT / sigmaS0, factor, outputs[1]).linearCombination(1, 0.5 * factor, d1)
        }
        if lowerOrderCount < 2 { lowerOrderCount += 1 }
        return result
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        let (alpha, sigma) = alphaSigma(sigmas[index])
        return original.linearCombination(alpha, sigma, noise)
    }
}

/// The multistep solvers' schedule (DPM-Solver, UniPC): `steps + 1` spaced points with the last dropped, σ by
/// interpolation or Karras spacing (then timesteps from σ), as diffusers builds it.
func multistepSchedule(_ config: SchedulerConfig, steps: Int, karras: Bool) -> ([Double], [Double]) {
    let schedule = NoiseSchedule(config)
    let n = config.trainTimesteps
    var times: [Double]
    switch config.timestepSpacing {
    case .linspace:
        times = (0...steps).map { (Double(n - 1) * Double($0) / Double(steps)).rounded(.toNearestOrEven) }.reversed().dropLast()
    case .leading:
        let ratio = n / (steps + 1)
        times = (0...steps).reversed().dropLast().map { Double($0 * ratio + config.stepsOffset) }
    case .trailing:
        let ratio = Double(n) / Double(steps)
        times = (0..<steps).map { (Double(n) - Double($0) * ratio).rounded(.toNearestOrEven) - 1 }   // numpy's arange, exactly `steps` values
    }
    var stepSigmas: [Double]
    if karras {
        stepSigmas = karrasSigmas(maximum: Double(schedule.sigmas.last!), minimum: Double(schedule.sigmas.first!), count: steps)
        times = stepSigmas.map { schedule.timestep(forSigma: $0).rounded(.toNearestOrEven) }
    } else {
        stepSigmas = times.map { t in
            let low = Int(t.rounded(.down)), fraction = t - Double(low)
            let high = min(low + 1, schedule.sigmas.count - 1)
            return Double(schedule.sigmas[low]) * (1 - fraction) + Double(schedule.sigmas[high]) * fraction
        }
    }
    return (times, stepSigmas)
}

/// (α_t, σ_t) of a Karras σ: α = 1/√(σ²+1), σ_t = σ·α; and λ = log α − log σ_t.
func alphaSigmaLambda(_ sigma: Float) -> (alpha: Float, sigma: Float, lambda: Float) {
    let alpha = 1 / (sigma * sigma + 1).squareRoot()
    let sigmaT = sigma * alpha
    return (alpha, sigmaT, log(alpha) - log(sigmaT))
}
