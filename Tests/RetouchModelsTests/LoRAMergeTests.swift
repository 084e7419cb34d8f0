import Foundation
import Testing
import RetouchModels
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// Merging LoRA and LyCORIS files into tiny-sd1 / tiny-inpaint weights (fixtures/lora, made by
/// make_lora_fixtures.py): every merged weight matches its reference (diffusers `fuse_lora`, or the NumPy formula
/// for LoHa, LoKr, Tucker and the zero-padded inpainting `conv_in`) within 1e-5; hostile files are refused by name.
struct LoRAMergeTests {
    struct Lora: Decodable, Sendable { let file: String, te: Float, unet: Float }
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let id: String, loras: [Lora], params: [String], model: String
        var description: String { id }
    }
    static let cases: [Case] = {
        struct File: Decodable { let cases: [Case] }
        guard let data = try? Data(contentsOf: Fixtures.url("lora/cases.json")),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    static func file(_ name: String) throws -> LoRAFile { try LoRAFile(url: Fixtures.url("lora/files/\(name)")) }

    static func weights(_ model: String, _ component: LoRAComponent, _ loras: [LoRAApplication]) throws -> LoRAWeights {
        let folder = try DiffusersFolder(url: Fixtures.url("models/\(model)"))
        let base = component == .unet ? try folder.weights("unet") : TextEncoderKeyNames(try folder.weights("text_encoder"))
        return try LoRAWeights(base, component: component, loras: loras)
    }

    @Test("the table covers kohya, PEFT at 0.5 and 1, stacking, LoHa, LoKr, Tucker and inpainting conv_in")
    func coverage() {
        #expect(Set(Self.cases.map(\.id)) == ["kohya-1.0", "kohya-0.5", "peft-1.0", "peft-0.5", "stacked", "loha", "loha_tucker",
                                              "lokr", "lokr_tucker", "locon_tucker", "inpaint_conv_in"])
    }

    @Test("merged weights equal the reference within 1e-5", arguments: cases)
    func mergedWeights(_ c: Case) throws {
        let loras = try c.loras.map { LoRAApplication(file: try Self.file($0.file), textEncoderWeight: $0.te, unetWeight: $0.unet) }
        for param in c.params {
            let parts = param.split(separator: "/", maxSplits: 1).map(String.init)
            let component: LoRAComponent = parts[0] == "unet" ? .unet : .textEncoder
            let source = try Self.weights(c.model, component, loras)
            let merged = try source.tensor(parts[1])
            let expected = try NumpyArray(fixture: "lora/reference/\(c.id)__\(parts[0])__\(parts[1]).npy")
            #expect(merged.count == expected.values.count)
            let worst = zip(merged.scalars, expected.values).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-5, "\(c.id) \(param): max difference \(worst)")
        }
    }

    @Test("kohya names reach every UNet attention, 1×1 and 3×3 conv layer and every text-encoder projection")
    func kohyaCoverage() throws {
        let lora = [LoRAApplication(file: try Self.file("kohya.safetensors"), textEncoderWeight: 1, unetWeight: 1)]
        let unet = try Self.weights("tiny-sd1", .unet, lora).patchedNames
        #expect(unet.contains("down_blocks.0.resnets.0.conv1.weight"))
        #expect(unet.contains("up_blocks.1.attentions.0.transformer_blocks.0.attn2.to_out.0.weight"))
        let text = try Self.weights("tiny-sd1", .textEncoder, lora).patchedNames
        #expect(text.contains("text_model.encoder.layers.2.mlp.fc2.weight"))
        #expect(lora[0].file.modules.count == unet.count + text.count)
    }

    @Test("keys that are not LoRA tensors are an error listing them")
    func unmatchedKeys() throws {
        #expect { try Self.file("hostile/unmatched.safetensors") } throws: { error in
            "\(error)".contains("something_else")
        }
    }

    @Test("a LoRA layer naming no layer of the model is an error listing it")
    func unknownLayer() throws {
        let folder = try DiffusersFolder(url: Fixtures.url("models/tiny-sd1"))
        let dir = try Fixtures.temporaryDirectory("lora-unknown")
        let url = dir.appendingPathComponent("x.safetensors")
        try SafetensorsWriter.write(["lora_unet_not_a_layer.lora_down.weight": Tensor(shape: [2, 32], repeating: 0.1),
                                         "lora_unet_not_a_layer.lora_up.weight": Tensor(shape: [32, 2], repeating: 0.1)], to: url)
        let file = try LoRAFile(url: url)
        #expect { try LoRAWeights(folder.weights("unet"), component: .unet, loras: [LoRAApplication(file: file, textEncoderWeight: 1, unetWeight: 1)]) } throws: { error in
            "\(error)".contains("lora_unet_not_a_layer.lora_down.weight") && "\(error)".contains("match no UNet weight")
        }
    }

    @Test("an SDXL LoRA is refused by name")
    func sdxl() {
        #expect { try Self.file("hostile/sdxl.safetensors") } throws: { error in "\(error)".contains("SDXL") }
    }

    @Test("a rank mismatch between lora_down and lora_up is an error naming the layer")
    func rankMismatch() throws {
        let lora = [LoRAApplication(file: try Self.file("hostile/rank_mismatch.safetensors"), textEncoderWeight: 1, unetWeight: 1)]
        let source = try Self.weights("tiny-sd1", .unet, lora)
        #expect { try source.tensor("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight") } throws: { error in
            "\(error)".contains("rank mismatch")
        }
    }

    @Test("a NaN in a LoRA tensor is an error naming the file and tensor")
    func nan() throws {
        let lora = [LoRAApplication(file: try Self.file("hostile/nan.safetensors"), textEncoderWeight: 1, unetWeight: 1)]
        let source = try Self.weights("tiny-sd1", .unet, lora)
        #expect { try source.tensor("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight") } throws: { error in
            "\(error)".contains("nan.safetensors") && "\(error)".contains("lora_down.weight")
        }
    }

    @Test("a LoRA whose shapes do not fit the model is refused before anything loads")
    func wrongShape() throws {
        let lora = [LoRAApplication(file: try Self.file("hostile/wrong_shape.safetensors"), textEncoderWeight: 1, unetWeight: 1)]
        #expect { try Self.weights("tiny-sd1", .unet, lora) } throws: { error in "\(error)".contains("made for another model") }
    }
}
