import Foundation
import Testing
import RetouchFiles
import RetouchModels
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// A models folder in AUTOMATIC1111's layout: what it lists, how names resolve, and what each file is told to be.
@Suite("Models folder")
struct ModelsFolderTests {
    /// A models folder holding the tiny fixtures, some in subfolders, beside files that are not models.
    static func makeFolder() throws -> URL {
        let root = try Fixtures.temporaryDirectory("models-folder")
        let manager = FileManager.default
        for sub in ["Stable-diffusion/sd1", "VAE", "Lora", "LyCORIS", "embeddings/negative"] {
            try manager.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try manager.createSymbolicLink(at: root.appendingPathComponent("Stable-diffusion/tiny-sd1"), withDestinationURL: Fixtures.url("models/tiny-sd1"))
        try manager.copyItem(at: Fixtures.url("models/tiny-sd2.safetensors"), to: root.appendingPathComponent("Stable-diffusion/sd1/tiny-sd2.safetensors"))
        try manager.copyItem(at: Fixtures.url("vae/tiny-vae.safetensors"), to: root.appendingPathComponent("VAE/tiny-vae.safetensors"))
        try manager.copyItem(at: Fixtures.url("embeddings/files/kohyaone.safetensors"), to: root.appendingPathComponent("embeddings/negative/kohyaone.safetensors"))
        try manager.copyItem(at: Fixtures.url("embeddings/files/sdxlemb.safetensors"), to: root.appendingPathComponent("embeddings/sdxlemb.safetensors"))
        for ignored in ["Stable-diffusion/sd1/tiny-sd2.yaml", "Stable-diffusion/sd1/tiny-sd2.preview.png", "VAE/.hidden.safetensors"] {
            try Data("not a model".utf8).write(to: root.appendingPathComponent(ignored))
        }
        return root
    }

    @Test("lists each kind's files and diffusers folders, in subfolders too, ignoring hidden and non-model files")
    func listing() throws {
        let folder = try ModelsFolder(root: Self.makeFolder())
        #expect(try folder.entries(.checkpoint).map(\.fileName) == ["sd1/tiny-sd2.safetensors", "tiny-sd1"])
        #expect(try folder.entries(.checkpoint).map(\.isFolder) == [false, true])
        #expect(try folder.entries(.vae).map(\.fileName) == ["tiny-vae.safetensors"])
        #expect(try folder.entries(.embedding).map(\.name) == ["negative/kohyaone", "sdxlemb"])
        #expect(try folder.entries(.lora).isEmpty)
    }

    @Test("a name is the path inside the kind's folder, with or without extension, or a unique stem", arguments: [
        "sd1/tiny-sd2.safetensors", "sd1/tiny-sd2", "tiny-sd2", "tiny-sd2.safetensors",
    ])
    func resolvesNames(name: String) throws {
        let root = try Self.makeFolder()
        let url = try ModelsFolder(root: root).resolve(name, kind: .checkpoint)
        #expect(url.lastPathComponent == "tiny-sd2.safetensors")
    }

    @Test("an AUTOMATIC1111 title 'name [hash]' resolves when the hash is the file's, and is refused when not")
    func titlesWithHashes() throws {
        let root = try Self.makeFolder()
        let folder = try ModelsFolder(root: root)
        let file = root.appendingPathComponent("Stable-diffusion/sd1/tiny-sd2.safetensors")
        let hash = try FileHash.shortHash(of: file)
        #expect(try folder.resolve("tiny-sd2.safetensors [\(hash)]", kind: .checkpoint).lastPathComponent == "tiny-sd2.safetensors")
        #expect(throws: ModelLoadingError.self) { try folder.resolve("tiny-sd2.safetensors [0123456789]", kind: .checkpoint) }
        do { _ = try folder.resolve("tiny-sd2 [0123456789]", kind: .checkpoint) } catch let error as ModelLoadingError {
            #expect(error.description.contains("its short hash is \(hash), not 0123456789"), "\(error)")
        }
    }

    @Test("an unknown name says which folder was searched and what it holds")
    func unknownName() throws {
        let folder = try ModelsFolder(root: Self.makeFolder())
        do {
            _ = try folder.resolve("dreamshaper", kind: .checkpoint)
            Issue.record("resolved a name that is not there")
        } catch let error as ModelLoadingError {
            #expect(error.description.contains("Stable-diffusion: no checkpoint named 'dreamshaper'; it holds: sd1/tiny-sd2, tiny-sd1"), "\(error)")
        }
    }

    @Test("a stem two files share is ambiguous and lists both")
    func ambiguousStem() throws {
        let root = try Self.makeFolder()
        try FileManager.default.copyItem(at: Fixtures.url("vae/tiny-vae.safetensors"), to: root.appendingPathComponent("VAE/tiny-vae.pt"))
        let folder = try ModelsFolder(root: root)
        do {
            _ = try folder.resolve("tiny-vae", kind: .vae)
            Issue.record("resolved an ambiguous name")
        } catch let error as ModelLoadingError {
            #expect(error.description.contains("matches several VAEs: tiny-vae.pt, tiny-vae.safetensors"), "\(error)")
        }
        #expect(try folder.resolve("tiny-vae.pt", kind: .vae).lastPathComponent == "tiny-vae.pt")
    }

    @Test("--models-dir wins over RETOUCH_MODELS_DIR; a missing folder is named with where it came from")
    func choosingTheFolder() throws {
        let root = try Self.makeFolder()
        let other = try Fixtures.temporaryDirectory("other-models")
        #expect(try ModelsFolder.chosen(flag: nil, environment: [:]) == nil)
        #expect(try ModelsFolder.chosen(flag: nil, environment: [ModelsFolder.environmentVariable: root.path])?.root == root.standardizedFileURL)
        #expect(try ModelsFolder.chosen(flag: other.path, environment: [ModelsFolder.environmentVariable: root.path])?.root == other.standardizedFileURL)
        do {
            _ = try ModelsFolder.chosen(flag: nil, environment: [ModelsFolder.environmentVariable: "/no/such/models"])
            Issue.record("accepted a missing folder")
        } catch let error as ModelLoadingError {
            #expect(error.description == "/no/such/models: the models folder does not exist (named by RETOUCH_MODELS_DIR)")
        }
    }

    @Test("an existing path is used as given; a name needs a models folder")
    func locating() throws {
        let root = try Self.makeFolder()
        let folder = try ModelsFolder(root: root)
        let direct = Fixtures.url("models/tiny-sd1.safetensors").path
        #expect(try ModelsFolder.locate(direct, kind: .checkpoint, in: folder) == direct)
        #expect(try ModelsFolder.locate("tiny-vae", kind: .vae, in: folder).hasSuffix("VAE/tiny-vae.safetensors"))
        #expect(try ModelsFolder.locate("org/name", kind: .checkpoint, in: folder) == "org/name")
        #expect(throws: ModelLoadingError.self) { try ModelsFolder.locate("tiny-vae", kind: .vae, in: nil) }
    }
}

/// What `retouch models` says a file is, from its shapes, config and metadata.
@Suite("Model architecture")
struct ModelArchitectureTests {
    static func file(_ tensors: [String: [Int]], metadata: [String: String] = [:], kind: ModelKind) throws -> ModelEntry {
        let url = try Fixtures.temporaryDirectory("architecture").appendingPathComponent("model.safetensors")
        try SafetensorsWriter.write(tensors.mapValues { Tensor(shape: $0, repeating: 0.01) }, to: url, storage: .f16, metadata: metadata)
        return ModelEntry(kind: kind, name: "model", fileName: "model.safetensors", url: url, isFolder: false)
    }

