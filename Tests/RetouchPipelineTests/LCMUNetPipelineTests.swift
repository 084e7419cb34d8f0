import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchSchedulers
import RetouchTestSupport

/// A distilled LCM model (a UNet with `time_cond_proj_dim`: fixtures/models/tiny-lcm) against diffusers
/// (fixtures/pipelines/make_lcm_unet_references.py): `LatentConsistencyModelPipeline` in generate at 4 steps with
/// guidance 8, 1.5 and 1 and at its default 2 × 8.5, and the generic img2img (strength 0.5) and 4-channel inpaint
/// pipelines, which embed guidance the same way for such a UNet. The guidance goes into the embedding passed as the
/// timestep condition, so every run makes diffusers' UNet calls with batch 1 whatever the guidance, and each image
/// matches diffusers' PNG at ≥ 45 dB.
struct LCMUNetPipelineTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let id: String, mode: String, pipeline: String, model: String, scheduler: String
        let strength: Double, steps: Int, seed: UInt64, guidance: Float
        let prompt: String, negative_prompt: String
        let width: Int, height: Int
        let image: String?, mask: String?, output: String
        let unet_calls: Int
        let unet_batch_sizes: [Int]
        let time_cond_proj_dim: Int
        var description: String { id }
    }

    struct File: Decodable {
        let cases: [Case]
        let guidance_8_vs_1_5_psnr: Double
        let lcm_img2img_pipeline_timesteps_4steps_s0_5: [Int]
    }

    static let file: File? = {
        guard let data = try? Data(contentsOf: Fixtures.url("pipelines/lcm-unet/cases.json")) else { return nil }
        return try? JSONDecoder().decode(File.self, from: data)
    }()

    static let cases: [Case] = file?.cases ?? []

    static let model: StableDiffusion? = try? StableDiffusion.load(Fixtures.url("models/tiny-lcm").path)

    static func reference(_ c: Case) throws -> Image {
        try ImageIO.read(Fixtures.url("pipelines/\(c.output)")).converted(toChannels: 3)
    }

    static func run(_ c: Case, on model: StableDiffusion, scheduler: SchedulerKind? = .lcm, negativePrompt: String? = nil) throws -> DiffusionResult {
        let pipelines = EditPipelines(model: model)
        var settings = DiffusionSettings(prompt: c.prompt)
        settings.negativePrompt = negativePrompt ?? c.negative_prompt
        settings.steps = c.steps
        settings.guidance = c.guidance
        settings.seed = c.seed
        settings.scheduler = scheduler
        switch c.mode {
        case "generate":
            return try pipelines.generate(settings, width: c.width, height: c.height)
        case "img2img":
            return try pipelines.img2img(try ImageIO.read(Fixtures.url("pipelines/\(c.image!)")), settings: settings, strength: c.strength)
        default:
            let photo = try ImageIO.read(Fixtures.url("pipelines/\(c.image!)"))
            let mask = try Mask.read(Fixtures.url("pipelines/\(c.mask!)"))
            return try pipelines.inpaint(photo, mask: mask, settings: settings, strength: c.strength)
        }
    }

    @Test("the table covers LatentConsistencyModelPipeline at guidance 8, 1.5 and 1, img2img and inpaint")
    func coverage() throws {
        let guidances = Set(Self.cases.filter { $0.pipeline == "LatentConsistencyModelPipeline" }.map(\.guidance))
        #expect(guidances.isSuperset(of: [8, 1.5, 1]))
        #expect(Set(Self.cases.map(\.mode)) == ["generate", "img2img", "inpaint4"])
        #expect(Self.cases.allSatisfy { $0.model == "tiny-lcm" && $0.scheduler == "lcm" && $0.time_cond_proj_dim == 32 })
        #expect(Self.cases.count == 7)
    }

    @Test("the model is a distilled LCM model: its UNet embeds guidance and its scheduler is LCM")
    func model() throws {
        let model = try #require(Self.model, "fixtures/models/tiny-lcm loads")
        #expect(model.unetConfig.timeConditionDim == 32)
        #expect(model.defaultScheduler == .lcm)
    }

    @Test("same image as diffusers (PSNR ≥ 45 dB), with diffusers' UNet calls, all of batch 1", arguments: cases)
    func matchesDiffusers(_ c: Case) throws {
        let model = try #require(Self.model, "fixtures/models/tiny-lcm loads")
        let result = try Self.run(c, on: model)
        #expect(result.unetEvaluations == c.unet_calls, "UNet calls")
        #expect(result.unetBatchSize == 1, "guidance \(c.guidance) runs no unconditional batch")
        #expect([Int](repeating: result.unetBatchSize, count: result.unetEvaluations) == c.unet_batch_sizes)
        let reference = try Self.reference(c)
        #expect(result.image.width == reference.width && result.image.height == reference.height)
        let psnr = result.image.converted(toChannels: 3).psnr(reference)
        print("distilled-LCM pipeline parity \(c.id): \(psnr) dB, \(result.unetEvaluations) UNet calls of batch \(result.unetBatchSize)")
        #expect(psnr >= 45, "\(c.id): \(psnr) dB")
        #expect(result.warnings.isEmpty)
    }

    @Test("the guidance matters: guidance 8 and 1.5 give different images, in diffusers and in Retouch")
    func guidanceMatters() throws {
        let model = try #require(Self.model, "fixtures/models/tiny-lcm loads")
        let eight = try #require(Self.cases.first { $0.id == "lcm-g8-4steps" })
        let lower = try #require(Self.cases.first { $0.id == "lcm-g1.5-4steps" })
        let references = (try Self.reference(eight), try Self.reference(lower))
        #expect(references.0.psnr(references.1) < 35, "diffusers' two references are \(references.0.psnr(references.1)) dB apart")
        #expect(abs(references.0.psnr(references.1) - (Self.file?.guidance_8_vs_1_5_psnr ?? 0)) < 0.01)
        let ours = try Self.run(lower, on: model).image.converted(toChannels: 3)
        #expect(ours.psnr(references.1) >= 45)
        #expect(ours.psnr(references.0) < 35, "Retouch at guidance 1.5 is \(ours.psnr(references.0)) dB from diffusers at 8")
    }

    @Test("the scheduler defaults to the folder's LCMScheduler, and a negative prompt has no effect but a warning")
    func defaultsAndNegativePrompt() throws {
        let model = try #require(Self.model, "fixtures/models/tiny-lcm loads")
        let c = try #require(Self.cases.first { $0.id == "lcm-g8-4steps" })
        let plain = try Self.run(c, on: model, scheduler: nil)
        #expect(plain.image.converted(toChannels: 3).psnr(try Self.reference(c)) >= 45)
        let negative = try Self.run(c, on: model, negativePrompt: "blurry")
        #expect(negative.image.pixels == plain.image.pixels, "the negative prompt changed the image")
        #expect(negative.unetBatchSize == 1)
        #expect(negative.warnings.count == 1)
        #expect(negative.warnings.first?.contains("the negative prompt has no effect") == true, "\(negative.warnings)")
    }

    @Test("diffusers' dedicated LCM img2img pipeline runs other timesteps than the generic one Retouch follows")
    func img2imgPipelinesDiffer() throws {
        // LatentConsistencyModelImg2ImgPipeline passes strength into set_timesteps (all 4 steps over a shortened origin
        // schedule); Retouch, as StableDiffusionImg2ImgPipeline, truncates the 4-step list (get_timesteps).
        #expect(Self.file?.lcm_img2img_pipeline_timesteps_4steps_s0_5 == [499, 379, 259, 139])
        let c = try #require(Self.cases.first { $0.mode == "img2img" })
        #expect(c.unet_calls == 2)
    }
}
