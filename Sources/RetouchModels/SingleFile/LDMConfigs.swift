import Foundation

/// Diffusers `config.json` values to start from when a single file's shapes do not say everything
/// (attention heads, norm groups, activation, …), like diffusers' `from_single_file(config=…)`.
///
/// Keys read from the checkpoint's shapes always win over a template; a template wins over Stable Diffusion's
/// conventions, which apply when it is empty.
public struct LDMConfigTemplates: Sendable, Equatable {
    /// The UNet's `config.json` values.
    public var unet: [String: JSONValue]
    /// The VAE's `config.json` values.
    public var vae: [String: JSONValue]
    /// The text encoder's `config.json` values.
    public var textEncoder: [String: JSONValue]
    /// The scheduler's `scheduler_config.json` values.
    public var scheduler: [String: JSONValue]

    /// Empty templates: Stable Diffusion's conventions fill what shapes do not give.
    public init(unet: [String: JSONValue] = [:], vae: [String: JSONValue] = [:],
                textEncoder: [String: JSONValue] = [:], scheduler: [String: JSONValue] = [:]) {
        self.unet = unet
        self.vae = vae
        self.textEncoder = textEncoder
        self.scheduler = scheduler
    }

    /// The configs of a diffusers folder (`unet/config.json`, `vae/config.json`, `text_encoder/config.json`,
    /// `scheduler/scheduler_config.json`); a missing file leaves that template empty, a malformed one is an error.
    public init(folder: URL) throws {
        func read(_ component: String, _ file: String = "config.json") throws -> [String: JSONValue] {
            let url = folder.appendingPathComponent(component).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
            return try ConfigReader(url: url).values
        }
        self.init(unet: try read("unet"), vae: try read("vae"), textEncoder: try read("text_encoder"),
                  scheduler: try read("scheduler", "scheduler_config.json"))
    }
}

/// What a model predicts; single files do not record it, so it is an option (SD 2.x 768-v models: v).
public enum LDMPredictionType: String, Sendable, CaseIterable {
    /// The added noise (SD 1.x, SD 2.x base 512).
    case epsilon
    /// The velocity `α·ε − σ·x₀` (SD 2.x 768-v).
    case vPrediction = "v_prediction"
}

/// Diffusers-style configs inferred from a single file's layouts.
enum LDMConfigs {
    static func merge(_ conventions: [String: JSONValue], _ template: [String: JSONValue],
                      _ inferred: [String: JSONValue]) -> [String: JSONValue] {
        conventions.merging(template) { $1 }.merging(inferred) { $1 }
    }

