import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchTensor
import RetouchTestSupport

/// Lean residency (each model dropped when a run is done with it, loaded again when needed) gives the same images
/// as keeping everything loaded, run after run.
struct ResidencyTests {
    static func settings() -> DiffusionSettings {
        var settings = DiffusionSettings(prompt: "a photo of a cat")
        settings.steps = 3
        settings.seed = 21
        settings.scheduler = .euler
        return settings
    }

    @Test("lean and keep-all give identical inpaints, twice in a row", arguments: ["tiny-inpaint", "tiny-sd1"])
    func leanMatchesKeepAll(model name: String) throws {
        let path = Fixtures.url("models/\(name)").path
        let kept = EditPipelines(model: try StableDiffusion.load(path))
        let lean = EditPipelines(model: try StableDiffusion.load(path, options: .init(residency: .lean)))
        #expect(lean.model.residency == .lean)
        let photo = try ImageIO.read(Fixtures.url("pipelines/inputs/coffee-64.png"))
        let mask = try Mask.read(Fixtures.url("pipelines/inputs/mask-64.png"))
        var options = InpaintOptions()
        options.strength = 0.8
        let expected = try kept.inpaint(photo: photo, mask: mask, settings: Self.settings(), options: options).image
        for _ in 0..<2 {
            #expect(try lean.inpaint(photo: photo, mask: mask, settings: Self.settings(), options: options).image == expected)
        }
        #expect(try lean.generate(Self.settings(), width: 64, height: 64).image == (try kept.generate(Self.settings(), width: 64, height: 64)).image)
    }

    @Test("a prompt is encoded once and the cached encoding is reused")
    func conditioningCached() throws {
        let model = try StableDiffusion.load(Fixtures.url("models/tiny-sd1").path, options: .init(residency: .lean))
        let first = model.encode(prompt: "a cat", negativePrompt: "blurry")
        let again = model.encode(prompt: "a cat", negativePrompt: "blurry")
        let other = model.encode(prompt: "a dog", negativePrompt: "blurry")
        #expect(first.embeddings == again.embeddings)
        #expect(first.embeddings != other.embeddings)
        #expect(model.encode(prompt: "a cat", negativePrompt: "blurry").embeddings == model.textEncoder.encode(
            [model.tokenizer.tokenize("a cat").chunks[0]]).concatenatedWithNegative(model, "blurry"))
    }
}

private extension RetouchTensor.Tensor {
    func concatenatedWithNegative(_ model: StableDiffusion, _ negative: String) -> RetouchTensor.Tensor {
        RetouchTensor.Tensor.concatenateBatch([model.textEncoder.encode([model.tokenizer.tokenize(negative).chunks[0]]), self])
    }
}
