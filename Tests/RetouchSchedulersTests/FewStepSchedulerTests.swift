import Foundation
import Testing
import RetouchSchedulers
import RetouchTensor
import RetouchTestSupport

/// LCM and TCD, run through full loops with diffusers' test model `output = sample · t / (t + 1)` and torch-identical
/// per-step noise, give diffusers' timesteps and final samples for 1, 2, 4 and 8 steps, TCD's γ 0, 0.3 and 1, ε- and
/// v-prediction and a non-default `original_inference_steps`/`timestep_scaling`; img2img at strength 0.5 slices the
/// list as diffusers' generic pipelines' `get_timesteps` and matches their whole truncated loop.
/// References: fixtures/schedulers/make_scheduler_references.py ("few_step_cases").
struct FewStepSchedulerTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let kind: String, config: String, steps: Int
        let eta: Double?
        let timesteps: [Double]
        let init_noise_sigma: Double
        let final: [Float]
        let img2img_strength: Double
        let img2img_start_index: Int
        let img2img_timesteps: [Double]
        let img2img_noised: [Float]?
        let img2img_final: [Float]?
        var description: String { "\(kind) \(config) \(steps) steps" + (eta.map { " eta \($0)" } ?? "") }
    }

    struct File: Decodable {
        let few_step_configs: [String: [String: SchedulerLoopTests.JSONScalar]]
        let few_step_cases: [Case]
    }

    static let file: File? = {
        guard let data = try? Data(contentsOf: Fixtures.url("schedulers/scheduler_references.json")) else { return nil }
        return try? JSONDecoder().decode(File.self, from: data)
    }()
    static let cases: [Case] = file?.few_step_cases ?? []

    /// The reference config, decoded from scheduler_config.json text as a checkpoint's is.
    static func config(_ name: String) throws -> SchedulerConfig {
        let values = try #require(file?.few_step_configs[name])
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

    static func make(_ c: Case) throws -> any Scheduler {
        let kind = try #require(SchedulerKind(rawValue: c.kind))
        return try kind.checkedMake(config: try config(c.config), steps: c.steps, eta: c.eta ?? TCDScheduler.defaultEta)
    }

    /// The loop diffusers' reference ran: from `start`, one seed-0 torch generator for the per-step noise.
    static func loop(_ scheduler: inout any Scheduler, from x: Tensor, start: Int) -> Tensor {
        var random = TorchRandomSource(seed: 0)
        var x = x
        for index in start..<scheduler.timesteps.count {
            let t = scheduler.timesteps[index]
            x = scheduler.step(scheduler.scaleModelInput(x, stepIndex: index) * (t / (t + 1)), stepIndex: index, sample: x, random: &random)
        }
        return x
    }

    @Test("the table covers lcm and tcd, several step counts, every eta, epsilon and v-prediction")
    func coverage() throws {
        #expect(Set(Self.cases.map(\.kind)) == ["lcm", "tcd"])
        #expect(Set(Self.cases.map(\.steps)) == [1, 2, 4, 8])
        #expect(Set(Self.cases.compactMap(\.eta)) == [0, 0.3, 1])
        let predictions = try Set(Self.cases.map { try Self.config($0.config).predictionType })
        #expect(predictions == [.epsilon, .vPrediction])
    }

    @Test("full loop equals diffusers'", arguments: cases)
    func fullLoop(_ c: Case) throws {
        var scheduler = try Self.make(c)
        #expect(scheduler.timesteps.map(Double.init) == c.timesteps)
        #expect(Double(scheduler.initNoiseSigma) == c.init_noise_sigma)
        let final = Self.loop(&scheduler, from: SchedulerLoopTests.sample * scheduler.initNoiseSigma, start: 0)
        let closeness = Closeness(final.scalars, c.final)
        print("few-step parity \(c): \(closeness)")
        #expect(closeness.isWithin(1e-5), "final sample: \(closeness)")
    }

    @Test("img2img at strength 0.5 slices and runs as diffusers' generic pipelines", arguments: cases)
    func img2img(_ c: Case) throws {
        var scheduler = try Self.make(c)
        let start = scheduler.startIndex(strength: c.img2img_strength)
        #expect(start == c.img2img_start_index)
        #expect(scheduler.timesteps[start...].map(Double.init) == c.img2img_timesteps)
        guard let expectedNoised = c.img2img_noised, let expectedFinal = c.img2img_final else {
            #expect(start == scheduler.timesteps.count, "no reference although steps remain")
            return
        }
        let noise = Tensor(shape: [2, 4, 4, 4], scalars: (0..<128).map { sin(Float($0)) })
        let noised = scheduler.addNoise(SchedulerLoopTests.sample, noise: noise, stepIndex: start)
        let noisedCloseness = Closeness(noised.scalars, expectedNoised)
        #expect(noisedCloseness.isWithin(1e-5), "noised: \(noisedCloseness)")
        let final = Self.loop(&scheduler, from: noised, start: start)
        let closeness = Closeness(final.scalars, expectedFinal)
        print("few-step img2img parity \(c): \(closeness)")
        #expect(closeness.isWithin(1e-5), "final sample: \(closeness)")
    }

    @Test("diffusers' documented timesteps for original_inference_steps 50")
    func documentedTimesteps() {
        let expected: [Int: [Float]] = [1: [999], 2: [999, 499], 4: [999, 759, 499, 259],
                                        8: [999, 879, 759, 639, 499, 379, 259, 139]]
        for (steps, timesteps) in expected {
            #expect(SchedulerKind.lcm.make(config: SchedulerConfig(), steps: steps).timesteps == timesteps)
            #expect(SchedulerKind.tcd.make(config: SchedulerConfig(), steps: steps).timesteps == timesteps)
        }
    }

    @Test("one fresh noise draw per step except the last (LCM; TCD when eta > 0)")
    func drawCounts() {
        struct CountingSource: RandomSource {
            var inner = TorchRandomSource(seed: 0)
            var draws = 0
            mutating func normal(count: Int) -> [Float] {
                draws += 1
                return inner.normal(count: count)
            }
        }
        for (kind, eta, steps, expected) in [(SchedulerKind.lcm, 0.3, 4, 3), (.lcm, 0.3, 1, 0), (.tcd, 0.3, 4, 3), (.tcd, 0, 4, 0), (.tcd, 1, 8, 7)] {
            var scheduler = kind.make(config: SchedulerConfig(), steps: steps, eta: eta)
            var random = CountingSource()
            var x = SchedulerLoopTests.sample
            for index in scheduler.timesteps.indices {
                x = scheduler.step(x * 0.5, stepIndex: index, sample: x, random: &random)
            }
            #expect(random.draws == expected, "\(kind) eta \(eta) \(steps) steps: \(random.draws) draws")
        }
    }

    @Test("more steps than original_inference_steps, or eta outside 0…1, are errors that say so")
    func limits() {
        #expect(throws: SchedulerStepsError(description: "lcm takes at most original_inference_steps = 50 steps (its timesteps are a subset of that schedule); got 51")) {
            try SchedulerKind.lcm.checkedMake(config: SchedulerConfig(), steps: 51)
        }
        var config = SchedulerConfig()
        config.originalInferenceSteps = 4
        #expect(throws: SchedulerStepsError.self) { try SchedulerKind.tcd.checkedMake(config: config, steps: 5) }
        #expect((try? SchedulerKind.tcd.checkedMake(config: config, steps: 4))?.timesteps == [999, 749, 499, 249])
        for eta in [-0.1, 1.5, Double.nan, .infinity] {
            #expect(throws: SchedulerStepsError(description: "eta must be a finite number from 0 to 1; got \(eta)")) {
                try SchedulerKind.tcd.checkedMake(config: SchedulerConfig(), steps: 4, eta: eta)
            }
        }
    }
}