    static func ints(_ values: [Int]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
    static func int(_ value: Int) -> JSONValue { .number(Double(value)) }
    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    /// Heads of `width` channels at SD2's 64 channels per head (1 for widths that are not multiples of 64).
    static func heads64(_ width: Int) -> Int { width % 64 == 0 ? width / 64 : 1 }

    static func unet(_ layout: LDMUNetLayout, openCLIP: Bool, prediction: LDMPredictionType,
                     template: [String: JSONValue]) -> [String: JSONValue] {
        let conventions: [String: JSONValue] = [
            "_class_name": .string("UNet2DConditionModel"),
            // diffusers' quirk: attention_head_dim means heads. SD1: 8 heads everywhere; SD2: 64-wide heads.
            "attention_head_dim": openCLIP ? ints(layout.blockOutChannels.map(heads64)) : int(8),
            "norm_num_groups": int(32), "norm_eps": .number(1e-5),
            // SD 2.1-v's config upcasts attention (a no-op for Retouch's float32 compute).
            "upcast_attention": .bool(openCLIP && prediction == .vPrediction),
            "sample_size": int(prediction == .vPrediction ? 96 : 64), "flip_sin_to_cos": .bool(true),
            "freq_shift": int(0), "act_fn": .string("silu"), "center_input_sample": .bool(false),
            "downsample_padding": int(1),
        ]
        let inferred: [String: JSONValue] = [
            "in_channels": int(layout.inChannels), "out_channels": int(layout.outChannels),
            "block_out_channels": ints(layout.blockOutChannels), "layers_per_block": int(layout.layersPerBlock),
            "down_block_types": strings(layout.downAttention.map { $0 ? "CrossAttnDownBlock2D" : "DownBlock2D" }),
            "up_block_types": strings(layout.upAttention.map { $0 ? "CrossAttnUpBlock2D" : "UpBlock2D" }),
            "mid_block_type": .string("UNetMidBlock2DCrossAttn"),
            "cross_attention_dim": int(layout.crossAttentionDim),
            "use_linear_projection": .bool(layout.linearProjection),
            "transformer_layers_per_block": int(layout.transformerDepth),
        ]
        return merge(conventions, template, inferred)
    }

    static func vae(_ layout: LDMVAELayout, prediction: LDMPredictionType,
                    template: [String: JSONValue]) -> [String: JSONValue] {
        let levels = layout.blockOutChannels.count
        let conventions: [String: JSONValue] = [
            "_class_name": .string("AutoencoderKL"), "norm_num_groups": int(32), "act_fn": .string("silu"),
            "scaling_factor": .number(0.18215), "sample_size": int(prediction == .vPrediction ? 768 : 512),
        ]
        let inferred: [String: JSONValue] = [
            "in_channels": int(layout.inChannels), "out_channels": int(layout.outChannels),
            "latent_channels": int(layout.latentChannels), "block_out_channels": ints(layout.blockOutChannels),
            "layers_per_block": int(layout.layersPerBlock),
            "down_block_types": strings(Array(repeating: "DownEncoderBlock2D", count: levels)),
            "up_block_types": strings(Array(repeating: "UpDecoderBlock2D", count: levels)),
            "mid_block_add_attention": .bool(layout.midAttention),
            "use_quant_conv": .bool(layout.quantConv), "use_post_quant_conv": .bool(layout.postQuantConv),
        ]
        return merge(conventions, template, inferred)
    }

    static func textEncoder(_ layout: LDMTextLayout, template: [String: JSONValue]) -> [String: JSONValue] {
        let openCLIP = layout.kind == .openCLIP
        let conventions: [String: JSONValue] = [
            "architectures": strings(["CLIPTextModel"]), "model_type": .string("clip_text_model"),
            "num_attention_heads": int(heads64(layout.hiddenSize)),  // ViT-L/14: 12 × 64; ViT-H/14: 16 × 64
            "hidden_act": .string(openCLIP ? "gelu" : "quick_gelu"), "layer_norm_eps": .number(1e-5),
            "projection_dim": int(layout.projectionDim ?? layout.hiddenSize),
            "bos_token_id": int(0), "eos_token_id": int(2), "pad_token_id": int(1),
        ]
        let inferred: [String: JSONValue] = [
            "vocab_size": int(layout.vocabSize), "hidden_size": int(layout.hiddenSize),
            "intermediate_size": int(layout.intermediateSize), "num_hidden_layers": int(layout.usedLayers),
            "max_position_embeddings": int(layout.maxPositions),
        ]
        return merge(conventions, template, inferred)
    }

    static func scheduler(prediction: LDMPredictionType, template: [String: JSONValue]) -> [String: JSONValue] {
        let conventions: [String: JSONValue] = [
            "_class_name": .string("DDIMScheduler"), "num_train_timesteps": int(1000),
            "beta_start": .number(0.00085), "beta_end": .number(0.012), "beta_schedule": .string("scaled_linear"),
            "steps_offset": int(1), "clip_sample": .bool(false), "set_alpha_to_one": .bool(false),
            "timestep_spacing": .string("leading"),
        ]
        return merge(conventions, template, ["prediction_type": .string(prediction.rawValue)])
    }

    static func encode(_ values: [String: JSONValue]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(values)
    }
}
