import Foundation
import Testing
import Retouch
import RetouchFiles
import RetouchImaging
import RetouchTestSupport

/// TAESD in the commands: `--vae TAESD` encodes and decodes with it, `--decoder taesd:PATH` decodes only while the
/// VAE encodes, both giving diffusers' images (references by `fixtures/taesd/make_taesd_fixtures.py`), and the
/// infotext records them as AUTOMATIC1111 does (`VAE: name`; `VAE Decoder: TAESD`).
@Suite("TAESD commands")
struct TAESDCommandTests {
    static let model = Fixtures.url("models/tiny-sd1").path
    static let common = ["--prompt", "a photo of a cat", "--scheduler", "euler", "--steps", "6", "--seed", "1234",
                         "--guidance", "7.5", "--output", "out.png"]

    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String, directory: URL) {
        let directory = try Fixtures.temporaryDirectory()
        let result = try ConvertCommandTests.retouch(arguments, in: directory)
        return (result.status, result.stderr, directory)
    }

    @Test("generate --vae TAESD gives diffusers' image with AutoencoderTiny as the VAE (≥ 45 dB)",
          arguments: ["taesd/tiny-taesd", "taesd/original", "taesd/original-pth/taesd_decoder.pth"])
    func generateWithTAESD(form: String) throws {
        let result = try Self.run(["generate", "--model", Self.model, "--vae", Fixtures.url(form).path,
                                   "--width", "64", "--height", "64"] + Self.common)
        #expect(result.status == 0, "\(result.stderr)")
        let image = try ImageIO.read(result.directory.appendingPathComponent("out.png"))
        let psnr = image.psnr(try ImageIO.read(Fixtures.url("taesd/reference/generate-euler-taesd.png")))
        #expect(psnr >= 45, "\(psnr) dB")
        print("generate --vae \(form): \(psnr) dB")
        let name = URL(fileURLWithPath: form).lastPathComponent
        #expect(image.text["parameters"]?.contains("VAE: \(name)") == true, "\(image.text["parameters"] ?? "")")
    }

    @Test("img2img --vae TAESD encodes with it too, drawing no posterior noise, as diffusers does (≥ 45 dB)")
    func img2imgWithTAESD() throws {
        let result = try Self.run(["img2img", Fixtures.url("pipelines/inputs/coffee-64.png").path, "--model", Self.model,
                                   "--vae", Fixtures.url("taesd/tiny-taesd").path, "--strength", "0.6"] + Self.common)
        #expect(result.status == 0, "\(result.stderr)")
        let image = try ImageIO.read(result.directory.appendingPathComponent("out.png"))
        let psnr = image.psnr(try ImageIO.read(Fixtures.url("taesd/reference/img2img-euler-taesd.png")))
        #expect(psnr >= 45, "\(psnr) dB")
        print("img2img --vae taesd: \(psnr) dB")
    }

    @Test("img2img --decoder taesd:PATH encodes with the model's VAE and decodes with the TAESD (≥ 45 dB)",
          arguments: ["taesd/tiny-taesd", "taesd/original/taesd_decoder.safetensors"])
    func img2imgDecoderOnly(form: String) throws {
        let result = try Self.run(["img2img", Fixtures.url("pipelines/inputs/coffee-64.png").path, "--model", Self.model,
                                   "--decoder", "taesd:" + Fixtures.url(form).path, "--strength", "0.6"] + Self.common)
        #expect(result.status == 0, "\(result.stderr)")
        let image = try ImageIO.read(result.directory.appendingPathComponent("out.png"))
        let psnr = image.psnr(try ImageIO.read(Fixtures.url("taesd/reference/img2img-euler-decoder-taesd.png")))
        #expect(psnr >= 45, "\(psnr) dB")
        print("img2img --decoder taesd:\(form): \(psnr) dB")
        #expect(image.text["parameters"]?.contains("VAE Decoder: TAESD") == true, "\(image.text["parameters"] ?? "")")
        #expect(image.psnr(try ImageIO.read(Fixtures.url("taesd/reference/img2img-euler-taesd.png"))) < 40)
    }

    @Test("bad --decoder values are usage errors naming the flag", arguments: [
        ("full", "--decoder must be taesd:PATH"), ("taesd:", "--decoder must be taesd:PATH"), ("taesd", "--decoder must be taesd:PATH"),
    ])
    func badDecoderFlag(value: String, message: String) throws {
        let result = try Self.run(["generate", "--model", Self.model, "--decoder", value, "--prompt", "a", "--output", "out.png"])
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("a --decoder that is not a TAESD, or missing, is an error naming it and the flag; no output is written", arguments: [
        ("vae/tiny-vae", "expected AutoencoderTiny"), ("vae/tiny-vae.safetensors", "not a TAESD"), ("taesd/nothing-here", "no such file"),
        ("taesd/taesd16/taesd_decoder.safetensors", "this TAESD decodes 16-channel latents"),
    ])
    func decoderRefusals(path: String, problem: String) throws {
        let result = try Self.run(["generate", "--model", Self.model, "--decoder", "taesd:" + Fixtures.url(path).path,
                                   "--prompt", "a", "--steps", "1", "--output", "out.png"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--decoder") && result.stderr.contains(problem), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: result.directory.appendingPathComponent("out.png").path))
    }

    @Test("--vae with a lone taesd_decoder file cannot encode: an error pointing to --decoder")
    func vaeNeedsEncoder() throws {
        let directory = try Fixtures.temporaryDirectory()
        let file = directory.appendingPathComponent("taesd_decoder.safetensors")
        try FileManager.default.copyItem(at: Fixtures.url("taesd/original/taesd_decoder.safetensors"), to: file)
        let result = try ConvertCommandTests.retouch(["generate", "--model", Self.model, "--vae", file.path, "--prompt", "a",
                                                      "--steps", "1", "--output", "out.png"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no encoder weights") && result.stderr.contains("--decoder taesd:PATH"), "\(result.stderr)")
    }
}