    static let unet = "model.diffusion_model."
    static let toK = "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"

    @Test("checkpoints: SD 1.x, SD 2.x inpainting, SDXL", arguments: [
        ([unet + "input_blocks.0.0.weight": [320, 4, 3, 3], unet + toK: [320, 768]], "SD 1.x"),
        ([unet + "input_blocks.0.0.weight": [320, 9, 3, 3], unet + toK: [320, 1024]], "SD 2.x inpainting"),
        ([unet + "input_blocks.0.0.weight": [320, 4, 3, 3], unet + "label_emb.0.0.weight": [1280, 2816]], "SDXL"),
        (["first_stage_model.decoder.conv_in.weight": [512, 4, 3, 3]], "not a Stable Diffusion checkpoint (no UNet input convolution)"),
    ])
    func checkpoints(shapes: [String: [Int]], expected: String) throws {
        #expect(ModelArchitecture.describe(try Self.file(shapes, kind: .checkpoint)) == expected)
    }

    @Test("LoRAs: flavour from the keys, base model from metadata, then from the cross-attention width", arguments: [
        (["lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight": [4, 768],
          "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight": [320, 4]], [:], "LoRA for SD 1.x"),
        (["lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight": [4, 320, 3, 3]], ["ss_base_model_version": "sd_v2"], "LoCon for SD 2.x"),
        (["lora_te1_text_model_encoder_layers_0_self_attn_q_proj.hada_w1_a": [768, 4]], [:], "LoHa for SDXL"),
        (["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight": [4, 1024]], [:], "LoRA for SD 2.x"),
        (["lora_unet_mid_block_attentions_0_proj_in.lokr_w1": [4, 4]], [:], "LoKr for unknown base model"),
    ])
    func loras(shapes: [String: [Int]], metadata: [String: String], expected: String) throws {
        #expect(ModelArchitecture.describe(try Self.file(shapes, metadata: metadata, kind: .lora)) == expected)
    }

