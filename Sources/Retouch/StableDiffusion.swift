import Foundation
import RetouchModels
import RetouchSchedulers
import RetouchTokenizer

/// A loaded Stable Diffusion checkpoint: tokenizer, text encoder, UNet, VAE and noise schedule, loaded once and
/// shared by every pipeline run.
public struct StableDiffusion: Sendable {
    /// Turns prompts into token ids.
    public let tokenizer: CLIPTokenizer
    /// Encodes token ids into the UNet's conditioning.
    public let textEncoder: CLIPTextModel
    /// Predicts noise (or v) from a noisy latent.
    public let unet: UNet2DConditionModel
    /// Encodes images to latents and decodes latents to images.
    public let vae: AutoencoderKL
    /// The checkpoint's noise schedule.
    public let schedulerConfig: SchedulerConfig
    /// The scheduler the checkpoint's folder names, when Retouch implements it.
    public let defaultScheduler: SchedulerKind?
    /// A short name for generation parameters (the folder or file name).
    public let name: String

    /// How to load.
    public struct LoadOptions: Sendable {
        /// Weight variant to prefer in diffusers folders (`fp16`, `bf16`).
        public var variant: String?
        /// For single-file checkpoints, which carry no scheduler config: v-prediction (SD 2.x 768-v) or epsilon.
        public var vPrediction: Bool
        /// Creates options.
        public init(variant: String? = nil, vPrediction: Bool = false) {
            self.variant = variant
            self.vPrediction = vPrediction
        }
    }

    /// Builds the bundle from parts (tests, benchmarks).
    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel, vae: AutoencoderKL,
                schedulerConfig: SchedulerConfig, defaultScheduler: SchedulerKind?, name: String) {
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.unet = unet
        self.vae = vae
        self.schedulerConfig = schedulerConfig
        self.defaultScheduler = defaultScheduler
        self.name = name
    }

    /// Loads a model from a `--model` argument: a diffusers folder, a single-file `.safetensors` checkpoint, or
    /// a Hugging Face id found in the local cache.
    public static func load(_ argument: String, options: LoadOptions = .init()) throws -> StableDiffusion {
        switch try ModelLocation.resolve(argument) {
        case .diffusersFolder(let url):
            let folder = try DiffusersFolder(url: url, variant: options.variant)
            let schedulerURL = url.appendingPathComponent("scheduler/scheduler_config.json")
            let schedulerConfig = try SchedulerConfig(url: schedulerURL)
            return StableDiffusion(
                tokenizer: try CLIPTokenizer(folder: url.appendingPathComponent("tokenizer")),
                textEncoder: try CLIPTextModel(config: folder.textEncoderConfig(), weights: folder.weights("text_encoder")),
                unet: try UNet2DConditionModel(config: folder.unetConfig(), weights: folder.weights("unet")),
                vae: try AutoencoderKL(config: folder.vaeConfig(), weights: folder.weights("vae")),
                schedulerConfig: schedulerConfig,
                defaultScheduler: try defaultScheduler(schedulerURL),
                name: url.lastPathComponent)
        case .singleFile(let url):
            let checkpoint = try LDMCheckpoint(url: url, options: .init(predictionType: options.vPrediction ? .vPrediction : .epsilon))
            let file = url.path
            return StableDiffusion(
                tokenizer: try CLIPTokenizer.bundled(padToken: checkpoint.padToken),
                textEncoder: try CLIPTextModel(config: CLIPTextConfig(ConfigReader(data: checkpoint.textEncoderConfig, file: file)),
                                               weights: checkpoint.textEncoder),
                unet: try UNet2DConditionModel(config: UNetConfig(ConfigReader(data: checkpoint.unetConfig, file: file)),
                                               weights: checkpoint.unet),
                vae: try AutoencoderKL(config: VAEConfig(ConfigReader(data: checkpoint.vaeConfig, file: file)), weights: checkpoint.vae),
                schedulerConfig: try SchedulerConfig(data: checkpoint.schedulerConfig, file: file),
                defaultScheduler: .pndm,
                name: url.deletingPathExtension().lastPathComponent)
        }
    }

    /// The scheduler a folder's `scheduler_config.json` names (`_class_name`), if Retouch has it.
    static func defaultScheduler(_ url: URL) throws -> SchedulerKind? {
        guard let data = try? Data(contentsOf: url),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let name = object["_class_name"] as? String else { return nil }
        switch name {
        case "DDIMScheduler": return .ddim
        case "PNDMScheduler": return .pndm
        case "EulerDiscreteScheduler": return .euler
        case "EulerAncestralDiscreteScheduler": return .eulerAncestral
        case "HeunDiscreteScheduler": return .heun
        case "LMSDiscreteScheduler": return .lms
        case "UniPCMultistepScheduler": return .unipc
        case "DPMSolverMultistepScheduler": return (object["use_karras_sigmas"] as? Bool) == true ? .dpmSolver2MKarras : .dpmSolver2M
        default: return nil
        }
    }

    /// Whether the UNet takes the mask and masked-image latent as extra input channels (9-channel inpainting).
    public var isInpaintingModel: Bool { unet.config.inChannels == 9 }
    /// Pixels per latent along each side.
    public var vaeScaleFactor: Int { vae.config.scaleFactor }
}
