import Foundation
import Testing
import RetouchTensor
import RetouchSafetensors
import RetouchTestSupport

/// `retouch generate` on hostile copies of the tiny model: exit status 1, `error: ` naming the file (or the place a
/// non-finite value appeared), and no output file.
struct HostileModelCommandTests {
    enum Damage: Sendable {
        /// Set a JSON key of one of the model's files.
        case json(file: String, key: String, value: Double?)
        /// Replace a JSON string value.
        case jsonString(file: String, key: String, value: String)
        /// Set every element of a weight tensor to `value` (element 0 only when `everywhere` is false).
        case weight(component: String, tensor: String, value: Float, everywhere: Bool)
    }

    static func damage(_ model: URL, _ damage: Damage) throws {
        switch damage {
        case .json(let file, let key, let value): try HostileCopy.edit(model, file, key: key, value: value)
        case .jsonString(let file, let key, let value): try HostileCopy.edit(model, file, key: key, value: value)
        case .weight(let component, let tensor, let value, let everywhere):
            let url = model.appendingPathComponent("\(component)/diffusion_pytorch_model.safetensors")
            let file = try SafetensorsFile(url: url)
            var tensors: [String: Tensor] = [:]
            for name in file.tensorNames { tensors[name] = try file.tensor(name, releasePages: false) }
            if everywhere {
                tensors[tensor] = Tensor(shape: tensors[tensor]?.shape ?? [], repeating: value)
            } else {
                tensors[tensor]?.scalars[0] = value
            }
            try SafetensorsWriter.write(tensors, to: url)
        }
    }

    @Test("hostile models fail with exit 1, a message naming the problem, and no output", arguments: [
        (Damage.weight(component: "unet", tensor: "conv_in.weight", value: .nan, everywhere: false),
         "unet/diffusion_pytorch_model.safetensors: tensor 'conv_in.weight': holds NaN"),
        (.json(file: "unet/config.json", key: "num_attention_heads", value: 0),
         "unet/config.json: key 'num_attention_heads': value 0 is outside the allowed range 1…8192"),
        (.json(file: "unet/config.json", key: "norm_num_groups", value: 0),
         "unet/config.json: key 'norm_num_groups': value 0 is outside the allowed range 1…32"),
        (.json(file: "vae/config.json", key: "norm_num_groups", value: 0),
         "vae/config.json: key 'norm_num_groups': value 0 is outside the allowed range 1…8"),
        (.jsonString(file: "model_index.json", key: "_class_name", value: "StableDiffusionXLPipeline"),
         "model_index.json: key '_class_name': 'StableDiffusionXLPipeline' is not supported yet: SDXL pipelines are not implemented"),
        (.json(file: "vae/config.json", key: "scaling_factor", value: 0),
         "vae/config.json: key 'scaling_factor': value 0.0 is outside the allowed range (0.0, 1000.0)"),
        (.json(file: "scheduler/scheduler_config.json", key: "steps_offset", value: 5000),
         "scheduler/scheduler_config.json: key 'steps_offset': value 5000 is outside the allowed range 0…999"),
        (.jsonString(file: "scheduler/scheduler_config.json", key: "_class_name", value: "DEISMultistepScheduler"),
         "scheduler/scheduler_config.json: key '_class_name': scheduler 'DEISMultistepScheduler' is not one Retouch implements yet"),
        (.json(file: "scheduler/scheduler_config.json", key: "original_inference_steps", value: 0),
         "scheduler/scheduler_config.json: key 'original_inference_steps': value 0 is outside the allowed range 1…1000"),
        (.weight(component: "unet", tensor: "conv_out.weight", value: 3e38, everywhere: true), "UNet output at step 1 "),
        (.weight(component: "vae", tensor: "decoder.conv_out.weight", value: 3e38, everywhere: true), "VAE decode output "),
    ] as [(Damage, String)])
    func hostileModel(damage: Damage, message: String) throws {
        let model = try HostileCopy.model("tiny-sd1")
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        try Self.damage(model, damage)
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try ConvertCommandTests.retouch(["generate", "--model", model.path, "--prompt", "a cat", "--steps", "2",
                                                      "--seed", "1", "--output", "out.png"], in: directory)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
