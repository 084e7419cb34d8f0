import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchTensor
import RetouchTestSupport

/// The latent walk starts at `generate` with the first seed and (with a deterministic scheduler) ends at `generate`
/// with the second seed and prompt; variations are img2img with consecutive seeds.
struct WalkAndVariationsTests {
    static let model = try? StableDiffusion.load(Fixtures.url("models/tiny-sd1").path)

    static func settings(_ prompt: String = "a photo of a cat", seed: UInt64 = 11) -> DiffusionSettings {
        var settings = DiffusionSettings(prompt: prompt)
        settings.steps = 4
        settings.seed = seed
        settings.scheduler = .ddim
        return settings
    }

    @Test("slerp keeps the ends, and keeps the norm between orthogonal vectors of equal norm")
    func slerp() {
        let a = Tensor(shape: [2], scalars: [3, 0]), b = Tensor(shape: [2], scalars: [0, 3])
        #expect(Slerp.interpolate(a, b, t: 0).scalars.map { ($0 * 1e5).rounded() } == [300000, 0])
        #expect(Slerp.interpolate(a, b, t: 1).scalars.map { ($0 * 1e5).rounded() } == [0, 300000])
        let middle = Slerp.interpolate(a, b, t: 0.5).scalars
        #expect(abs((middle[0] * middle[0] + middle[1] * middle[1]).squareRoot() - 3) < 1e-5)
        #expect(abs(middle[0] - middle[1]) < 1e-6)
    }

    @Test("the walk's first frame is generate with the first seed; its last is generate with the second seed and prompt")
    func walkEnds() throws {
        let pipelines = EditPipelines(model: try #require(Self.model))
        let frames = try pipelines.walk(Self.settings(), toPrompt: "a photo of a dog", toSeed: 12, frames: 3, width: 64, height: 64)
        #expect(frames.count == 3)
        let first = try pipelines.generate(Self.settings(), width: 64, height: 64)
        let last = try pipelines.generate(Self.settings("a photo of a dog", seed: 12), width: 64, height: 64)
        #expect(frames[0].image == first.image)
        #expect(frames[2].image == last.image)
        #expect(frames[1].image != first.image && frames[1].image != last.image)
    }

    @Test("variation i is img2img with seed + i")
    func variations() throws {
        let pipelines = EditPipelines(model: try #require(Self.model))
        let photo = try ImageIO.read(Fixtures.url("pipelines/inputs/coffee-64.png"))
        let results = try pipelines.variations(photo: photo, settings: Self.settings(), strength: 0.6, count: 2)
        #expect(results.count == 2)
        #expect(results[1].image == (try pipelines.img2img(photo: photo, settings: Self.settings(seed: 12), strength: 0.6)).image)
        #expect(results[0].image != results[1].image)
    }
}
