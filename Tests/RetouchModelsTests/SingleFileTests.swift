import Foundation
import Testing
import RetouchModels
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// Single-file LDM checkpoints (fixtures/models/tiny-sd{1,2}.safetensors, written by make_parity_fixtures.py from
/// the matching diffusers folders and checked there with diffusers' from_single_file) map onto exactly the
/// folders' tensors: the same names, shapes and values, and configs the typed decoders read identically.
struct SingleFileTests {
    static let pairs = [("tiny-sd1", "tiny-sd1.safetensors"), ("tiny-sd2", "tiny-sd2.safetensors")]

    static func open(_ file: String, templatesFrom folder: String? = nil,
                     prediction: LDMPredictionType = .epsilon) throws -> LDMCheckpoint {
        let templates = try folder.map { try LDMConfigTemplates(folder: Fixtures.url("models/\($0)")) } ?? .init()
        return try LDMCheckpoint(url: Fixtures.url("models/\(file)"),
                                 options: .init(predictionType: prediction, templates: templates))
    }

    @Test("every component maps onto the folder's names, shapes and values", arguments: pairs)
    func tensorsMatchFolder(folderName: String, file: String) throws {
        let checkpoint = try Self.open(file)
        let folder = try DiffusersFolder(url: Fixtures.url("models/\(folderName)"))
        for component in LDMComponent.allCases {
            let mine = checkpoint.weights(component)
            let reference = try folder.weights(component.rawValue)
            #expect(mine.tensorNames == reference.tensorNames, "\(component): \(mine.tensorNames.symmetricDifference(reference.tensorNames).sorted())")
            for name in reference.tensorNames.sorted() {
                #expect(mine.shape(of: name) == reference.shape(of: name), "\(component) \(name)")
                #expect(try mine.tensor(name) == reference.tensor(name), "\(component) \(name)")
            }
        }
    }

