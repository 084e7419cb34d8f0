import Foundation
import RetouchTensor

/// diffusers' `LMSDiscreteScheduler`: linear multistep over the last four slopes in σ, with coefficients from
/// integrating the Lagrange basis polynomials between consecutive sigmas (exactly, by Gauss–Legendre quadrature,
/// where diffusers calls SciPy's `quad`).
public struct LMSScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float
    public let order = 1
    public let inferenceSteps: Int
    let sigmas: [Float]
    let prediction: PredictionType
    let solverOrder = 4
    private var derivatives: [Tensor] = []

    /// A scheduler for `steps` inference steps.
    public init(config: SchedulerConfig, steps: Int) {
        let base = SigmaSchedule(config: config, steps: steps)
        timesteps = base.timesteps.map { Float($0) }
        sigmas = base.sigmas
        initNoiseSigma = base.initNoiseSigma
        inferenceSteps = steps
        prediction = config.predictionType
    }

    public func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor {
        sample * (1 / (sigmas[index] * sigmas[index] + 1).squareRoot())
    }

    /// ∫ from σ_t to σ_{t+1} of the Lagrange basis polynomial for slope `current` among the last `order` sigmas.
    func coefficient(order: Int, index t: Int, current: Int) -> Double {
        func basis(_ tau: Double) -> Double {
            var product = 1.0
            for k in 0..<order where k != current {
                product *= (tau - Double(sigmas[t - k])) / (Double(sigmas[t - current]) - Double(sigmas[t - k]))
            }
            return product
        }
        let (a, b) = (Double(sigmas[t]), Double(sigmas[t + 1]))
        let nodes = [-0.861136311594053, -0.339981043584856, 0.339981043584856, 0.861136311594053]
        let weights = [0.347854845137454, 0.652145154862546, 0.652145154862546, 0.347854845137454]
        let half = (b - a) / 2, middle = (a + b) / 2
        return zip(nodes, weights).reduce(0) { $0 + $1.1 * basis(middle + half * $1.0) } * half
    }

    public mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor {
        let sigma = sigmas[index]
        let original = SigmaSchedule.original(modelOutput, sample: sample, sigma: sigma, prediction: prediction)
        derivatives.append((sample - original) * (1 / sigma))
        if derivatives.count > solverOrder { derivatives.removeFirst() }
        let order = min(index + 1, solverOrder)
        var result = sample
        for (current, derivative) in derivatives.reversed().prefix(order).enumerated() {
            result = result.linearCombination(1, Float(coefficient(order: order, index: index, current: current)), derivative)
        }
        return result
    }

    public func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor {
        original.linearCombination(1, sigmas[index], noise)
    }
}
