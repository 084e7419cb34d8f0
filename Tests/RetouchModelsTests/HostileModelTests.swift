import Foundation
import Testing
import RetouchModels
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// Hostile variants of the tiny fixture models, built in temporary folders: every one is refused when loaded, with
/// an error naming the file, the key and the value.
struct HostileModelTests {
    /// One edit of a JSON file and what the error must say.
    struct ConfigCase: CustomTestStringConvertible, Sendable {
        let file: String
        let key: String
        let value: JSONValue
        let message: String
        var testDescription: String { "\(file) \(key) = \(value.text)" }
    }

    static func json(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let flag): flag
        case .number(let number): number
        case .string(let text): text
        case .array(let values): values.map(json)
        case .object(let values): values.mapValues(json)
        }
    }

    static let configCases: [ConfigCase] = [
        .init(file: "unet/config.json", key: "num_attention_heads", value: .number(0), message: "value 0 is outside the allowed range 1…8192"),
        .init(file: "unet/config.json", key: "attention_head_dim", value: .number(0), message: "value 0 is outside the allowed range 1…8192"),
        .init(file: "unet/config.json", key: "attention_head_dim", value: .number(5), message: "value 5 does not divide level 0's 32 channels"),
        .init(file: "unet/config.json", key: "norm_num_groups", value: .number(0), message: "value 0 is outside the allowed range 1…32"),
        .init(file: "unet/config.json", key: "norm_num_groups", value: .number(-16), message: "value -16 is outside the allowed range 1…32"),
        .init(file: "unet/config.json", key: "norm_num_groups", value: .number(33), message: "value 33 is outside the allowed range 1…32"),
        .init(file: "unet/config.json", key: "norm_num_groups", value: .number(32), message: "value 32 does not divide 48 channels"),
        .init(file: "unet/config.json", key: "norm_num_groups", value: .number(12), message: "value 12 does not divide 32 channels"),
        .init(file: "unet/config.json", key: "sample_size", value: .number(100_000), message: "value 100000 is outside the allowed range 1…1250"),
        .init(file: "unet/config.json", key: "sample_size", value: .number(0), message: "value 0 is outside the allowed range 1…1250"),
        .init(file: "unet/config.json", key: "in_channels", value: .number(-4), message: "value -4 is outside the allowed range 1…64"),
        .init(file: "unet/config.json", key: "out_channels", value: .number(0), message: "value 0 is outside the allowed range 1…64"),
        .init(file: "unet/config.json", key: "block_out_channels", value: .array([.number(32), .number(0)]),
              message: "value 0 is outside the allowed range 1…8192"),
        .init(file: "unet/config.json", key: "block_out_channels", value: .array([]), message: "has 0 entries; allowed 1…8"),
        .init(file: "unet/config.json", key: "layers_per_block", value: .number(0), message: "value 0 is outside the allowed range 1…16"),
        .init(file: "unet/config.json", key: "layers_per_block", value: .array([.number(1), .number(1), .number(1)]),
              message: "has 3 entries for 2 blocks"),
        .init(file: "unet/config.json", key: "down_block_types",
              value: .array([.string("CrossAttnDownBlock2D"), .string("DownBlock2D"), .string("DownBlock2D")]),
              message: "has 3 entries for 2 levels"),
        .init(file: "unet/config.json", key: "transformer_layers_per_block", value: .number(0), message: "value 0 is outside the allowed range 1…128"),
        .init(file: "unet/config.json", key: "cross_attention_dim", value: .number(-16), message: "value -16 is outside the allowed range 1…65536"),
        .init(file: "unet/config.json", key: "norm_eps", value: .number(-1), message: "value -1.0 is outside the allowed range (0.0, 1.0)"),
        .init(file: "unet/config.json", key: "freq_shift", value: .number(7), message: "value 7 is outside the allowed range 0…1"),
        .init(file: "vae/config.json", key: "scaling_factor", value: .number(0), message: "value 0.0 is outside the allowed range (0.0, 1000.0)"),
        .init(file: "vae/config.json", key: "scaling_factor", value: .number(-0.18215), message: "value -0.18215 is outside the allowed range"),
        .init(file: "vae/config.json", key: "norm_num_groups", value: .number(0), message: "value 0 is outside the allowed range 1…8"),
        .init(file: "vae/config.json", key: "norm_num_groups", value: .number(3), message: "value 3 does not divide 8 channels"),
        .init(file: "vae/config.json", key: "latent_channels", value: .number(0), message: "value 0 is outside the allowed range 1…64"),
        .init(file: "vae/config.json", key: "layers_per_block", value: .number(-1), message: "value -1 is outside the allowed range 1…16"),
        .init(file: "vae/config.json", key: "in_channels", value: .number(1), message: "value 1 is outside the allowed range 3…3"),
        .init(file: "vae/config.json", key: "sample_size", value: .number(100_000), message: "value 100000 is outside the allowed range 1…10000"),
        .init(file: "vae/config.json", key: "block_out_channels", value: .array(Array(repeating: .number(16), count: 9)),
              message: "has 9 entries; allowed 1…8"),
        .init(file: "text_encoder/config.json", key: "num_attention_heads", value: .number(0), message: "value 0 is outside the allowed range 1…16"),
        .init(file: "text_encoder/config.json", key: "num_attention_heads", value: .number(3), message: "value 3 does not divide hidden_size 16"),
        .init(file: "text_encoder/config.json", key: "hidden_size", value: .number(0), message: "value 0 is outside the allowed range 1…65536"),
        .init(file: "text_encoder/config.json", key: "vocab_size", value: .number(0), message: "value 0 is outside the allowed range 1…1000000"),
        .init(file: "text_encoder/config.json", key: "max_position_embeddings", value: .number(-77), message: "value -77 is outside the allowed range 1…4096"),
        .init(file: "text_encoder/config.json", key: "num_hidden_layers", value: .number(0), message: "value 0 is outside the allowed range 1…128"),
        .init(file: "text_encoder/config.json", key: "intermediate_size", value: .number(0), message: "value 0 is outside the allowed range 1…65536"),
        .init(file: "text_encoder/config.json", key: "layer_norm_eps", value: .number(0), message: "value 0.0 is outside the allowed range (0.0, 1.0)"),
    ]

    @Test("hostile config.json values are errors naming the file, key and value", arguments: configCases)
    func hostileConfig(_ hostile: ConfigCase) throws {
        let model = try HostileCopy.model("tiny-sd1")
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        if hostile.key == "attention_head_dim" { try HostileCopy.edit(model, hostile.file, key: "num_attention_heads", value: NSNull()) }
        try HostileCopy.edit(model, hostile.file, key: hostile.key, value: Self.json(hostile.value))
        let folder = try DiffusersFolder(url: model)
        do {
            switch hostile.file {
            case "unet/config.json": _ = try folder.unetConfig()
            case "vae/config.json": _ = try folder.vaeConfig()
            default: _ = try folder.textEncoderConfig()
            }
            Issue.record("\(hostile) was accepted")
        } catch let error as ConfigError {
            #expect(error.file == model.appendingPathComponent(hostile.file).path)
            #expect(error.key == hostile.key, "\(error)")
            #expect(error.problem.contains(hostile.message), "\(error)")
            #expect(error.description.contains("\(hostile.file): key '\(hostile.key)': "), "\(error)")
        }
    }

    @Test("a number too large for a double is refused, not read as infinity", arguments: ["unet/config.json", "vae/config.json"])
    func nonFiniteNumber(file: String) throws {
        let model = try HostileCopy.model("tiny-sd1")
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        let url = model.appendingPathComponent(file)
        let key = file.hasPrefix("unet") ? "norm_eps" : "scaling_factor"
        let text = try String(contentsOf: url, encoding: .utf8)
        let edited = text.replacingOccurrences(of: #""\#(key)": "#, with: #""\#(key)": 1e999, "was": "#)
        #expect(edited != text)
        try HostileCopy.write(model, file, edited)
        let folder = try DiffusersFolder(url: model)
        #expect(throws: ConfigError.self) { _ = file.hasPrefix("unet") ? try folder.unetConfig().sampleSize : try folder.vaeConfig().latentChannels }
    }

    @Test("model_index.json must name an SD 1.x/2.x pipeline", arguments: [
        ("StableDiffusionXLPipeline", "'StableDiffusionXLPipeline' is not supported yet: SDXL pipelines are not implemented"),
        ("StableDiffusionXLInpaintPipeline", "'StableDiffusionXLInpaintPipeline' is not supported yet: SDXL pipelines are not implemented"),
        ("StableDiffusionXLImg2ImgPipeline", "'StableDiffusionXLImg2ImgPipeline' is not supported yet: SDXL pipelines are"),
        ("FluxPipeline", "'FluxPipeline' is not supported yet: this pipeline is not implemented"),
        (nil, "missing or not a string"),
    ] as [(String?, String)])
    func unsupportedPipeline(className: String?, message: String) throws {
        let model = try HostileCopy.model("tiny-sd1")
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        try HostileCopy.edit(model, "model_index.json", key: "_class_name", value: className)
        do {
            _ = try DiffusersFolder(url: model)
            Issue.record("\(className ?? "nil") was accepted")
        } catch let error as ModelLoadingError {
            #expect(error.origin == model.appendingPathComponent("model_index.json").path)
            #expect(error.key == "_class_name")
            #expect(error.problem.contains(message), "\(error)")
            #expect(error.problem.contains("supported: StableDiffusionPipeline, StableDiffusionImg2ImgPipeline, StableDiffusionInpaintPipeline"))
        }
    }

    @Test("the supported pipelines open", arguments: [("tiny-sd1", ModelIndex.Pipeline.textToImage), ("tiny-sd2", .textToImage),
                                                      ("tiny-inpaint", .inpaint), ("tiny-lcm", .latentConsistency)])
    func supportedPipelines(model: String, pipeline: ModelIndex.Pipeline) throws {
        let folder = try DiffusersFolder(url: Fixtures.url("models/\(model)"))
        #expect(folder.index.pipeline == pipeline)
    }

    /// A copy of `component`'s weights with `tensor`'s element 1 replaced by `value`, stored as `storage`.
    static func poison(_ model: URL, component: String, tensor: String, value: Float, storage: SafetensorsWriter.Storage) throws {
        let base = component == "text_encoder" ? "model" : "diffusion_pytorch_model"
        let url = model.appendingPathComponent("\(component)/\(base).safetensors")
        let file = try SafetensorsFile(url: url)
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames { tensors[name] = try file.tensor(name, releasePages: false) }
        tensors[tensor]?.scalars[1] = value
        try SafetensorsWriter.write(tensors, to: url, storage: storage)
    }

    @Test("a NaN or Inf weight is an error naming the file and tensor", arguments: [
        ("unet", "conv_in.weight", Float.nan, SafetensorsWriter.Storage.f32, "holds NaN"),
        ("unet", "conv_in.weight", Float.infinity, .f16, "holds Inf"),
        ("unet", "down_blocks.0.attentions.0.proj_in.weight", -Float.infinity, .bf16, "holds Inf"),
        ("vae", "decoder.conv_out.bias", Float.nan, .f16, "holds NaN"),
        ("text_encoder", "final_layer_norm.weight", Float.nan, .f32, "holds NaN"),  // stored unprefixed, as transformers ≥ 5.6 writes
    ] as [(String, String, Float, SafetensorsWriter.Storage, String)])
    func nonFiniteWeight(component: String, tensor: String, value: Float, storage: SafetensorsWriter.Storage, message: String) throws {
        let model = try HostileCopy.model("tiny-sd1")
        defer { try? FileManager.default.removeItem(at: model.deletingLastPathComponent()) }
        try Self.poison(model, component: component, tensor: tensor, value: value, storage: storage)
        let folder = try DiffusersFolder(url: model)
        do {
            switch component {
            case "unet": _ = try UNet2DConditionModel(config: folder.unetConfig(), weights: folder.weights("unet"))
            case "vae": _ = try AutoencoderKL(config: folder.vaeConfig(), weights: folder.weights("vae"))
            default: _ = try CLIPTextModel(config: folder.textEncoderConfig(), weights: folder.weights("text_encoder"))
            }
            Issue.record("a \(value) in \(tensor) was accepted")
        } catch let error as SafetensorsError {
            #expect(error.file.hasSuffix("\(component)/\(component == "text_encoder" ? "model" : "diffusion_pytorch_model").safetensors"))
            #expect(error.tensor == tensor)
            #expect(error.problem.contains("\(message) (first at element 1 of"), "\(error)")
        }
    }

    @Test("single-file checkpoints with hostile shapes are errors, not crashes", arguments: [
        ("model.diffusion_model.input_blocks.500.0.weight", [4], "input block index 500 is outside the allowed range"),
        ("model.diffusion_model.out.2.weight", [0, 32, 3, 3], "value 0 is outside the allowed range 1…64"),
        ("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", [49408, 0],
         "key 'hidden_size': value 0 is outside the allowed range 1…65536"),
    ] as [(String, [Int], String)])
    func hostileSingleFile(key: String, shape: [Int], message: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try SafetensorsFile(url: Fixtures.url("models/tiny-sd1.safetensors"))
        var tensors: [String: Tensor] = [:]
        for name in source.tensorNames { tensors[name] = try source.tensor(name, releasePages: false) }
        tensors[key] = Tensor(shape: shape, repeating: 0.5)
        let url = directory.appendingPathComponent("hostile.safetensors")
        try SafetensorsWriter.write(tensors, to: url)
        do {
            let templates = try LDMConfigTemplates(folder: Fixtures.url("models/tiny-sd1"))
            let checkpoint = try LDMCheckpoint(url: url, options: .init(templates: templates))
            _ = try UNetConfig(ConfigReader(data: checkpoint.unetConfig, file: url.path))
            _ = try CLIPTextConfig(ConfigReader(data: checkpoint.textEncoderConfig, file: url.path))
            Issue.record("\(key) \(shape) was accepted")
        } catch {
            #expect("\(error)".contains(url.path), "\(error)")
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test("components that do not fit together are refused, naming both sides", arguments: [
        ("in_channels", "value 5 does not fit the VAE's latent_channels 4 (allowed: 4, or 9 for inpainting)"),
        ("out_channels", "value 3 must equal the VAE's latent_channels 4"),
        ("cross_attention_dim", "value 24 must equal the text encoder's hidden_size 16"),
        ("sample_size", "value 1251 × the VAE's factor 8 gives 10008 px per side"),
        ("model_max_length", "value 78 exceeds the text encoder's max_position_embeddings 77"),
        ("vocab.json", "49409 tokens exceed the text encoder's vocab_size 49408"),
    ])
    func incompatibleComponents(field: String, message: String) throws {
        let folder = try DiffusersFolder(url: Fixtures.url("models/tiny-sd1"))
        var unet = try folder.unetConfig()
        let vae = try folder.vaeConfig()
        let text = try folder.textEncoderConfig()
        var (length, vocabulary) = (77, 49408)
        try ComponentCompatibility.check(unet: unet, vae: vae, text: text, tokenizerLength: length, tokenizerVocabulary: vocabulary, origin: "tiny")
        switch field {
        case "in_channels": unet.inChannels = 5
        case "out_channels": unet.outChannels = 3
        case "cross_attention_dim": unet.crossAttentionDim = [16, 24]
        case "sample_size": unet.sampleSize = 1251
        case "model_max_length": length = 78
        default: vocabulary = 49409
        }
        do {
            try ComponentCompatibility.check(unet: unet, vae: vae, text: text, tokenizerLength: length, tokenizerVocabulary: vocabulary, origin: "tiny")
            Issue.record("\(field) was accepted")
        } catch let error as ModelLoadingError {
            #expect(error.origin == "tiny")
            #expect(error.key?.hasSuffix(field) == true, "\(error)")
            #expect(error.problem.contains(message), "\(error)")
        }
    }
}
