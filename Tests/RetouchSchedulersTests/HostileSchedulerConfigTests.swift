import Foundation
import Testing
import RetouchSchedulers

/// Hostile `scheduler_config.json` values are errors naming the file, key, value and allowed range (they used to
/// give silent uniform images or out-of-range schedule indices).
struct HostileSchedulerConfigTests {
    static let file = "tiny/scheduler/scheduler_config.json"
    static let base: [String: Any] = [
        "_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
        "num_train_timesteps": 1000, "prediction_type": "epsilon", "set_alpha_to_one": false, "steps_offset": 1,
        "timestep_spacing": "leading",
    ]

    static func data(_ key: String, _ value: Any) throws -> Data {
        var object = base
        object[key] = value
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test("the fixture's config decodes")
    func baseDecodes() throws {
        let config = try SchedulerConfig(data: JSONSerialization.data(withJSONObject: Self.base), file: Self.file)
        #expect(config.stepsOffset == 1 && config.trainTimesteps == 1000)
    }

    @Test("hostile values are refused", arguments: [
        ("steps_offset", 5000 as Any, "value 5000 is outside the allowed range 0…999 (below num_train_timesteps 1000)"),
        ("steps_offset", -1, "value -1 is outside the allowed range 0…999 (below num_train_timesteps 1000)"),
        ("steps_offset", 1.5, "value 1.5 is not an integer"),
        ("num_train_timesteps", 1, "value 1 is outside the allowed range 2…100000"),
        ("num_train_timesteps", 1_000_000, "value 1000000 is outside the allowed range 2…100000"),
        ("num_train_timesteps", -5, "value -5 is outside the allowed range 2…100000"),
        ("beta_start", 0, "value 0.0 is outside the allowed range (0, 1)"),
        ("beta_start", 1.5, "value 1.5 is outside the allowed range (0, 1)"),
        ("beta_end", -0.012, "value -0.012 is outside the allowed range (0, 1)"),
        ("beta_start", 0.5, "value 0.5 is greater than beta_end 0.012; betas must not decrease"),
        ("trained_betas", [0.1, 0.2, 0.3], "has 3 values; it must have num_train_timesteps = 1000"),
        ("trained_betas", Array(repeating: 0.01, count: 999) + [1.0], "value 1.0 at index 999 is outside the allowed range (0, 1)"),
        ("trained_betas", [0.0] + Array(repeating: 0.01, count: 999), "value 0.0 at index 0 is outside the allowed range (0, 1)"),
        ("trained_betas", ["x"], "expected a list of numbers"),
        ("beta_schedule", "cosine", "unsupported value cosine (supported: linear, scaled_linear, squaredcos_cap_v2)"),
        ("prediction_type", "flow", "unsupported value flow (supported: epsilon, v_prediction, sample)"),
        ("timestep_spacing", 3, "unsupported value 3 (supported: leading, trailing, linspace)"),
        ("clip_sample_range", -1, "value -1.0 is outside the allowed range: finite and greater than 0"),
        ("set_alpha_to_one", "yes", "expected true or false, got yes"),
        ("thresholding", true, "unsupported value true (Retouch supports false only)"),
        ("original_inference_steps", 0, "value 0 is outside the allowed range 1…1000 (at most num_train_timesteps)"),
        ("original_inference_steps", 2000, "value 2000 is outside the allowed range 1…1000 (at most num_train_timesteps)"),
        ("original_inference_steps", 12.5, "value 12.5 is not an integer"),
        ("timestep_scaling", 0, "value 0.0 is outside the allowed range: finite and greater than 0"),
        ("timestep_scaling", "ten", "expected a number"),
    ] as [(String, Any, String)])
    func hostile(key: String, value: Any, problem: String) throws {
        do {
            _ = try SchedulerConfig(data: Self.data(key, value), file: Self.file)
            Issue.record("\(key) = \(value) was accepted")
        } catch let error as SchedulerConfigError {
            #expect(error.file == Self.file)
            #expect(error.key == key, "\(error)")
            #expect(error.problem == problem, "\(error)")
        }
    }

    @Test("a huge number (infinity after parsing) is refused")
    func infinity() {
        #expect(throws: SchedulerConfigError.self) {
            try SchedulerConfig(data: Data(#"{"beta_end": 1e999}"#.utf8), file: Self.file)
        }
    }

    @Test("the scheduler class names the file when Retouch does not implement it", arguments: [
        (#"{"_class_name": "DEISMultistepScheduler"}"#, "key '_class_name': scheduler 'DEISMultistepScheduler' is not one Retouch implements yet (supported: "),
        (#"{"_class_name": 7}"#, "key '_class_name': missing or not a string"),
        (#"{}"#, "key '_class_name': missing or not a string"),
    ])
    func unknownClass(json: String, message: String) {
        do {
            _ = try SchedulerKind(schedulerConfig: Data(json.utf8), file: Self.file)
            Issue.record("\(json) was accepted")
        } catch {
            #expect("\(error)".hasPrefix("\(Self.file): \(message)"), "\(error)")
        }
    }

    @Test("known classes map to their kinds", arguments: [
        (#"{"_class_name": "DPMSolverMultistepScheduler", "use_karras_sigmas": true}"#, SchedulerKind.dpmSolver2MKarras),
        (#"{"_class_name": "DPMSolverMultistepScheduler"}"#, .dpmSolver2M),
        (#"{"_class_name": "EulerAncestralDiscreteScheduler"}"#, .eulerAncestral),
        (#"{"_class_name": "LCMScheduler", "original_inference_steps": 50}"#, .lcm),
        (#"{"_class_name": "TCDScheduler"}"#, .tcd),
    ])
    func knownClass(json: String, kind: SchedulerKind) throws {
        #expect(try SchedulerKind(schedulerConfig: Data(json.utf8), file: Self.file) == kind)
    }

    @Test("steps whose timesteps leave the training schedule are refused before any index is used")
    func stepsOffsetPastSchedule() throws {
        var config = try SchedulerConfig(data: Self.data("steps_offset", 999), file: Self.file)
        #expect(throws: SchedulerStepsError(description: "50 steps with steps_offset 999 give timestep 1979, outside the training schedule 0…999; use fewer steps or a smaller steps_offset")) {
            try SchedulerKind.ddim.checkedMake(config: config, steps: 50)
        }
        #expect(throws: SchedulerStepsError.self) { try SchedulerKind.pndm.checkedMake(config: config, steps: 1001) }
        config.stepsOffset = 1
        #expect(try SchedulerKind.ddim.checkedMake(config: config, steps: 50).timesteps.count == 50)
    }
}
