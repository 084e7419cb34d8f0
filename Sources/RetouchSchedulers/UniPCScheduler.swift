import Foundation
import RetouchTensor

/// diffusers' `UniPCMultistepScheduler` with its SD defaults: data prediction, B(h) = e^h − 1 ("bh2"), second
/// order, a UniC corrector applied to each new sample before the UniP predictor, lower order on the final step,
/// final σ = 0.
public struct UniPCScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let order = 1
    public let inferenceSteps: Int
    let sigmas: [Float]
    let prediction: PredictionType
    let solverOrder = 2
    private var outputs: [Tensor] = []       // converted outputs, oldest first (at most `solverOrder`)
    private var lastSample: Tensor?
    private var lastOrder = 1
    private var lowerOrderCount = 0

    /// A scheduler for `steps` inference steps.
    public init(config: SchedulerConfig, steps: Int) {
        let (times, stepSigmas) = multistepSchedule(config, steps: steps, karras: false)
        timesteps = times.map { Float($0) }
        sigmas = stepSigmas.map { Float($0) } + [0]
        inferenceSteps = steps
        prediction = config.predictionType
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor { sample }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        let now = alphaSigmaLambda(sigmas[index])
        let converted: Tensor
        switch prediction {
        case .epsilon: converted = sample.linearCombination(1 / now.alpha, -now.sigma / now.alpha, modelOutput)
        case .vPrediction: converted = sample.linearCombination(now.alpha, -now.sigma, modelOutput)
        case .sample: converted = modelOutput
        }
        var current = sample
        if index > 0, let last = lastSample {
            current = corrected(converted, lastSample: last, index: index, order: lastOrder)
        }
        outputs = Array(outputs.suffix(solverOrder - 1)) + [converted]
        let order = min(min(solverOrder, timesteps.count - index), lowerOrderCount + 1)
        lastOrder = order
        lastSample = current
        let result = predicted(current, index: index, order: order)
        if lowerOrderCount < solverOrder { lowerOrderCount += 1 }
        return result
    }

    /// The φ-function coefficients `b_i` and `B(h)` for step size `h` (data prediction: hh = −h).
    private func coefficients(h: Float, order: Int) -> (phi1: Float, bh: Float, b: [Float]) {
        let hh = -h
        let phi1 = expm1(hh)
        var phiK = phi1 / hh - 1
        let bh = expm1(hh)
        var factorial: Float = 1
        var b: [Float] = []
        for i in 1...order {
            b.append(phiK * factorial / bh)
            factorial *= Float(i + 1)
            phiK = phiK / hh - 1 / factorial
        }
        return (phi1, bh, b)
    }

    /// UniP: from the sample at step `index` to step `index + 1`.
    private func predicted(_ x: Tensor, index: Int, order: Int) -> Tensor {
        let target = alphaSigmaLambda(sigmas[index + 1]), source = alphaSigmaLambda(sigmas[index])
        let h = target.lambda - source.lambda
        let m0 = outputs[outputs.count - 1]
        let (phi1, bh, _) = coefficients(h: h, order: order)
        var result = x.linearCombination(target.sigma / source.sigma, -target.alpha * phi1, m0)
        if order == 2 {
            let previous = alphaSigmaLambda(sigmas[index - 1])
            let rk = (previous.lambda - source.lambda) / h
            let d1 = (outputs[outputs.count - 2] - m0) * (1 / rk)
            result = result.linearCombination(1, -target.alpha * bh * 0.5, d1)
        }
        return result
    }

    /// UniC: refines the sample just produced for step `index`, using the new model output there.
    private func corrected(_ modelT: Tensor, lastSample x: Tensor, index: Int, order: Int) -> Tensor {
        let target = alphaSigmaLambda(sigmas[index]), source = alphaSigmaLambda(sigmas[index - 1])
        let h = target.lambda - source.lambda
        let m0 = outputs[outputs.count - 1]
        let (phi1, bh, b) = coefficients(h: h, order: order)
        var result = x.linearCombination(target.sigma / source.sigma, -target.alpha * phi1, m0)
        let d1t = modelT - m0
        if order == 1 {
            return result.linearCombination(1, -target.alpha * bh * 0.5, d1t)
        }
        // Order 2: solve [[1, 1], [rk, 1]] · ρ = b for the corrector's two weights.
        let previous = alphaSigmaLambda(sigmas[index - 2])
        let rk = (previous.lambda - source.lambda) / h
        let rho0 = (b[0] - b[1]) / (1 - rk)
        let rho1 = b[0] - rho0
        let d1 = (outputs[outputs.count - 2] - m0) * (1 / rk)
        result = result.linearCombination(1, -target.alpha * bh * rho0, d1)
        return result.linearCombination(1, -target.alpha * bh * rho1, d1t)
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        let (alpha, sigma, _) = alphaSigmaLambda(sigmas[index])
        return original.linearCombination(alpha, sigma, noise)
    }
}
