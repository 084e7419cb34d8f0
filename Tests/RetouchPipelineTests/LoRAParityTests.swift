import Foundation
import Testing
import Retouch
import RetouchImaging
import RetouchModels
import RetouchSchedulers
import RetouchTestSupport

/// Images from tiny-sd1 with LoRAs merged at load, against diffusers `load_lora_weights` + `fuse_lora(lora_scale=w)`
/// (fixtures/lora, diffusers 0.42.1, peft 0.21.2): a kohya LoRA (UNet attention, 1×1 and 3×3 conv, text encoder)
/// and a PEFT LoRA saved by `save_lora_weights` with `lora_adapter_metadata`, each at 1 and 0.5, and the two
/// stacked. Same seed: ≥ 45 dB PSNR, and the image without the LoRA is far from the reference.
struct LoRAParityTests {
    struct Lora: Decodable, Sendable { let file: String, te: Float, unet: Float }
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let id: String, loras: [Lora], model: String
        let weights_only: Bool?
        var description: String { id }
    }
    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("lora/cases.json")),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases.filter { $0.weights_only != true }
    }()
    static let base = try? StableDiffusion.load(Fixtures.url("models/tiny-sd1").path)

    static var settings: DiffusionSettings {
        var settings = DiffusionSettings(prompt: "a photo of a cat")
        settings.negativePrompt = "blurry"
        settings.steps = 6
        settings.guidance = 12
        settings.seed = 1234
        settings.scheduler = .euler
        return settings
    }

    @Test("five image cases: kohya and PEFT at 1 and 0.5, and both stacked")
    func coverage() { #expect(Self.cases.map(\.id).sorted() == ["kohya-0.5", "kohya-1.0", "peft-0.5", "peft-1.0", "stacked"]) }

    @Test("same image as diffusers' fused LoRA (PSNR ≥ 45 dB); without the LoRA it differs", arguments: cases)
    func images(_ c: Case) throws {
        var options = StableDiffusion.LoadOptions()
        options.loras = c.loras.map { LoRAChoice(url: Fixtures.url("lora/files/\($0.file)"), textEncoderWeight: $0.te, unetWeight: $0.unet) }
        let model = try StableDiffusion.load(Fixtures.url("models/tiny-sd1").path, options: options)
        let reference = try ImageIO.read(Fixtures.url("lora/reference/\(c.id).png")).converted(toChannels: 3)
        let with = try EditPipelines(model: model).generate(Self.settings, width: 64, height: 64).image
        let without = try EditPipelines(model: try #require(Self.base)).generate(Self.settings, width: 64, height: 64).image
        print("\(c.id): \(with.psnr(reference)) dB (without the LoRA \(without.psnr(reference)) dB)")
        #expect(with.psnr(reference) >= 45, "\(c.id): \(with.psnr(reference)) dB")
        #expect(without.psnr(reference) < 40, "\(c.id): without the LoRA \(without.psnr(reference)) dB")
    }

    @Test("the infotext field is A1111's Lora hashes: name and the first 12 hex of the safetensors data hash")
    func infotext() throws {
        var options = StableDiffusion.LoadOptions()
        options.loras = [LoRAChoice(url: Fixtures.url("lora/files/kohya.safetensors"), textEncoderWeight: 0.5, unetWeight: 0.5),
                         LoRAChoice(url: Fixtures.url("lora/files/peft.safetensors"))]
        let model = try StableDiffusion.load(Fixtures.url("models/tiny-sd1").path, options: options)
        let field = try #require(model.infotextFields.first { $0.0 == "Lora hashes" })
        #expect(field.1.hasPrefix("\"kohya: ") && field.1.contains(", peft: ") && field.1.hasSuffix("\""))
        let hash = field.1.dropFirst("\"kohya: ".count).prefix(12)
        #expect(hash.count == 12 && hash.allSatisfy(\.isHexDigit))
    }

    @Test("prompt tags choose LoRAs by file stem and leave the text; an unknown name names the folder")
    func tags() throws {
        let folder = Fixtures.url("lora/files")
        let choices = try LoRAChoice.fromTags(in: ["a cat <lora:kohya:0.5> <lora:peft:0.25:1>", ""], folder: folder)
        #expect(choices.map(\.name) == ["kohya", "peft"])
        #expect(choices.map(\.textEncoderWeight) == [0.5, 0.25] && choices.map(\.unetWeight) == [0.5, 1])
        #expect(LoRATag.stripped("a cat <lora:kohya:0.5>, sitting") == "a cat , sitting")
        #expect { try LoRAChoice.fromTags(in: ["<lora:nosuch:1>"], folder: folder) } throws: { "\($0)".contains("nosuch") && "\($0)".contains(folder.path) }
        #expect { try LoRATag.tags(in: "<lora:kohya:lots>") } throws: { "\($0)".contains("lots") }
        #expect { try LoRATag.tags(in: "<lora:kohya:1:0.5:2>") } throws: { "\($0)".contains("has 3 weights") }
    }

    @Test("--lora PATH[:WEIGHT]: the weight after the last colon; a bad weight or missing file is an error")
    func argument() throws {
        let choice = try LoRAChoice(argument: "/tmp/a.safetensors:0.7")
        #expect(choice.url.path == "/tmp/a.safetensors" && choice.unetWeight == 0.7 && choice.textEncoderWeight == 0.7)
        #expect(try LoRAChoice(argument: "/tmp/a.safetensors").unetWeight == 1)
        #expect { try LoRAChoice(argument: "/tmp/a.safetensors:heavy") } throws: { "\($0)".contains("heavy") }
        var options = StableDiffusion.LoadOptions()
        options.loras = [LoRAChoice(url: URL(fileURLWithPath: "/nonexistent/x.safetensors"))]
        #expect { try StableDiffusion.load(Fixtures.url("models/tiny-sd1").path, options: options) } throws: {
            "\($0)".contains("/nonexistent/x.safetensors") && "\($0)".contains("does not exist")
        }
    }
}