    @Test("with the folder's configs as templates, the typed configs equal the folder's", arguments: pairs)
    func configsWithTemplates(folderName: String, file: String) throws {
        let prediction: LDMPredictionType = folderName == "tiny-sd2" ? .vPrediction : .epsilon
        let checkpoint = try Self.open(file, templatesFrom: folderName, prediction: prediction)
        let folder = try DiffusersFolder(url: Fixtures.url("models/\(folderName)"))
        #expect(try UNetConfig(ConfigReader(data: checkpoint.unetConfig, file: "unet")) == folder.unetConfig())
        #expect(try VAEConfig(ConfigReader(data: checkpoint.vaeConfig, file: "vae")) == folder.vaeConfig())
        #expect(try CLIPTextConfig(ConfigReader(data: checkpoint.textEncoderConfig, file: "text_encoder"))
                == folder.textEncoderConfig())
        let scheduler = try ConfigReader(data: checkpoint.schedulerConfig, file: "scheduler")
        #expect(try scheduler.string("prediction_type") == prediction.rawValue)
    }

    @Test("without templates, shape-derived keys equal the folder's and the rest follow SD's conventions",
          arguments: pairs)
    func configsFromShapesAlone(folderName: String, file: String) throws {
        let checkpoint = try Self.open(file)
        let root = Fixtures.url("models/\(folderName)")
        let unet = try ConfigReader(data: checkpoint.unetConfig, file: "unet").values
        let folderUNet = try ConfigReader(url: root.appendingPathComponent("unet/config.json")).values
        for key in ["in_channels", "out_channels", "block_out_channels", "layers_per_block", "down_block_types",
                    "up_block_types", "mid_block_type", "cross_attention_dim", "use_linear_projection",
                    "transformer_layers_per_block"] {
            #expect(unet[key] == folderUNet[key], "unet \(key): \(unet[key]?.text ?? "nil") vs \(folderUNet[key]?.text ?? "nil")")
        }
        let vae = try ConfigReader(data: checkpoint.vaeConfig, file: "vae").values
        let folderVAE = try ConfigReader(url: root.appendingPathComponent("vae/config.json")).values
        for key in ["in_channels", "out_channels", "latent_channels", "block_out_channels", "layers_per_block",
                    "down_block_types", "up_block_types", "mid_block_add_attention", "use_quant_conv", "use_post_quant_conv"] {
            #expect(vae[key] == folderVAE[key], "vae \(key)")
        }
        let text = try ConfigReader(data: checkpoint.textEncoderConfig, file: "text_encoder").values
        let folderText = try ConfigReader(url: root.appendingPathComponent("text_encoder/config.json")).values
        for key in ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "max_position_embeddings",
                    "hidden_act"] {
            #expect(text[key] == folderText[key], "text_encoder \(key)")
        }
        // Conventions: SD1 8 heads per UNet level; SD2 64-wide heads (1 where a width is not a multiple of 64).
        let sd2 = folderName == "tiny-sd2"
        #expect(unet["attention_head_dim"] == (sd2 ? .array([.number(1), .number(1), .number(1)]) : .number(8)))
        #expect(unet["norm_num_groups"] == .number(32))
        #expect(vae["scaling_factor"] == .number(0.18215))
        #expect(checkpoint.padToken == (sd2 ? "!" : "<|endoftext|>"))
        // (SD's 32 norm groups do not divide these tiny widths, so only a template makes them decodable.)
    }

    @Test("SD2: 24 OpenCLIP layers stored, the penultimate's 23 used; training leftovers ignored")
    func openCLIPLayers() throws {
        let checkpoint = try Self.open("tiny-sd2.safetensors")
        #expect(checkpoint.textLayout.kind == .openCLIP)
        #expect(checkpoint.textLayout.storedLayers == 24)
        #expect(checkpoint.textLayout.usedLayers == 23)
        let ignored = Set(checkpoint.ignoredKeys)
        for key in ["betas", "alphas_cumprod", "model_ema.decay", "cond_stage_model.model.text_projection",
                    "cond_stage_model.model.logit_scale",
                    "cond_stage_model.model.transformer.resblocks.23.attn.in_proj_weight"] {
            #expect(ignored.contains(key), "\(key) should be ignored")
        }
        #expect(!ignored.contains { $0.contains("resblocks.22.") })
        let sd1 = try Self.open("tiny-sd1.safetensors")
        #expect(sd1.ignoredKeys.contains("cond_stage_model.transformer.text_model.embeddings.position_ids"))
    }

    @Test("a text encoder built from the SD2 single file computes the reference hidden states")
    func openCLIPTextEncoderComputes() throws {
        let checkpoint = try Self.open("tiny-sd2.safetensors", templatesFrom: "tiny-sd2")
        let config = try CLIPTextConfig(ConfigReader(data: checkpoint.textEncoderConfig, file: "text_encoder"))
        let encoder = try CLIPTextModel(config: config, weights: checkpoint.textEncoder)
        let ids = try NumpyArray(fixture: "models/tiny-sd2/reference/prompt_ids.npy")
        let length = ids.shape[1]
        let tokens = (0..<ids.shape[0]).map { Array(ids.integers[($0 * length)..<(($0 + 1) * length)]) }
        let expected = try NumpyArray(fixture: "models/tiny-sd2/reference/text_last_hidden_state.npy").tensor
        let closeness = Closeness(encoder.encode(tokens), expected)
        #expect(closeness.isWithin(1e-4), "\(closeness)")
    }

    @Test("a VAE and UNet built from the single files compute the reference outputs", arguments: pairs)
    func networksCompute(folderName: String, file: String) throws {
        let checkpoint = try Self.open(file, templatesFrom: folderName)
        func reference(_ name: String) throws -> Tensor {
            try NumpyArray(fixture: "models/\(folderName)/reference/\(name).npy").tensor
        }
        func expectClose(_ actual: Tensor, _ expected: Tensor, _ what: String) {
            let closeness = Closeness(actual, expected)
            #expect(closeness.isWithin(1e-4), "\(folderName) \(what): \(closeness)")
        }
        let vae = try AutoencoderKL(config: VAEConfig(ConfigReader(data: checkpoint.vaeConfig, file: "vae")),
                                    weights: checkpoint.vae)
        expectClose(vae.encode(try reference("vae_input")).mean, try reference("vae_mean"), "VAE mean")
        expectClose(vae.decode(try reference("vae_latent")), try reference("vae_decoded"), "VAE decode")
        let unet = try UNet2DConditionModel(config: UNetConfig(ConfigReader(data: checkpoint.unetConfig, file: "unet")),
                                            weights: checkpoint.unet)
        let output = unet(try reference("unet_sample"), timestep: 981, context: try reference("unet_context"))
        expectClose(output, try reference("unet_t981"), "UNet at t=981")
    }

    @Test("an unknown key is an error naming the file and the key")
    func unknownKey() throws {
        let source = try SafetensorsFile(url: Fixtures.url("models/tiny-sd1.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in source.tensorNames { tensors[name] = try source.tensor(name) }
        tensors["model.diffusion_model.input_blocks.1.0.in_layers.9.weight"] = Tensor(shape: [2], repeating: 1)
        let folder = try Fixtures.temporaryDirectory("ldm-unknown")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("odd.safetensors")
        try SafetensorsWriter.write(tensors, to: url)
        do {
            _ = try LDMCheckpoint(url: url)
            Issue.record("an unknown key was accepted")
        } catch let error as ModelLoadingError {
            #expect(error.origin == url.path)
            #expect(error.key == "model.diffusion_model.input_blocks.1.0.in_layers.9.weight")
            #expect(error.description.contains("unknown tensor"))
        }
    }

    @Test("a file without model.diffusion_model.* is not taken for a checkpoint")
    func notAnLDMFile() throws {
        let url = Fixtures.url("models/tiny-sd1/vae/diffusion_pytorch_model.safetensors")
        #expect(throws: ModelLoadingError.self) { try LDMCheckpoint(url: url) }
    }
}

/// fp8 single-file checkpoints (UNet stored as `F8_E4M3`) load like fp16 ones.
@Suite("fp8 single-file checkpoints")
struct Float8CheckpointTests {
    @Test("an fp8 UNet checkpoint builds every component")
    func loads() throws {
        let url = Fixtures.url("models/tiny-sd1-fp8.safetensors")
        let checkpoint = try LDMCheckpoint(url: url, options: .init(templates: LDMConfigTemplates(folder: Fixtures.url("models/tiny-sd1"))))
        let unet = try UNet2DConditionModel(config: UNetConfig(ConfigReader(data: checkpoint.unetConfig, file: url.path)), weights: checkpoint.unet)
        #expect(unet.config.inChannels == 4)
        _ = try AutoencoderKL(config: VAEConfig(ConfigReader(data: checkpoint.vaeConfig, file: url.path)), weights: checkpoint.vae)
        _ = try CLIPTextModel(config: CLIPTextConfig(ConfigReader(data: checkpoint.textEncoderConfig, file: url.path)), weights: checkpoint.textEncoder)
    }
}
