import Foundation
import Testing
import Retouch
import RetouchFiles
import RetouchImaging
import RetouchModels
import RetouchTensor
import RetouchTestSupport

/// `--vae`: a separate VAE replaces the checkpoint's, from a diffusers folder or a single file in the LDM layout
/// (with or without `first_stage_model.`), and the infotext names it as A1111 does.
@Suite("Separate VAE")
struct SeparateVAETests {
    static let model = Fixtures.url("models/tiny-sd1").path
    static let forms = ["vae/tiny-vae", "vae/tiny-vae.safetensors", "vae/tiny-vae-prefixed.safetensors", "pickle/tiny-vae.pt"]

    @Test("each form decodes a latent as diffusers' AutoencoderKL does", arguments: forms)
    func decodeParity(form: String) throws {
        let folder = try DiffusersFolder(url: Fixtures.url("models/tiny-sd1"))
        let vae = try StandaloneVAE(url: Fixtures.url(form), modelConfig: folder.config("vae").values)
        let model = try AutoencoderKL(config: vae.config, weights: vae.weights)
        let latent = try NumpyArray(fixture: "vae/reference/latent.npy").tensor
        let decoded = model.decode(latent)
        let closeness = Closeness(decoded, try NumpyArray(fixture: "vae/reference/decoded.npy").tensor)
        #expect(closeness.isWithin(1e-4), "\(closeness)")
    }

    @Test("generate --vae gives diffusers' image (≥ 45 dB) and records VAE hash and VAE", arguments: forms)
    func generateWithVAE(form: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try ConvertCommandTests.retouch(["generate", "--model", Self.model, "--vae", Fixtures.url(form).path,
                                                      "--prompt", "a photo of a cat", "--scheduler", "euler", "--steps", "6",
                                                      "--seed", "1234", "--guidance", "7.5", "--width", "64", "--height", "64",
                                                      "--output", "out.png"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let image = try ImageIO.read(directory.appendingPathComponent("out.png"))
        let reference = try ImageIO.read(Fixtures.url("vae/reference/generate-euler.png"))
        let own = try ImageIO.read(Fixtures.url("vae/reference/generate-euler-own-vae.png"))
        #expect(image.psnr(reference) >= 45)
        #expect(image.psnr(own) < 30)
        let hashedFile = form.hasSuffix(".safetensors") || form.hasSuffix(".pt") ? Fixtures.url(form) : Fixtures.url(form + "/diffusion_pytorch_model.safetensors")
        let name = URL(fileURLWithPath: form).lastPathComponent
        let expected = "Model: tiny-sd1, VAE hash: \(try FileHash.shortHash(of: hashedFile)), VAE: \(name)"
        #expect(image.text["parameters"]?.contains(expected) == true, "\(image.text["parameters"] ?? "")")
    }

    @Test("a file that is not a VAE, or a missing one, is an error naming it", arguments: [
        ("models/tiny-sd1/unet/diffusion_pytorch_model.safetensors", "not a VAE"),
        ("vae/nothing-here.safetensors", "no such file or folder"),
    ])
    func refusals(path: String, problem: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        let result = try ConvertCommandTests.retouch(["generate", "--model", Self.model, "--vae", Fixtures.url(path).path,
                                                      "--prompt", "a cat", "--steps", "1", "--output", "out.png"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains(problem) && result.stderr.contains(URL(fileURLWithPath: path).lastPathComponent), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.png").path))
    }
}
