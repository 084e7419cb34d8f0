import Foundation
import RetouchFiles
import RetouchModels
import RetouchSchedulers
import RetouchTensor
import RetouchTokenizer

/// Which model components stay in memory between the phases of a run.
public enum Residency: String, Sendable, CaseIterable {
    /// Every component stays loaded (repeated runs: batches, outpaint windows, services).
    case keepAll = "keep-all"
    /// Each component is dropped as soon as a run is done with it and loaded again from its files when next needed
    /// (the text encoder after the prompt, the VAE between encoding and decoding, the UNet after the last step), so
    /// a run's peak holds one large component's weights at a time. For one-shot commands.
    case lean
}

/// The model components a run can be done with.
public enum ModelComponent: Sendable { case textEncoder, unet, vae }

/// A loaded Stable Diffusion checkpoint: tokenizer, text encoder, UNet, VAE and noise schedule, loaded once and
/// shared by every pipeline run (or, with `Residency.lean`, loaded for each phase that needs them).
public struct StableDiffusion: Sendable {
    /// Turns prompts into token ids.
    public internal(set) var tokenizer: CLIPTokenizer
    /// Encodes token ids into the UNet's conditioning.
    public var textEncoder: CLIPTextModel { textEncoderSlot.value.withAddedTokenEmbedding(addedTokenRows) }
    /// Textual-inversion embeddings added for the run (`addingEmbeddings`), in id order.
    public internal(set) var embeddings: [TextualInversion] = []
    /// `[k, hidden]`: the embeddings' vectors, rows for the tokenizer's added ids.
    var addedTokenRows: Tensor?
    /// Predicts noise (or v) from a noisy latent.
    public var unet: UNet2DConditionModel { unetSlot.value }
    /// Encodes images to latents and decodes latents to images (the checkpoint's VAE, or a `--vae`: an
    /// `AutoencoderKL` or a TAESD).
    public var vae: ImageAutoencoder { vaeSlot.value }
    /// A TAESD decoder that decodes the final images instead of `vae`, which still encodes (`--decoder taesd:PATH`).
    /// Small (about 5 MB for SD's), so it stays loaded whatever the residency.
    public internal(set) var taesdDecoder: TAESDDecoder?
    /// The UNet's architecture (without loading it).
    public let unetConfig: UNetConfig
    /// The VAE's latent space: channels, pixels per latent, scaling (without loading it).
    public let latentSpace: LatentSpace
    /// Which components stay in memory between phases.
    public var residency: Residency = .keepAll
    let textEncoderSlot: ComponentSlot<CLIPTextModel>
    let unetSlot: ComponentSlot<UNet2DConditionModel>
    let vaeSlot: ComponentSlot<ImageAutoencoder>
    let conditioningCache = ConditioningCache()
    /// The checkpoint's noise schedule.
    public let schedulerConfig: SchedulerConfig
    /// The scheduler the checkpoint's folder names, when Retouch implements it.
    public let defaultScheduler: SchedulerKind?
    /// Why `defaultScheduler` is nil, naming the file and the class it names (nil when it is set).
    public var schedulerProblem: String?
    /// A short name for generation parameters (the folder or file name).
    public let name: String
    /// `Key: value` pairs the infotext writes after `Model` for the files loaded with it (`VAE hash`, `VAE`).
    public var infotextFields: [(String, String)] = []

    /// How to load.
    public struct LoadOptions: Sendable {
        /// Weight variant to prefer in diffusers folders (`fp16`, `bf16`).
        public var variant: String?
        /// For single-file checkpoints, which carry no scheduler config: v-prediction (SD 2.x 768-v) or epsilon.
        public var vPrediction: Bool
        /// Which components stay in memory between phases.
        public var residency: Residency
        /// The format of the weight matrices (and so of the products).
        public var precision: Precision
        /// A VAE to use instead of the checkpoint's (`--vae`): a diffusers VAE folder or a single file (see
        /// `StandaloneVAE`), or a TAESD in any of its forms (see `StandaloneTAESD`), which then encodes and decodes.
        public var vae: String?
        /// A TAESD that decodes the final images while the VAE still encodes (`--decoder taesd:PATH`); see `StandaloneTAESD`.
        public var taesdDecoder: String?
        /// LoRA/LyCORIS files merged into the text encoder and UNet as they load (`--lora`, `<lora:…>` tags).
        public var loras: [LoRAChoice] = []
        /// Creates options.
        public init(variant: String? = nil, vPrediction: Bool = false, residency: Residency = .keepAll, precision: Precision = .fp32) {
            self.variant = variant
            self.vPrediction = vPrediction
            self.residency = residency
            self.precision = precision
        }
    }

