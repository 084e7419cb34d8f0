import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchModels
import RetouchSchedulers
import RetouchTensor
import RetouchTestSupport

/// Live previews in the library: `EditPipelines.previews` receives a picture every N steps (what a server streams),
/// decoded by AUTOMATIC1111's cheap linear projection or a TAESD, and the result is the same with or without them.
@Suite("Live previews")
struct LivePreviewTests {
    /// Collects frames from the loop's thread.
    final class Frames: @unchecked Sendable {
        private let lock = NSLock()
        private var frames: [PreviewFrame] = []
        func append(_ frame: PreviewFrame) { lock.lock(); frames.append(frame); lock.unlock() }
        var all: [PreviewFrame] { lock.lock(); defer { lock.unlock() }; return frames }
    }

    static func settings() -> DiffusionSettings {
        var settings = DiffusionSettings(prompt: "a photo of a cat")
        settings.steps = 5
        settings.scheduler = .eulerAncestral
        settings.seed = 3
        return settings
    }

    @Test("every N steps a frame arrives with its step count; the image equals the run without previews", arguments: [1, 2, 5, 6])
    func framesAndResult(every: Int) throws {
        let model = try StableDiffusion.load(Fixtures.url("models/tiny-sd1").path)
        let plain = try EditPipelines(model: model).generate(Self.settings(), width: 64, height: 64)
        var pipelines = EditPipelines(model: model)
        let frames = Frames()
        pipelines.previews = try LivePreviews(every: every) { frames.append($0) }
        let previewed = try pipelines.generate(Self.settings(), width: 64, height: 64)
        #expect(previewed.image == plain.image)
        #expect(frames.all.map(\.step) == Array(stride(from: every, through: 5, by: every)))
        #expect(frames.all.allSatisfy { $0.totalSteps == 5 && $0.image.width == 8 && $0.image.height == 8 })
    }

    @Test("a TAESD preview is full size and, at the last step, is the TAESD decode of the final latents")
    func taesdPreview() throws {
        let model = try StableDiffusion.load(Fixtures.url("models/tiny-sd1").path)
        let decoder = try StandaloneTAESD(url: Fixtures.url("taesd/tiny-taesd"), flag: "--decoder", needsEncoder: false).decoder()
        var pipelines = EditPipelines(model: model)
        let frames = Frames()
        pipelines.previews = try LivePreviews(every: 5, decoder: .taesd(decoder)) { frames.append($0) }
        _ = try pipelines.generate(Self.settings(), width: 64, height: 64)
        var options = StableDiffusion.LoadOptions()
        options.taesdDecoder = Fixtures.url("taesd/tiny-taesd").path
        let decodedByTAESD = try EditPipelines(model: StableDiffusion.load(Fixtures.url("models/tiny-sd1").path, options: options))
            .generate(Self.settings(), width: 64, height: 64)
        #expect(frames.all.count == 1)
        #expect(frames.all.first?.image.pixels == decodedByTAESD.image.pixels)
    }

    @Test("approx is A1111's cheap_approximation: RGB = Σ latent · coefficient, then (x + 1) / 2 clamped", arguments: 0..<4)
    func approxCoefficients(channel: Int) {
        var latents = Tensor(shape: [1, 4, 1, 2], repeating: 0)
        latents.scalars[channel * 2] = 1        // pixel 0: a one-hot latent
        latents.scalars[channel * 2 + 1] = -4   // pixel 1: saturates
        let rgb = PreviewDecoder.approx.decode(latents)
        for c in 0..<3 {
            let weight = PreviewDecoder.approxCoefficients[channel][c]
            #expect(rgb.scalars[c * 2] == weight)
            #expect(rgb.scalars[c * 2 + 1] == -4 * weight)
        }
        #expect(PreviewDecoder.approxCoefficients == [[0.298, 0.207, 0.208], [0.187, 0.286, 0.173],
                                                      [-0.158, 0.189, 0.264], [-0.184, -0.271, -0.473]])
    }

    @Test("the interval must be at least 1", arguments: [0, -1])
    func interval(every: Int) {
        #expect(throws: PipelineError.self) { try LivePreviews(every: every) { _ in } }
    }
}
