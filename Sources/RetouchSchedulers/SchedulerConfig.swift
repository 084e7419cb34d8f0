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
        if let value = try number("num_train_timesteps") { trainTimesteps = Int(value) }
        if let value = try number("beta_start") { betaStart = value }
        if let value = try number("beta_end") { betaEnd = value }
        if let value = try enumeration("beta_schedule", BetaSchedule.self) { betaSchedule = value }
        if let value = object["trained_betas"], !(value is NSNull) {
            guard let list = value as? [NSNumber] else { throw fail("trained_betas", "expected a list of numbers") }
            trainedBetas = list.map(\.doubleValue)
        }
        if let value = try enumeration("prediction_type", PredictionType.self) { predictionType = value }
        if let value = try enumeration("timestep_spacing", TimestepSpacing.self) { timestepSpacing = value }
        if let value = try number("steps_offset") { stepsOffset = Int(value) }
        if let value = object["set_alpha_to_one"] as? Bool { setAlphaToOne = value }
        if let value = object["clip_sample"] as? Bool { clipSample = value }
        if let value = try number("clip_sample_range") { clipSampleRange = value }
        if let value = object["rescale_betas_zero_snr"] as? Bool, value {
            throw fail("rescale_betas_zero_snr", "unsupported value true (Retouch supports false only)")
        }
        if let value = object["thresholding"] as? Bool, value {
            throw fail("thresholding", "unsupported value true (Retouch supports false only)")
        }
        guard trainTimesteps > 1 else { throw fail("num_train_timesteps", "must be at least 2") }
    }

    /// Reads `scheduler_config.json` at `url`.
    public init(url: URL) throws {
        let data: Data
        do { data = try InputFile.data(url, maxBytes: InputFile.Limit.config, what: "config file") } catch let problem as FileProblem {
            throw SchedulerConfigError(file: url.path, key: nil, problem: problem.problem)
        }
        try self.init(data: data, file: url.path)
    }
}
