import Foundation
import Testing
import RetouchModels
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// Strict loading: a checkpoint that does not fit the architecture is an error naming the file and the key,
/// never a silently random or ignored weight.
struct LoadingErrorTests {
    /// A copy of tiny-sd1's VAE weights with `edit` applied, written to a temporary file.
    static func editedVAE(_ edit: (inout [String: Tensor]) -> Void) throws -> (URL, SafetensorsWeights) {
        let source = try SafetensorsFile(url: Fixtures.url("models/tiny-sd1/vae/diffusion_pytorch_model.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in source.tensorNames { tensors[name] = try source.tensor(name) }
        edit(&tensors)
        let directory = try Fixtures.temporaryDirectory()
        let url = directory.appendingPathComponent("vae.safetensors")
        try SafetensorsWriter.write(tensors, to: url)
        return (directory, try SafetensorsWeights(urls: [url]))
    }

    static func vaeConfig() throws -> VAEConfig { try DiffusersFolder(url: Fixtures.url("models/tiny-sd1")).vaeConfig() }

    @Test("a missing key names the key and the expected shape")
    func missingKey() throws {
        let (directory, weights) = try Self.editedVAE { $0["decoder.conv_out.bias"] = nil }
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ModelLoadingError(origin: directory.appendingPathComponent("vae.safetensors").path,
                                          key: "decoder.conv_out.bias", problem: "missing from the checkpoint (expected shape [3])")) {
            try AutoencoderKL(config: Self.vaeConfig(), weights: weights)
        }
    }

    @Test("an unexpected key is an error, not ignored")
    func unexpectedKey() throws {
        let (directory, weights) = try Self.editedVAE { $0["decoder.conv_outt.weight"] = Tensor(shape: [1], repeating: 0) }
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try AutoencoderKL(config: Self.vaeConfig(), weights: weights)
            Issue.record("an unused key was accepted")
        } catch let error as ModelLoadingError {
            #expect(error.key == "decoder.conv_outt.weight")
            #expect(error.problem == "not used by the model")
        }
    }

    @Test("a shape mismatch names both shapes")
    func shapeMismatch() throws {
        let (directory, weights) = try Self.editedVAE { $0["encoder.conv_in.weight"] = Tensor(shape: [8, 3, 5, 5], repeating: 0) }
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try AutoencoderKL(config: Self.vaeConfig(), weights: weights)
            Issue.record("a mis-shaped weight was accepted")
        } catch let error as ModelLoadingError {
            #expect(error.key == "encoder.conv_in.weight")
            #expect(error.problem == "shape [8, 3, 5, 5] does not match the model's [8, 3, 3, 3]")
        }
    }

    @Test("a folder without model_index.json is refused")
    func notAFolder() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ModelLoadingError(origin: directory.path, problem: "not a diffusers folder: model_index.json is missing")) {
            try DiffusersFolder(url: directory)
        }
    }

    @Test("a component with only pickle weights reads them; a broken one is an error naming the file")
    func pickleOnly() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"_class_name": "StableDiffusionPipeline"}"#.utf8).write(to: directory.appendingPathComponent("model_index.json"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("unet"), withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("unet/diffusion_pytorch_model.bin")
        try Data([0x80, 0x02]).write(to: file)
        do {
            _ = try DiffusersFolder(url: directory).weights("unet")
            Issue.record("a truncated pickle was accepted")
        } catch {
            #expect("\(error)".contains(file.path), "\(error)")
        }
        try FileManager.default.removeItem(at: file)
        try FileManager.default.copyItem(at: Fixtures.url("pickle/tiny-vae.pt"), to: file)
        let weights = try DiffusersFolder(url: directory).weights("unet")
        let reference = try SafetensorsWeights(urls: [Fixtures.url("vae/tiny-vae.safetensors")])
        #expect(weights.tensorNames == reference.tensorNames)
        for name in reference.tensorNames.sorted() { #expect(try weights.tensor(name) == reference.tensor(name), "\(name)") }
    }

    @Test("a text encoder with only transformers' pytorch_model.bin reads it")
    func pytorchModelBin() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"_class_name": "StableDiffusionPipeline"}"#.utf8).write(to: directory.appendingPathComponent("model_index.json"))
        let folder = directory.appendingPathComponent("text_encoder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.url("pickle/tiny-vae.pt"), to: folder.appendingPathComponent("pytorch_model.bin"))
        let weights = try DiffusersFolder(url: directory).storedWeights("text_encoder")
        let reference = try SafetensorsWeights(urls: [Fixtures.url("vae/tiny-vae.safetensors")])
        #expect(weights.tensorNames == reference.tensorNames)
    }

    @Test("a shard index naming a missing shard is refused")
    func missingShard() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"_class_name": "StableDiffusionPipeline"}"#.utf8).write(to: directory.appendingPathComponent("model_index.json"))
        let unet = directory.appendingPathComponent("unet")
        try FileManager.default.createDirectory(at: unet, withIntermediateDirectories: true)
        try Data(#"{"weight_map": {"conv_in.weight": "diffusion_pytorch_model-00001-of-00002.safetensors"}}"#.utf8)
            .write(to: unet.appendingPathComponent("diffusion_pytorch_model.safetensors.index.json"))
        do {
            _ = try DiffusersFolder(url: directory).weights("unet")
            Issue.record("a missing shard was accepted")
        } catch let error as ModelLoadingError {
            #expect(error.problem.contains("lists shard 'diffusion_pytorch_model-00001-of-00002.safetensors', which is not in"))
        }
    }
}
