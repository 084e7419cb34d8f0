import Foundation

/// The training noise schedule shared by every scheduler: betas, cumulative alphas and the matching sigmas,
/// computed in float32 in the same order as diffusers (torch `linspace`, `cumprod`).
public struct NoiseSchedule: Sendable {
    /// ᾱ_t for t in 0..<trainTimesteps.
    public let alphasCumprod: [Float]
    /// σ_t = √((1 − ᾱ_t) / ᾱ_t).
    public let sigmas: [Float]

    /// Builds the schedule from a config.
    public init(_ config: SchedulerConfig) {
        let n = config.trainTimesteps
        var betas: [Float]
        if let trained = config.trainedBetas {
            betas = trained.map { Float($0) }
        } else {
            switch config.betaSchedule {
            case .linear:
                betas = Self.torchLinspace(Float(config.betaStart), Float(config.betaEnd), n)
            case .scaledLinear:
                betas = Self.torchLinspace(Float(config.betaStart.squareRoot()), Float(config.betaEnd.squareRoot()), n).map { $0 * $0 }
            case .squaredCosine:
                func alphaBar(_ t: Double) -> Double { pow(cos((t + 0.008) / 1.008 * Double.pi / 2), 2) }
                betas = (0..<n).map { i in
                    Float(min(1 - alphaBar(Double(i + 1) / Double(n)) / alphaBar(Double(i) / Double(n)), 0.999))
                }
            }
        }
        var product: Float = 1
        alphasCumprod = betas.map { beta in
            product *= 1 - beta
            return product
        }
        sigmas = alphasCumprod.map { ((1 - $0) / $0).squareRoot() }
    }

    /// `torch.linspace` in float32: the first half counts up from `start`, the second down from `end`.
    static func torchLinspace(_ start: Float, _ end: Float, _ count: Int) -> [Float] {
        guard count > 1 else { return [start] }
        let step = (end - start) / Float(count - 1)
        let half = count / 2
        return (0..<count).map { i in i < half ? start + step * Float(i) : end - step * Float(count - i - 1) }
    }

    /// diffusers' `_sigma_to_t`: the (fractional) training timestep whose log-sigma matches `sigma`.
    func timestep(forSigma sigma: Double) -> Double {
        let logSigmas = sigmas.map { Double(log($0)) }
        let logSigma = log(max(sigma, 1e-10))
        var low = 0
        for (index, value) in logSigmas.enumerated() where logSigma - value >= 0 { low = index }
        low = min(low, logSigmas.count - 2)
        let (lowValue, highValue) = (logSigmas[low], logSigmas[low + 1])
        let weight = min(max((lowValue - logSigma) / (lowValue - highValue), 0), 1)
        return (1 - weight) * Double(low) + weight * Double(low + 1)
    }
}

/// Karras et al.'s sigma spacing (ρ = 7) between the largest and smallest sigma.
func karrasSigmas(maximum: Double, minimum: Double, count: Int) -> [Double] {
    let rho = 7.0
    let (maxInverse, minInverse) = (pow(maximum, 1 / rho), pow(minimum, 1 / rho))
    return (0..<count).map { i in
        let ramp = count > 1 ? Double(i) / Double(count - 1) : 0
        return pow(maxInverse + ramp * (minInverse - maxInverse), rho)
    }
}
