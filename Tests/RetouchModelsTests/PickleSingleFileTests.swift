import Foundation
import Testing
import RetouchModels
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// The tiny SD 1 checkpoint saved by torch.save as an LDM `.ckpt` (`{"state_dict": …, "global_step": …}`,
/// fixtures/pickle) loads through the single-file path exactly as tiny-sd1.safetensors does: every component's
/// tensors bit for bit, and the same text-encoder, UNet and VAE outputs.
struct PickleSingleFileTests {
    static func open(_ url: URL) throws -> LDMCheckpoint {
        let templates = try LDMConfigTemplates(folder: Fixtures.url("models/tiny-sd1"))
        return try LDMCheckpoint(url: url, options: .init(predictionType: .epsilon, templates: templates))
    }

    @Test("the .ckpt's components equal the safetensors file's, tensor by tensor")
    func tensors() throws {
        let ckpt = try Self.open(Fixtures.url("pickle/tiny-sd1.ckpt"))
        let safetensors = try Self.open(Fixtures.url("models/tiny-sd1.safetensors"))
        for component in LDMComponent.allCases {
            let mine = ckpt.weights(component)
            let reference = safetensors.weights(component)
            #expect(mine.tensorNames == reference.tensorNames, "\(component)")
            for name in reference.tensorNames.sorted() {
                #expect(try mine.tensor(name) == reference.tensor(name), "\(component) \(name)")
            }
        }
        #expect(ckpt.unetConfig == safetensors.unetConfig)
    }

    @Test("the text encoder, UNet and VAE built from the .ckpt give the safetensors-built models' outputs exactly")
    func outputs() throws {
        let ckpt = try Self.open(Fixtures.url("pickle/tiny-sd1.ckpt"))
        let safetensors = try Self.open(Fixtures.url("models/tiny-sd1.safetensors"))
        func models(_ c: LDMCheckpoint) throws -> (CLIPTextModel, UNet2DConditionModel, AutoencoderKL) {
            (try CLIPTextModel(config: CLIPTextConfig(ConfigReader(data: c.textEncoderConfig, file: "text_encoder")), weights: c.weights(.textEncoder)),
             try UNet2DConditionModel(config: UNetConfig(ConfigReader(data: c.unetConfig, file: "unet")), weights: c.weights(.unet)),
             try AutoencoderKL(config: VAEConfig(ConfigReader(data: c.vaeConfig, file: "vae")), weights: c.weights(.vae)))
        }
        let (text, unet, vae) = try models(ckpt)
        let (referenceText, referenceUNet, referenceVAE) = try models(safetensors)
        let tokens = [[49406, 320, 1125, 539, 320, 2368, 49407] + [Int](repeating: 49407, count: 70)]
        let context = text.encode(tokens)
        #expect(context == referenceText.encode(tokens))
        let sample = Tensor(shape: [1, 4, 8, 8], scalars: (0..<256).map { Float(($0 * 37) % 101) / 50 - 1 })
        #expect(unet(sample, timestep: 500, context: context) == referenceUNet(sample, timestep: 500, context: context))
        #expect(vae.decode(sample) == referenceVAE.decode(sample))
    }

    @Test("the .ckpt resolves as a single-file model")
    func resolves() throws {
        let url = Fixtures.url("pickle/tiny-sd1.ckpt")
        #expect(try ModelLocation.resolve(url.path) == .singleFile(url))
    }

    @Test("an LDM-layout VAE .pt reads the same tensors as its safetensors form")
    func vae() throws {
        let pickle = try TensorArchives.open(Fixtures.url("pickle/tiny-vae.pt"))
        let reference = try TensorArchives.open(Fixtures.url("vae/tiny-vae.safetensors"))
        #expect(pickle.shapes == reference.shapes)
        for name in reference.shapes.keys.sorted() { #expect(try pickle.tensor(name) == reference.tensor(name), "\(name)") }
    }
}
