import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchSchedulers
import RetouchTestSupport

/// The wider reference table (fixtures/pipelines/references.json, diffusers 0.42.1): every scheduler in every mode,
/// SD 2.x v-prediction with its own trailing-spacing scheduler config, non-square and non-multiple-of-8 img2img,
/// strength 0.75 and an anti-aliased mask. Each Retouch image must match diffusers' PNG at ≥ 45 dB PSNR.
struct ReferenceParityTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let id: String, mode: String, model: String, scheduler: String
        let strength: Double, steps: Int, seed: UInt64, guidance: Float
        let prompt: String, negative_prompt: String
        let width: Int, height: Int
        let image: String?, mask: String?, output: String
        var description: String { id }
    }

    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("pipelines/references.json")),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    static let models: [String: StableDiffusion] = {
        var models: [String: StableDiffusion] = [:]
        for name in ["tiny-sd1", "tiny-sd2", "tiny-inpaint"] {
            models["models/\(name)"] = try? StableDiffusion.load(Fixtures.url("models/\(name)").path)
        }
        return models
    }()

    @Test("the table holds all 51 cases, SD 2.x included")
    func coverage() {
        #expect(Self.cases.count == 51)
        #expect(Self.cases.contains { $0.mode == "generate-sd2" && $0.scheduler == "euler" })
    }

    @Test("same image as diffusers (PSNR ≥ 45 dB)", arguments: cases)
    func matchesDiffusers(_ c: Case) throws {
        let model = try #require(Self.models[c.model], "fixture model \(c.model) loads")
        let pipelines = EditPipelines(model: model)
        var settings = DiffusionSettings(prompt: c.prompt)
        settings.negativePrompt = c.negative_prompt
        settings.steps = c.steps
        settings.guidance = c.guidance
        settings.seed = c.seed
        settings.scheduler = SchedulerKind(rawValue: c.scheduler)
        #expect(settings.scheduler != nil, "unknown scheduler \(c.scheduler)")
        let result: Image
        switch c.mode {
        case "generate", "generate-sd2":
            result = try pipelines.generate(settings, width: c.width, height: c.height).image
        case "img2img":
            // diffusers stretches a photo to its size rounded down to a multiple of 8 (Lanczos), and returns that size.
            var photo = try ImageIO.read(Fixtures.url("pipelines/\(c.image!)"))
            if photo.width != c.width || photo.height != c.height { photo = photo.resized(width: c.width, height: c.height, filter: .lanczos) }
            result = try pipelines.img2img(photo, settings: settings, strength: c.strength).image
        default:
            let photo = try ImageIO.read(Fixtures.url("pipelines/\(c.image!)"))
            let mask = try Mask.read(Fixtures.url("pipelines/\(c.mask!)"))
            result = try pipelines.inpaint(photo, mask: mask, settings: settings, strength: c.strength).image
        }
        let reference = try ImageIO.read(Fixtures.url("pipelines/\(c.output)")).converted(toChannels: 3)
        #expect(result.width == reference.width && result.height == reference.height)
        var squared = 0.0
        for (actual, expected) in zip(result.converted(toChannels: 3).pixels, reference.pixels) {
            let difference = Double((actual * 255).rounded() - (expected * 255).rounded())
            squared += difference * difference
        }
        let mse = squared / Double(reference.pixels.count)
        let psnr = mse == 0 ? Double.infinity : 10 * log10(255 * 255 / mse)
        #expect(psnr >= 45, "\(c.id): \(psnr) dB")
    }
}
