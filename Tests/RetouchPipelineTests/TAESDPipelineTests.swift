import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchModels
import RetouchSchedulers
import RetouchTestSupport

/// Inpainting with a TAESD through the library, against diffusers' `StableDiffusionInpaintPipeline`
/// (`fixtures/taesd/make_taesd_fixtures.py`): decoding only with it (the photo still encoded by the VAE, 4-channel
/// model), and with it as the VAE of a 9-channel model (the masked image encoded by TAESD, no posterior draw).
@Suite("TAESD inpainting")
struct TAESDPipelineTests {
    static func settings() -> DiffusionSettings {
        var settings = DiffusionSettings(prompt: "a photo of a cat")
        settings.steps = 6
        settings.guidance = 7.5
        settings.seed = 1234
        settings.scheduler = .euler
        return settings
    }

    static func inpaint(model: String, options: StableDiffusion.LoadOptions) throws -> Image {
        let model = try StableDiffusion.load(Fixtures.url("models/\(model)").path, options: options)
        let image = try ImageIO.read(Fixtures.url("pipelines/inputs/coffee-64.png"))
        let mask = try Mask.read(Fixtures.url("pipelines/inputs/mask-64.png"))
        return try EditPipelines(model: model).inpaint(image, mask: mask, settings: Self.settings()).image
    }

    @Test("4-channel inpaint, TAESD decoding only: diffusers' image (≥ 45 dB)")
    func decoderOnly() throws {
        var options = StableDiffusion.LoadOptions()
        options.taesdDecoder = Fixtures.url("taesd/original/taesd_decoder.safetensors").path
        let image = try Self.inpaint(model: "tiny-sd1", options: options)
        let psnr = image.psnr(try ImageIO.read(Fixtures.url("taesd/reference/inpaint4-euler-decoder-taesd.png")))
        #expect(psnr >= 45, "\(psnr) dB")
        print("inpaint4 --decoder taesd: \(psnr) dB")
    }

    @Test("9-channel inpaint with TAESD as the VAE: diffusers' image (≥ 45 dB)")
    func tinyVAE() throws {
        var options = StableDiffusion.LoadOptions()
        options.vae = Fixtures.url("taesd/tiny-taesd").path
        let image = try Self.inpaint(model: "tiny-inpaint", options: options)
        let psnr = image.psnr(try ImageIO.read(Fixtures.url("taesd/reference/inpaint9-euler-taesd.png")))
        #expect(psnr >= 45, "\(psnr) dB")
        print("inpaint9 --vae taesd: \(psnr) dB")
    }

    @Test("preview decoders must read the model's latents: channels and scale, naming the flag")
    func previewDecoderFits() throws {
        let space = LatentSpace(latentChannels: 4, scaleFactor: 8, scalingFactor: 0.18215, shiftFactor: nil)
        try PreviewDecoder.approx.check(fits: space, flag: "--preview-decoder")
        let sixteen = LatentSpace(latentChannels: 16, scaleFactor: 8, scalingFactor: 1.5, shiftFactor: nil)
        #expect(throws: PipelineError.self) { try PreviewDecoder.approx.check(fits: sixteen, flag: "--preview-decoder") }
        let decoder = try TAESDDecoder(config: TAESDConfig(encoderChannels: [8, 8, 8, 8], decoderChannels: [8, 8, 8, 8],
                                                           latentChannels: 16), weights: RandomWeights(seed: 1))
        try PreviewDecoder.taesd(decoder).check(fits: sixteen, flag: "--preview-decoder")
        do {
            try PreviewDecoder.taesd(decoder).check(fits: space, flag: "--preview-decoder")
            Issue.record("a 16-channel TAESD was accepted for 4-channel latents")
        } catch let error as PipelineError {
            #expect(error.description.contains("--preview-decoder") && error.description.contains("16-channel"), "\(error)")
        }
    }
}