    @Test("embeddings: the family from the vector width, and the vector count")
    func embeddings() throws {
        #expect(ModelArchitecture.describe(try Self.file(["emb_params": [3, 768]], kind: .embedding)) == "embedding for SD 1.x, 3 vectors")
        #expect(ModelArchitecture.describe(try Self.file(["emb_params": [1024]], kind: .embedding)) == "embedding for SD 2.x, 1 vector")
        let sdxl = ModelEntry(kind: .embedding, name: "sdxlemb", fileName: "sdxlemb.safetensors",
                              url: Fixtures.url("embeddings/files/sdxlemb.safetensors"), isFolder: false)
        #expect(ModelArchitecture.describe(sdxl) == "embedding for SDXL")
    }

    @Test("VAEs and diffusers folders, and a file that cannot be read says why")
    func vaesFoldersAndUnreadable() throws {
        let vae = ModelEntry(kind: .vae, name: "tiny-vae", fileName: "tiny-vae.safetensors", url: Fixtures.url("vae/tiny-vae.safetensors"), isFolder: false)
        #expect(ModelArchitecture.describe(vae) == "VAE, 4 latent channels")
        let folder = ModelEntry(kind: .checkpoint, name: "tiny-inpaint", fileName: "tiny-inpaint", url: Fixtures.url("models/tiny-inpaint"), isFolder: true)
        #expect(ModelArchitecture.describe(folder) == "unknown (text width 32) inpainting (diffusers folder)")
        let lcm = ModelEntry(kind: .checkpoint, name: "tiny-lcm", fileName: "tiny-lcm", url: Fixtures.url("models/tiny-lcm"), isFolder: true)
        #expect(ModelArchitecture.describe(lcm) == "unknown (text width 16) distilled LCM (diffusers folder)")
        let garbage = try Fixtures.temporaryDirectory("architecture").appendingPathComponent("garbage.safetensors")
        try Data("this is not a weights file at all".utf8).write(to: garbage)
        let unreadable = ModelEntry(kind: .lora, name: "garbage", fileName: "garbage.safetensors", url: garbage, isFolder: false)
        #expect(ModelArchitecture.describe(unreadable).hasPrefix("unreadable: "))
    }
}
