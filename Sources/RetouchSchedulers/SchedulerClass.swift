import Foundation

extension SchedulerKind {
    /// diffusers' scheduler class names (`_class_name` in `scheduler_config.json`) and the kinds they map to.
    public static let classNames: [String: SchedulerKind] = [
        "DDIMScheduler": .ddim, "PNDMScheduler": .pndm, "EulerDiscreteScheduler": .euler,
        "EulerAncestralDiscreteScheduler": .eulerAncestral, "HeunDiscreteScheduler": .heun,
        "LMSDiscreteScheduler": .lms, "UniPCMultistepScheduler": .unipc, "DPMSolverMultistepScheduler": .dpmSolver2M,
        "LCMScheduler": .lcm, "TCDScheduler": .tcd,
    ]

    /// The scheduler a `scheduler_config.json` names (`_class_name`, with `use_karras_sigmas` for DPM-Solver++).
    ///
    /// A missing or unknown class is a `SchedulerConfigError` naming the file, the key and the class.
    public init(schedulerConfig data: Data, file: String) throws {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw SchedulerConfigError(file: file, key: nil, problem: "not a JSON object")
        }
        let supported = Self.classNames.keys.sorted().joined(separator: ", ")
        guard let name = object["_class_name"] as? String else {
            throw SchedulerConfigError(file: file, key: "_class_name", problem: "missing or not a string (supported: \(supported))")
        }
        guard let kind = Self.classNames[name] else {
            throw SchedulerConfigError(file: file, key: "_class_name",
                                       problem: "scheduler '\(name)' is not one Retouch implements yet (supported: \(supported))")
        }
        self = kind == .dpmSolver2M && (object["use_karras_sigmas"] as? Bool) == true ? .dpmSolver2MKarras : kind
    }
}

/// Inference steps that a config's training schedule cannot hold (e.g. a large `steps_offset` pushing diffusers'
/// "leading" timesteps past `num_train_timesteps`; diffusers fails with an IndexError there).
public struct SchedulerStepsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong.
    public let description: String
    /// Creates an error.
    public init(description: String) { self.description = description }
}

extension SchedulerKind {
    /// `make(config:steps:eta:)`, after checking that every timestep lies in `0..<num_train_timesteps`, so no
    /// schedule array is indexed out of range; for LCM and TCD, that `steps` is at most `original_inference_steps`
    /// (as diffusers requires) and that `eta` is finite and in 0…1.
    public func checkedMake(config: SchedulerConfig, steps: Int, eta: Double = TCDScheduler.defaultEta) throws -> any Scheduler {
        guard steps >= 1 else { throw SchedulerStepsError(description: "steps must be at least 1; got \(steps)") }
        let n = config.trainTimesteps
        if let problem = config.validationProblem() {
            throw SchedulerStepsError(description: "scheduler config: key '\(problem.key)': \(problem.text)")
        }
        guard steps <= n else {
            throw SchedulerStepsError(description: "\(steps) steps exceed the schedule's num_train_timesteps \(n)")
        }
        if usesDistillationSchedule {
            guard eta.isFinite, (0...1).contains(eta) else {
                throw SchedulerStepsError(description: "eta must be a finite number from 0 to 1; got \(eta)")
            }
            let original = config.originalInferenceSteps
            guard steps <= original else {
                throw SchedulerStepsError(description: "\(rawValue) takes at most original_inference_steps = \(original) steps " +
                                          "(its timesteps are a subset of that schedule); got \(steps)")
            }
            return make(config: config, steps: steps, eta: eta)
        }
        if let bad = spacedTimesteps(config, steps: steps).first(where: { !($0 >= 0 && $0 < Double(n)) }) {
            throw SchedulerStepsError(description: "\(steps) steps with steps_offset \(config.stepsOffset) give timestep \(Int(bad)), " +
                                      "outside the training schedule 0…\(n - 1); use fewer steps or a smaller steps_offset")
        }
        return make(config: config, steps: steps)
    }
}
