import RetouchTensor

/// diffusers' scheduler contract as a value type. Steps are addressed by index into `timesteps` (which may repeat
/// a value, as PNDM does); the loop calls `scaleModelInput` and `step` once per index, in order, starting at 0 or,
/// for img2img, at `startIndex(strength:)`.
public protocol Scheduler: Sendable {
    /// The values passed to the UNet, one per step.
    var timesteps: [Float] { get }
    /// The initial noise's standard deviation (multiply fresh noise by it).
    var initNoiseSigma: Float { get }
    /// Model evaluations per step of the underlying solver (diffusers' `order`).
    var order: Int { get }
    /// The number of inference steps asked for.
    var inferenceSteps: Int { get }
    /// The UNet input for step `index`.
    func scaleModelInput(_ sample: Tensor, stepIndex index: Int) -> Tensor
    /// The sample after step `index`, given the (guided) model output; ancestral samplers draw from `random`.
    mutating func step<R: RandomSource>(_ modelOutput: Tensor, stepIndex index: Int, sample: Tensor, random: inout R) -> Tensor
    /// `original` noised to the level of step `index` (img2img's start, inpainting's known region).
    func addNoise(_ original: Tensor, noise: Tensor, stepIndex index: Int) -> Tensor
}

extension Scheduler {
    /// diffusers' img2img `get_timesteps`: the first step index for `strength` in 0...1.
    public func startIndex(strength: Double) -> Int {
        let steps = inferenceSteps
        let initial = min(Int(Double(steps) * strength), steps)
        return max(steps - initial, 0) * order
    }
}

/// The schedulers users pick by name (`--scheduler`).
public enum SchedulerKind: String, Sendable, CaseIterable, Codable {
    case ddim, pndm, euler
    case eulerAncestral = "euler-a"
    case dpmSolver2M = "dpm++2m"
    case dpmSolver2MKarras = "dpm++2m-karras"
    case heun, lms, unipc
    /// Few-step samplers for consistency-distilled models (LCM-LoRA, LCM checkpoints; TCD, Hyper-SD).
    case lcm, tcd

    /// A configured scheduler for `steps` inference steps; `eta` is TCD's γ (0…1) and unused by the others.
    public func make(config: SchedulerConfig, steps: Int, eta: Double = TCDScheduler.defaultEta) -> any Scheduler {
        switch self {
        case .ddim: DDIMScheduler(config: config, steps: steps)
        case .pndm: PNDMScheduler(config: config, steps: steps)
        case .euler: EulerScheduler(config: config, steps: steps, ancestral: false)
        case .eulerAncestral: EulerScheduler(config: config, steps: steps, ancestral: true)
        case .dpmSolver2M: DPMSolverScheduler(config: config, steps: steps, karras: false)
        case .dpmSolver2MKarras: DPMSolverScheduler(config: config, steps: steps, karras: true)
        case .heun: HeunScheduler(config: config, steps: steps)
        case .lms: LMSScheduler(config: config, steps: steps)
        case .unipc: UniPCScheduler(config: config, steps: steps)
        case .lcm: LCMScheduler(config: config, steps: steps)
        case .tcd: TCDScheduler(config: config, steps: steps, eta: eta)
        }
    }

    /// Whether the kind picks its timesteps from the distillation schedule (`original_inference_steps`) rather than
    /// by `timestep_spacing`.
    public var usesDistillationSchedule: Bool {
        switch self {
        case .lcm, .tcd: true
        default: false
        }
    }
}

/// Inference timesteps for the DDIM-style families (`leading`, `trailing`, `linspace`), as diffusers computes them.
func spacedTimesteps(_ config: SchedulerConfig, steps: Int) -> [Double] {
    let n = config.trainTimesteps
    switch config.timestepSpacing {
    case .leading:
        let ratio = n / steps
        return (0..<steps).reversed().map { Double($0 * ratio + config.stepsOffset) }
    case .trailing:
        let ratio = Double(n) / Double(steps)
        // numpy's arange(n, 0, -ratio): exactly `steps` values n − i·ratio (a Swift stride can add one more
        // just above 0 through rounding error, a 7th timestep of −1 for 6 steps).
        return (0..<steps).map { (Double(n) - Double($0) * ratio).rounded(.toNearestOrEven) - 1 }
    case .linspace:
        return (0..<steps).map { i in (Double(n - 1) * Double(i) / Double(max(steps - 1, 1))).rounded(.toNearestOrEven) }.reversed()
    }
}

/// The x₀ and ε a model output implies at noise level (α = √ᾱ, σ = √(1−ᾱ)), for each prediction type.
func originalAndNoise(_ output: Tensor, sample: Tensor, alpha: Float, sigma: Float, prediction: PredictionType) -> (Tensor, Tensor) {
    switch prediction {
    case .epsilon:
        return (sample.linearCombination(1 / alpha, -sigma / alpha, output), output)
    case .vPrediction:
        return (sample.linearCombination(alpha, -sigma, output), output.linearCombination(alpha, sigma, sample))
    case .sample:
        return (output, sample.linearCombination(1 / sigma, -alpha / sigma, output))
    }
}
