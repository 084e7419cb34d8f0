import Foundation
import RetouchFiles

/// A scheduler config value Retouch cannot use, naming the file and key.
public struct SchedulerConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The config file.
    public let file: String
    /// The key concerned.
    public let key: String?
    /// What is wrong.
    public let problem: String
    /// Creates an error.
    public init(file: String, key: String?, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    /// `file: key 'k': problem`.
    public var description: String { key.map { "\(file): key '\($0)': \(problem)" } ?? "\(file): \(problem)" }
}

/// What the UNet predicts.
public enum PredictionType: String, Sendable, CaseIterable, Codable {
    case epsilon
    case vPrediction = "v_prediction"
    case sample
}

/// How inference timesteps are spread over the training schedule (diffusers' `timestep_spacing`).
public enum TimestepSpacing: String, Sendable, CaseIterable, Codable { case leading, trailing, linspace }

/// How betas grow over the training timesteps.
public enum BetaSchedule: String, Sendable, CaseIterable, Codable {
    case linear
    case scaledLinear = "scaled_linear"
    case squaredCosine = "squaredcos_cap_v2"
}

/// The noise schedule of a checkpoint, from its `scheduler/scheduler_config.json` (diffusers names), decoded once.
/// Keys of other scheduler classes are ignored; an unsupported value is an error naming the file and key.
public struct SchedulerConfig: Sendable, Equatable {
    public var trainTimesteps = 1000
    public var betaStart: Double = 0.00085
    public var betaEnd: Double = 0.012
    public var betaSchedule: BetaSchedule = .scaledLinear
    public var trainedBetas: [Double]? = nil
    public var predictionType: PredictionType = .epsilon
    public var timestepSpacing: TimestepSpacing = .leading
    public var stepsOffset = 1
    public var setAlphaToOne = false
    /// Clamp predicted x₀ (DDIM); nil means the scheduler's own default (DDIM's is true), as in diffusers.
    public var clipSample: Bool? = nil
    /// The clamp's bound.
    public var clipSampleRange: Double = 1
    /// LCM and TCD: the distillation schedule's step count, from which their timesteps are picked (diffusers'
    /// `original_inference_steps`, default 50).
    public var originalInferenceSteps = 50
    /// LCM: the factor applied to the timestep in the boundary-condition scalings c_skip and c_out (diffusers'
    /// `timestep_scaling`, default 10).
    public var timestepScaling: Double = 10

    /// SD 1.5's schedule.
    public init() {}

