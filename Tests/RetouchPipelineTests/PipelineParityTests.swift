import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchSchedulers
import RetouchTestSupport

/// generate, img2img and inpaint (9-channel and 4-channel checkpoints) give diffusers' 8-bit images for the same
/// seed, with every scheduler: fixtures/pipelines/make_pipeline_references.py ran diffusers' own pipelines.
struct PipelineParityTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let mode: String, model: String, scheduler: String
        let strength: Double, steps: Int, seed: UInt64, guidance: Float
        let prompt: String, negative_prompt: String
        let width: Int, height: Int
        let image: String, mask: String, output: String
        var description: String { "\(mode) \(scheduler) strength \(strength)" }
    }

    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("pipelines/cases.json")),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    static let models: [String: StableDiffusion] = {
        var models: [String: StableDiffusion] = [:]
        for name in ["tiny-sd1", "tiny-inpaint"] {
            models[name] = try? StableDiffusion.load(Fixtures.url("models/\(name)").path)
        }
        return models
    }()

    /// Peak signal-to-noise ratio of two 8-bit images, in dB (infinite when identical).
    static func psnr(_ image: Image, _ reference: NumpyArray) -> Double {
        let rgb = image.converted(toChannels: 3)
        var squared = 0.0
        for (actual, expected) in zip(rgb.pixels, reference.values) {
            let difference = Double((actual * 255).rounded()) - Double(expected)
            squared += difference * difference
        }
        let mse = squared / Double(reference.values.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    @Test("the reference table covers every scheduler in every mode")
    func coverage() { #expect(Self.cases.count == SchedulerKind.allCases.filter { !$0.usesDistillationSchedule }.count * 4 + 2) }   // lcm, tcd: FewStepPipelineTests

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
        let image = try ImageIO.read(Fixtures.url("pipelines/\(c.image)"))
        let result: DiffusionResult
        switch c.mode {
        case "generate": result = try pipelines.generate(settings, width: c.width, height: c.height)
        case "img2img": result = try pipelines.img2img(image, settings: settings, strength: c.strength)
        default:
            let mask = try Mask.read(Fixtures.url("pipelines/\(c.mask)"))
            result = try pipelines.inpaint(image, mask: mask, settings: settings, strength: c.strength)
        }
        let reference = try NumpyArray(fixture: "pipelines/\(c.output)")
        let psnr = Self.psnr(result.image, reference)
        print("pipeline parity \(c): \(psnr) dB")
        #expect(psnr >= 45, "PSNR \(psnr) dB")
    }
}
