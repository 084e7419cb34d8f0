import Foundation
import Testing
import RetouchSchedulers
import RetouchTensor
import RetouchTestSupport

/// Every scheduler, run through a full loop with diffusers' test model `output = sample · t / (t + 1)`, gives
/// diffusers' timesteps, initial noise scale, scaled inputs and final sample; img2img starts where diffusers'
/// `get_timesteps` does and `addNoise` matches. References: fixtures/schedulers/make_scheduler_references.py.
struct SchedulerLoopTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let kind: String, config: String, steps: Int
        let timesteps: [Double]
        let init_noise_sigma: Double
        let first_scaled: [Float], final: [Float]
        let img2img_start_index: Int
        let img2img_timesteps: [Double]
        let img2img_noised: [Float]
        var description: String { "\(kind) \(config)" }
    }

    struct File: Decodable {
        let configs: [String: [String: JSONScalar]]
        let cases: [Case]
    }

    enum JSONScalar: Decodable {
        case number(Double), string(String), bool(Bool)
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else { self = .string(try container.decode(String.self)) }
        }
    }

    static let file: File? = {
        guard let data = try? Data(contentsOf: Fixtures.url("schedulers/scheduler_references.json")) else { return nil }
        return try? JSONDecoder().decode(File.self, from: data)
    }()
    static let cases: [Case] = file?.cases ?? []

    /// The reference config, re-encoded as scheduler_config.json text and decoded the way a checkpoint's is.
    static func config(_ name: String) throws -> SchedulerConfig {
        let values = try #require(file?.configs[name])
        var object: [String: Any] = [:]
        for (key, value) in values {
            switch value {
            case .number(let n): object[key] = n
            case .string(let s): object[key] = s
            case .bool(let b): object[key] = b
            }
        }
        return try SchedulerConfig(data: JSONSerialization.data(withJSONObject: object), file: "\(name)/scheduler_config.json")
    }

    static var sample: Tensor {
        Tensor(shape: [2, 4, 4, 4], scalars: (0..<128).map { (Float($0) / 64 - 1) * 2 })
    }

    @Test("the reference table covers every scheduler and config (the few-step ones in FewStepSchedulerTests)")
    func coverage() {
        let kinds = SchedulerKind.allCases.filter { !$0.usesDistillationSchedule }
        #expect(Set(Self.cases.map(\.kind)) == Set(kinds.map(\.rawValue)))
        #expect(Self.cases.count == kinds.count * 3)
    }

    @Test("full loop equals diffusers'", arguments: cases)
    func fullLoop(_ c: Case) throws {
        let kind = try #require(SchedulerKind(rawValue: c.kind))
        var scheduler = kind.make(config: try Self.config(c.config), steps: c.steps)
        #expect(scheduler.timesteps.map(Double.init) == c.timesteps)
        #expect(abs(Double(scheduler.initNoiseSigma) - c.init_noise_sigma) <= 1e-5 * max(1, c.init_noise_sigma))
        var random = TorchRandomSource(seed: 0)
        var x = Self.sample * scheduler.initNoiseSigma
        for index in scheduler.timesteps.indices {
            let scaled = scheduler.scaleModelInput(x, stepIndex: index)
            if index == 0 {
                let closeness = Closeness(scaled.scalars, c.first_scaled)
                #expect(closeness.isWithin(1e-5), "first scaled input: \(closeness)")
            }
            let t = scheduler.timesteps[index]
            x = scheduler.step(scaled * (t / (t + 1)), stepIndex: index, sample: x, random: &random)
        }
        let closeness = Closeness(x.scalars, c.final)
        #expect(closeness.isWithin(1e-4), "final sample: \(closeness)")
    }

    @Test("img2img starts where get_timesteps does, and addNoise matches", arguments: cases)
    func img2img(_ c: Case) throws {
        let kind = try #require(SchedulerKind(rawValue: c.kind))
        let scheduler = kind.make(config: try Self.config(c.config), steps: c.steps)
        let start = scheduler.startIndex(strength: 0.6)
        #expect(start == c.img2img_start_index)
        #expect(scheduler.timesteps[start...].map(Double.init) == c.img2img_timesteps)
        let noise = Tensor(shape: [2, 4, 4, 4], scalars: (0..<128).map { sin(Float($0)) })
        let closeness = Closeness(scheduler.addNoise(Self.sample, noise: noise, stepIndex: start).scalars, c.img2img_noised)
        #expect(closeness.isWithin(1e-5), "\(closeness)")
    }

    @Test("unsupported config values name the file and key")
    func configErrors() {
        #expect(throws: SchedulerConfigError(file: "s.json", key: "prediction_type", problem: "unsupported value flow (supported: epsilon, v_prediction, sample)")) {
            try SchedulerConfig(data: Data(#"{"prediction_type": "flow"}"#.utf8), file: "s.json")
        }
        #expect(throws: SchedulerConfigError(file: "s.json", key: "timestep_spacing", problem: "unsupported value middle (supported: leading, trailing, linspace)")) {
            try SchedulerConfig(data: Data(#"{"timestep_spacing": "middle"}"#.utf8), file: "s.json")
        }
    }
}