    /// Builds the bundle from loaded parts (tests, benchmarks); they stay in memory whatever the residency.
    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel, vae: ImageAutoencoder,
                schedulerConfig: SchedulerConfig, defaultScheduler: SchedulerKind?, name: String) {
        self.tokenizer = tokenizer
        textEncoderSlot = ComponentSlot(textEncoder, name: "text encoder")
        unetSlot = ComponentSlot(unet, name: "UNet")
        vaeSlot = ComponentSlot(vae, name: "VAE")
        unetConfig = unet.config
        latentSpace = vae.latentSpace
        self.schedulerConfig = schedulerConfig
        self.defaultScheduler = defaultScheduler
        self.name = name
    }

    /// Builds the bundle from loaded parts with an `AutoencoderKL` (source compatibility with code written before TAESD).
    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel, vae: AutoencoderKL,
                schedulerConfig: SchedulerConfig, defaultScheduler: SchedulerKind?, name: String) {
        self.init(tokenizer: tokenizer, textEncoder: textEncoder, unet: unet, vae: .kl(vae), schedulerConfig: schedulerConfig,
                  defaultScheduler: defaultScheduler, name: name)
    }

    /// Builds the bundle from loaders: each runs once now (so every file is read and checked up front) and again
    /// whenever `Residency.lean` has dropped its component and a run needs it. With `.lean`, each component is
    /// dropped before the next is loaded, so checking never holds more than one; the text encoder, which a run
    /// needs first, stays.
    public init(tokenizer: CLIPTokenizer, textEncoder: @escaping @Sendable () throws -> CLIPTextModel,
                unet: @escaping @Sendable () throws -> UNet2DConditionModel, vae: @escaping @Sendable () throws -> ImageAutoencoder,
                schedulerConfig: SchedulerConfig, defaultScheduler: SchedulerKind?, name: String, residency: Residency = .keepAll) throws {
        self.tokenizer = tokenizer
        unetSlot = ComponentSlot(try unet(), name: "UNet", reload: unet)
        unetConfig = unetSlot.value.config
        if residency == .lean { unetSlot.release(); MemoryPolicy.releaseFreeMemory() }
        vaeSlot = ComponentSlot(try vae(), name: "VAE", reload: vae)
        latentSpace = vaeSlot.value.latentSpace
        if residency == .lean { vaeSlot.release(); MemoryPolicy.releaseFreeMemory() }
        textEncoderSlot = ComponentSlot(try textEncoder(), name: "text encoder", reload: textEncoder)
        try ComponentCompatibility.check(unet: unetConfig, latents: latentSpace, text: textEncoderSlot.value.config,
                                         tokenizerLength: tokenizer.maxLength, tokenizerVocabulary: tokenizer.vocabularySize, origin: name)
        self.schedulerConfig = schedulerConfig
        self.defaultScheduler = defaultScheduler
        self.name = name
        self.residency = residency
    }

    /// Tells the bundle a run is done with `component` for now: with `Residency.lean` it is dropped from memory.
    public func finished(with component: ModelComponent) {
        guard residency == .lean else { return }
        switch component {
        case .textEncoder: textEncoderSlot.release()
        case .unet: unetSlot.release()
        case .vae: vaeSlot.release()
        }
        MemoryPolicy.releaseFreeMemory()
    }

    /// Loads a model from a `--model` argument: a diffusers folder, a single-file `.safetensors` checkpoint, or
    /// a Hugging Face id found in the local cache.
    public static func load(_ argument: String, options: LoadOptions = .init()) throws -> StableDiffusion {
        switch try ModelLocation.resolve(argument) {
        case .diffusersFolder(let url):
            let folder = try DiffusersFolder(url: url, variant: options.variant)
            let precision = options.precision
            let schedulerURL = url.appendingPathComponent("scheduler/scheduler_config.json")
            let schedulerConfig = try SchedulerConfig(url: schedulerURL)
            let scheduler = try defaultScheduler(schedulerURL)
            let replacement = try options.vae.map { try ReplacementVAE(vaeURL($0), modelConfig: folder.config("vae").values, variant: options.variant) }
            let loras = try openLoRAs(options.loras)
            var model = try StableDiffusion(
                tokenizer: try CLIPTokenizer(folder: url.appendingPathComponent("tokenizer")),
                textEncoder: { try CLIPTextModel(config: folder.textEncoderConfig(), weights: patched(folder.weights("text_encoder"), .textEncoder, loras), precision: precision) },
                unet: { try UNet2DConditionModel(config: folder.unetConfig(), weights: patched(folder.weights("unet"), .unet, loras), precision: precision) },
                vae: { try replacement?.load(precision: precision)
                        ?? .kl(AutoencoderKL(config: folder.vaeConfig(), weights: folder.weights("vae"), precision: precision)) },
                schedulerConfig: schedulerConfig,
                defaultScheduler: scheduler.kind,
                name: url.lastPathComponent, residency: options.residency)
            model.schedulerProblem = scheduler.problem
            model.infotextFields = try replacement?.infotextFields() ?? []
            try model.attachTAESDDecoder(options.taesdDecoder)
            if let hashes = try loraHashes(options.loras) { model.infotextFields.append(("Lora hashes", hashes)) }
            return model
        case .singleFile(let url):
            let checkpoint = try LDMCheckpoint(url: url, options: .init(predictionType: options.vPrediction ? .vPrediction : .epsilon))
            let file = url.path
            let precision = options.precision
            let replacement = try options.vae.map {
                try ReplacementVAE(vaeURL($0), modelConfig: ConfigReader(data: checkpoint.vaeConfig, file: file).values, variant: nil)
            }
            let loras = try openLoRAs(options.loras)
            var model = try StableDiffusion(
                tokenizer: try CLIPTokenizer.bundled(padToken: checkpoint.padToken),
                textEncoder: { try CLIPTextModel(config: CLIPTextConfig(ConfigReader(data: checkpoint.textEncoderConfig, file: file)),
                                                 weights: patched(checkpoint.textEncoder, .textEncoder, loras), precision: precision) },
                unet: { try UNet2DConditionModel(config: UNetConfig(ConfigReader(data: checkpoint.unetConfig, file: file)),
                                                 weights: patched(checkpoint.unet, .unet, loras), precision: precision) },
                vae: { try replacement?.load(precision: precision)
                        ?? .kl(AutoencoderKL(config: VAEConfig(ConfigReader(data: checkpoint.vaeConfig, file: file)), weights: checkpoint.vae, precision: precision)) },
                schedulerConfig: try SchedulerConfig(data: checkpoint.schedulerConfig, file: file),
                defaultScheduler: .pndm,
                name: url.deletingPathExtension().lastPathComponent, residency: options.residency)
            model.infotextFields = try replacement?.infotextFields() ?? []
            try model.attachTAESDDecoder(options.taesdDecoder)
            if let hashes = try loraHashes(options.loras) { model.infotextFields.append(("Lora hashes", hashes)) }
            return model
        }
    }

    /// A `--vae` argument as a file URL (`~` expanded).
    static func vaeURL(_ argument: String) -> URL { URL(fileURLWithPath: (argument as NSString).expandingTildeInPath) }


    /// The scheduler a folder's `scheduler_config.json` names (`_class_name`), or why it has none Retouch implements
    /// (the file, key and class), for the run to report unless a scheduler is chosen explicitly.
    static func defaultScheduler(_ url: URL) throws -> (kind: SchedulerKind?, problem: String?) {
        let data: Data
        do { data = try InputFile.data(url, maxBytes: InputFile.Limit.config, what: "config file") } catch let problem as FileProblem {
            throw SchedulerConfigError(file: url.path, key: nil, problem: problem.problem)
        }
        do { return (try SchedulerKind(schedulerConfig: data, file: url.path), nil) } catch let error as SchedulerConfigError {
            return (nil, error.description)
        }
    }

    /// Whether the UNet takes the mask and masked-image latent as extra input channels (9-channel inpainting).
    public var isInpaintingModel: Bool { unetConfig.inChannels == 9 }
    /// Pixels per latent along each side.
    public var vaeScaleFactor: Int { latentSpace.scaleFactor }
}
