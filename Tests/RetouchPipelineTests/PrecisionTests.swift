import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchModels
import RetouchTensor
import RetouchTestSupport

/// bf16 mode: weights held as bfloat16 and products through Retouch's bf16 GEMM give images within 30 dB PSNR of
/// the fp32 ones (which match diffusers), for every mode on the tiny fixtures.
struct PrecisionTests {
    static func settings() -> DiffusionSettings {
        var settings = DiffusionSettings(prompt: "a photo of a cat")
        settings.steps = 6
        settings.seed = 31
        settings.scheduler = .dpmSolver2M
        return settings
    }

    @Test("bf16 images stay within 30 dB PSNR of fp32", arguments: ["generate", "img2img", "inpaint-9", "inpaint-4", "generate-sd2"])
    func bf16CloseToFP32(mode: String) throws {
        let name = mode == "inpaint-9" ? "tiny-inpaint" : mode == "generate-sd2" ? "tiny-sd2" : "tiny-sd1"
        let path = Fixtures.url("models/\(name)").path
        let fp32 = EditPipelines(model: try StableDiffusion.load(path))
        let bf16 = EditPipelines(model: try StableDiffusion.load(path, options: .init(precision: .bf16)))
        let photo = try ImageIO.read(Fixtures.url("pipelines/inputs/coffee-64.png"))
        let mask = try Mask.read(Fixtures.url("pipelines/inputs/mask-64.png"))
        func run(_ pipelines: EditPipelines) throws -> Image {
            switch mode {
            case "img2img": return try pipelines.img2img(photo: photo, settings: Self.settings(), strength: 0.7).image
            case "inpaint-9", "inpaint-4":
                var options = InpaintOptions()
                options.maskBlur = 0
                return try pipelines.inpaint(photo: photo, mask: mask, settings: Self.settings(), options: options).image
            default: return try pipelines.generate(Self.settings(), width: 64, height: 64).image
            }
        }
        let reference = try run(fp32), candidate = try run(bf16)
        let quality = reference.psnr(candidate)
        print("bf16 vs fp32 (\(mode)): \(quality) dB")
        #expect(quality >= 30, "bf16 vs fp32: \(quality) dB")
        #expect(quality < .infinity, "bf16 gave fp32's exact pixels: the bf16 path did not run")
    }

    @Test("the VAE holds bf16 weights only where the CPU multiplies bf16 in hardware; fp32 stays fp32")
    func vaePrecisionFollowsTheCPU() throws {
        let path = Fixtures.url("models/tiny-sd1").path
        let native = GEMM.BF16Path.automatic.resolved.hasNativeBF16Arithmetic
        #expect(try StableDiffusion.load(path, options: .init(precision: .bf16)).vae.precision == (native ? .bf16 : .fp32))
        #expect(try StableDiffusion.load(path).vae.precision == .fp32)
        #expect(GEMM.BF16Path.allCases.filter(\.hasNativeBF16Arithmetic) == [.avx512bf16, .amx])
    }
}
