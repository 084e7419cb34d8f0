import Foundation
import RetouchSafetensors

/// A Stable Diffusion 1.x/2.x single-file checkpoint in the original LDM/CompVis layout (`.safetensors`),
/// seen as three diffusers-named weight sources with inferred diffusers configs.
///
/// The architecture comes from tensor shapes: in_channels (4, or 9 for inpainting), channels per level, resnets
/// per level, which levels attend, linear or convolutional `proj_in`, the cross-attention width, the VAE's
/// levels, and SD1's OpenAI CLIP versus SD2's OpenCLIP text encoder. What shapes cannot tell (heads, norm groups,
/// prediction type) comes from `Options`. Every stored key must map to a diffusers tensor or be on an explicit
/// ignore list; anything else is an error naming the file and the key.
public struct LDMCheckpoint: Sendable {
    /// What the file cannot tell.
    public struct Options: Sendable, Equatable {
        /// The model's prediction type (SD 2.x 768-v models: `.vPrediction`); written to the scheduler config.
        public var predictionType: LDMPredictionType
        /// Config values to start from (e.g. the matching diffusers repository's configs).
        public var templates: LDMConfigTemplates

        /// Creates options; by default epsilon prediction and Stable Diffusion's conventions.
        public init(predictionType: LDMPredictionType = .epsilon, templates: LDMConfigTemplates = .init()) {
            self.predictionType = predictionType
            self.templates = templates
        }
    }

    /// The file.
    public let url: URL
    /// The UNet's architecture, from shapes.
    public let unetLayout: LDMUNetLayout
    /// The VAE's architecture, from shapes.
    public let vaeLayout: LDMVAELayout
    /// The text encoder's architecture, from shapes.
    public let textLayout: LDMTextLayout
    /// The UNet's weights under `UNet2DConditionModel` names.
    public let unet: RemappedWeights
    /// The VAE's weights under `AutoencoderKL` names.
    public let vae: RemappedWeights
    /// The text encoder's weights under `CLIPTextModel` names (`text_model.*`).
    public let textEncoder: RemappedWeights
    /// The UNet's inferred `config.json`.
    public let unetConfig: Data
    /// The VAE's inferred `config.json`.
    public let vaeConfig: Data
    /// The text encoder's inferred `config.json`.
    public let textEncoderConfig: Data
    /// A `scheduler_config.json` with SD's training schedule and the chosen prediction type.
    public let schedulerConfig: Data
    /// Stored keys that are known and unused (schedule buffers, EMA copies, SD2's last OpenCLIP layer, …).
    public let ignoredKeys: [String]

    /// The tokenizer's pad token: `<|endoftext|>` for SD1's CLIP, `!` for SD2's OpenCLIP.
    public var padToken: String { textLayout.kind == .openCLIP ? "!" : "<|endoftext|>" }

    /// Opens `url` (safetensors, or a PyTorch `.ckpt` read as data by `PickleCheckpoint`), infers the
    /// architecture and maps every tensor.
    public init(url: URL, options: Options = .init()) throws {
        let file = try TensorArchives.open(url)
        let plan = try LDMCheckpointPlan(shapes: file.shapes, origin: file.path)
        self.url = url
        unetLayout = plan.unetLayout
        vaeLayout = plan.vaeLayout
        textLayout = plan.textLayout
        unet = RemappedWeights(file: file, component: .unet, entries: plan.entries[.unet] ?? [:])
        vae = RemappedWeights(file: file, component: .vae, entries: plan.entries[.vae] ?? [:])
        textEncoder = RemappedWeights(file: file, component: .textEncoder, entries: plan.entries[.textEncoder] ?? [:])
        ignoredKeys = plan.ignoredKeys
        let configs = plan.configs(options)
        unetConfig = try LDMConfigs.encode(configs[.unet] ?? [:])
        vaeConfig = try LDMConfigs.encode(configs[.vae] ?? [:])
        textEncoderConfig = try LDMConfigs.encode(configs[.textEncoder] ?? [:])
        schedulerConfig = try LDMConfigs.encode(LDMConfigs.scheduler(prediction: options.predictionType,
                                                                     template: options.templates.scheduler))
    }

    /// The weights of `component`.
    public func weights(_ component: LDMComponent) -> RemappedWeights {
        switch component {
        case .unet: unet
        case .vae: vae
        case .textEncoder: textEncoder
        }
    }
}