    /// Decodes `scheduler_config.json` data that came from `file`.
    public init(data: Data, file: String) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SchedulerConfigError(file: file, key: nil, problem: "not a JSON object")
        }
        func fail(_ key: String, _ problem: String) -> SchedulerConfigError { SchedulerConfigError(file: file, key: key, problem: problem) }
        func number(_ key: String) throws -> Double? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let number = value as? NSNumber else { throw fail(key, "expected a number") }
            return number.doubleValue
        }
        func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws -> E? where E.RawValue == String {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let text = value as? String, let parsed = E(rawValue: text) else {
                throw fail(key, "unsupported value \(value) (supported: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return parsed
        }
        func integer(_ key: String) throws -> Int? {
            guard let value = try number(key) else { return nil }
            guard value == value.rounded(), abs(value) < 1e15 else { throw fail(key, "value \(value) is not an integer") }
            return Int(value)
        }
        func bool(_ key: String) throws -> Bool? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let flag = value as? Bool else { throw fail(key, "expected true or false, got \(value)") }
            return flag
        }
        if let value = try integer("num_train_timesteps") { trainTimesteps = value }
        if let value = try number("beta_start") { betaStart = value }
        if let value = try number("beta_end") { betaEnd = value }
        if let value = try enumeration("beta_schedule", BetaSchedule.self) { betaSchedule = value }
        if let value = object["trained_betas"], !(value is NSNull) {
            guard let list = value as? [NSNumber] else { throw fail("trained_betas", "expected a list of numbers") }
            trainedBetas = list.map(\.doubleValue)
        }
        if let value = try enumeration("prediction_type", PredictionType.self) { predictionType = value }
        if let value = try enumeration("timestep_spacing", TimestepSpacing.self) { timestepSpacing = value }
        if let value = try integer("steps_offset") { stepsOffset = value }
        if let value = try bool("set_alpha_to_one") { setAlphaToOne = value }
        if let value = try bool("clip_sample") { clipSample = value }
        if let value = try number("clip_sample_range") { clipSampleRange = value }
        if let value = try integer("original_inference_steps") { originalInferenceSteps = value }
        if let value = try number("timestep_scaling") { timestepScaling = value }
        if try bool("rescale_betas_zero_snr") == true {
            throw fail("rescale_betas_zero_snr", "unsupported value true (Retouch supports false only)")
        }
        if try bool("thresholding") == true {
            throw fail("thresholding", "unsupported value true (Retouch supports false only)")
        }
        if let problem = validationProblem() { throw fail(problem.key, problem.text) }
    }

    /// The first value outside Retouch's rules, as (key, sentence), or nil when the config is usable:
    /// `num_train_timesteps` in `trainTimestepRange`; `0 ≤ steps_offset < num_train_timesteps`; `beta_start` and
    /// `beta_end` finite in (0, 1) with start ≤ end; `trained_betas` exactly `num_train_timesteps` finite values in
    /// (0, 1); `clip_sample_range` finite and positive; `1 ≤ original_inference_steps ≤ num_train_timesteps`;
    /// `timestep_scaling` finite and positive.
    func validationProblem() -> (key: String, text: String)? {
        let steps = Self.trainTimestepRange
        guard steps.contains(trainTimesteps) else {
            return ("num_train_timesteps", "value \(trainTimesteps) is outside the allowed range \(steps.lowerBound)…\(steps.upperBound)")
        }
        guard (0..<trainTimesteps).contains(stepsOffset) else {
            return ("steps_offset", "value \(stepsOffset) is outside the allowed range 0…\(trainTimesteps - 1) (below num_train_timesteps \(trainTimesteps))")
        }
        for (key, value) in [("beta_start", betaStart), ("beta_end", betaEnd)] where !(value.isFinite && value > 0 && value < 1) {
            return (key, "value \(value) is outside the allowed range (0, 1)")
        }
        guard betaStart <= betaEnd else {
            return ("beta_start", "value \(betaStart) is greater than beta_end \(betaEnd); betas must not decrease")
        }
        if let trainedBetas {
            guard trainedBetas.count == trainTimesteps else {
                return ("trained_betas", "has \(trainedBetas.count) values; it must have num_train_timesteps = \(trainTimesteps)")
            }
            if let index = trainedBetas.firstIndex(where: { !($0.isFinite && $0 > 0 && $0 < 1) }) {
                return ("trained_betas", "value \(trainedBetas[index]) at index \(index) is outside the allowed range (0, 1)")
            }
        }
        guard clipSampleRange.isFinite, clipSampleRange > 0 else {
            return ("clip_sample_range", "value \(clipSampleRange) is outside the allowed range: finite and greater than 0")
        }
        guard (1...trainTimesteps).contains(originalInferenceSteps) else {
            return ("original_inference_steps", "value \(originalInferenceSteps) is outside the allowed range 1…\(trainTimesteps) (at most num_train_timesteps)")
        }
        guard timestepScaling.isFinite, timestepScaling > 0 else {
            return ("timestep_scaling", "value \(timestepScaling) is outside the allowed range: finite and greater than 0")
        }
        return nil
    }

    /// The training timesteps Retouch accepts: 2…100,000 (Stable Diffusion: 1000).
    public static let trainTimestepRange = 2...100_000

    /// Reads `scheduler_config.json` at `url`.
    public init(url: URL) throws {
        let data: Data
        do { data = try InputFile.data(url, maxBytes: InputFile.Limit.config, what: "config file") } catch let problem as FileProblem {
            throw SchedulerConfigError(file: url.path, key: nil, problem: problem.problem)
        }
        try self.init(data: data, file: url.path)
    }
}
