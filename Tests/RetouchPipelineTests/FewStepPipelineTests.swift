import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchSchedulers
import RetouchTestSupport

/// Few-step sampling and guidance ≤ 1 against diffusers' own pipelines (fixtures/pipelines/make_fewstep_references.py):
/// `lcm` and `tcd` (γ 0.3) in generate, img2img at strength 0.5 and inpaint (9- and 4-channel) at guidance 1, LCM
/// with v-prediction, at guidance 0.5 and with classifier-free guidance; the older schedulers at guidance 1; and
/// SD-Turbo style runs (Euler, trailing spacing, guidance 0, 1–4 steps); and lcm/tcd with a LoRA merged (as LCM-LoRA
/// is used) against diffusers' `fuse_lora`. Each image matches diffusers' PNG at
/// ≥ 45 dB, and each run makes diffusers' UNet calls with diffusers' batch: 1 when guidance ≤ 1, else 2.
struct FewStepPipelineTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let id: String, mode: String, model: String, scheduler: String
        let strength: Double, steps: Int, seed: UInt64, guidance: Float
        let eta: Double?
        let prompt: String, negative_prompt: String
        let width: Int, height: Int
        let image: String?, mask: String?, output: String
        let unet_calls: Int
        let unet_batch_sizes: [Int]
        let scheduler_class: String
        let scheduler_config: [String: SchedulerLoopJSON]
        let lora: Lora?
        var description: String { id }
    }

    /// A LoRA diffusers fused before the run (`file` relative to fixtures/).
    struct Lora: Decodable, Sendable { let file: String, weight: Float }

    /// A scheduler-config value as the reference recorded it (numbers, strings, booleans, null).
    enum SchedulerLoopJSON: Decodable, Sendable {
        case number(Double), string(String), bool(Bool), list([Double]), null
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Double.self) { self = .number(value) }
            else if let value = try? container.decode([Double].self) { self = .list(value) }
            else { self = .string(try container.decode(String.self)) }
        }
        var object: Any {
            switch self {
            case .number(let n): n
            case .string(let s): s
            case .bool(let b): b
            case .list(let l): l
            case .null: NSNull()
            }
        }
    }

    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("pipelines/fewstep/cases.json")),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    static let models: [String: StableDiffusion] = {
        var models: [String: StableDiffusion] = [:]
        for name in ["tiny-sd1", "tiny-sd2", "tiny-inpaint"] {
            models[name] = try? StableDiffusion.load(Fixtures.url("models/\(name)").path)
        }
        return models
    }()

    /// `model`'s folder copied with the case's resolved scheduler config as its `scheduler_config.json` (the SD-Turbo
    /// cases: a checkpoint whose own config asks for Euler with trailing spacing), loaded as a user's folder is.
    static func model(withSchedulerOf c: Case) throws -> StableDiffusion {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("retouch-fewstep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: Fixtures.url("models/\(c.model)"), to: folder)
        var object = c.scheduler_config.mapValues(\.object)
        object["_class_name"] = c.scheduler_class
        let file = folder.appendingPathComponent("scheduler/scheduler_config.json")
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        return try StableDiffusion.load(folder.path)
    }

    @Test("the table covers lcm and tcd in every mode, guidance ≤ 1 with older schedulers, and Turbo")
    func coverage() {
        for scheduler in ["lcm", "tcd"] {
            let modes = Set(Self.cases.filter { $0.scheduler == scheduler && $0.guidance <= 1 }.map(\.mode))
            #expect(modes.isSuperset(of: ["generate", "img2img", "inpaint9", "inpaint4"]), "\(scheduler): \(modes)")
        }
        #expect(Self.cases.contains { $0.scheduler == "lcm" && $0.guidance > 1 })
        #expect(Self.cases.contains { $0.scheduler == "turbo" && $0.guidance == 0 && $0.steps == 1 })
        for scheduler in ["lcm", "tcd"] {
            let modes = Set(Self.cases.filter { $0.scheduler == scheduler && $0.lora != nil }.map(\.mode))
            #expect(modes == ["generate", "img2img", "inpaint4", "inpaint9"], "\(scheduler) with a LoRA: \(modes)")
        }
        #expect(Self.cases.count == 30)
    }

    @Test("same image as diffusers (PSNR ≥ 45 dB) with diffusers' UNet calls and batch", arguments: cases)
    func matchesDiffusers(_ c: Case) throws {
        let turbo = c.scheduler == "turbo"
        let model: StableDiffusion
        if turbo {
            model = try Self.model(withSchedulerOf: c)
        } else if let lora = c.lora {
            var options = StableDiffusion.LoadOptions()
            options.loras = [LoRAChoice(url: Fixtures.url(lora.file), textEncoderWeight: lora.weight, unetWeight: lora.weight)]
            model = try StableDiffusion.load(Fixtures.url("models/\(c.model)").path, options: options)
        } else {
            model = try #require(Self.models[c.model], "fixture model \(c.model) loads")
        }
        if turbo { #expect(model.defaultScheduler == .euler && model.schedulerConfig.timestepSpacing == .trailing) }
        let pipelines = EditPipelines(model: model)
        var settings = DiffusionSettings(prompt: c.prompt)
        settings.negativePrompt = c.negative_prompt
        settings.steps = c.steps
        settings.guidance = c.guidance
        settings.seed = c.seed
        settings.scheduler = turbo ? nil : SchedulerKind(rawValue: c.scheduler)
        if let eta = c.eta { settings.eta = eta }
        #expect(turbo || settings.scheduler != nil, "unknown scheduler \(c.scheduler)")
        let result: DiffusionResult
        switch c.mode {
        case "generate", "generate-sd2":
            result = try pipelines.generate(settings, width: c.width, height: c.height)
        case "img2img":
            result = try pipelines.img2img(try ImageIO.read(Fixtures.url("pipelines/\(c.image!)")), settings: settings, strength: c.strength)
        default:
            let photo = try ImageIO.read(Fixtures.url("pipelines/\(c.image!)"))
            let mask = try Mask.read(Fixtures.url("pipelines/\(c.mask!)"))
            result = try pipelines.inpaint(photo, mask: mask, settings: settings, strength: c.strength)
        }
        #expect(result.unetEvaluations == c.unet_calls, "UNet calls")
        #expect([Int](repeating: result.unetBatchSize, count: result.unetEvaluations) == c.unet_batch_sizes, "UNet batch")
        #expect(result.unetBatchSize == (c.guidance > 1 ? 2 : 1))
        let reference = try ImageIO.read(Fixtures.url("pipelines/\(c.output)")).converted(toChannels: 3)
        #expect(result.image.width == reference.width && result.image.height == reference.height)
        var squared = 0.0
        for (actual, expected) in zip(result.image.converted(toChannels: 3).pixels, reference.pixels) {
            let difference = Double((actual * 255).rounded() - (expected * 255).rounded())
            squared += difference * difference
        }
        let mse = squared / Double(reference.pixels.count)
        let psnr = mse == 0 ? Double.infinity : 10 * log10(255 * 255 / mse)
        print("few-step pipeline parity \(c.id): \(psnr) dB, \(result.unetEvaluations) UNet calls of batch \(result.unetBatchSize)")
        #expect(psnr >= 45, "\(c.id): \(psnr) dB")
        if c.lora != nil, let plain = Self.cases.first(where: { $0.id == c.id.components(separatedBy: "-lora-")[0] }) {
            // the LoRA matters: the same run without it is far from this reference
            let without = try ImageIO.read(Fixtures.url("pipelines/\(plain.output)"))
            #expect(without.psnr(reference) < 40, "\(c.id): the image without the LoRA is \(without.psnr(reference)) dB from it")
        }
    }
}
