import ArgumentParser
import Foundation
import RetouchFiles
import Retouch
import RetouchImaging
import RetouchModels
import RetouchTensor
import RetouchSchedulers
import RetouchTokenizer

/// Options every diffusion command shares.
struct DiffusionOptions: ParsableArguments {
    @Option(help: "A diffusers folder, a single-file .safetensors or .ckpt checkpoint, a name in --models-dir's Stable-diffusion/ folder, or org/name from the local Hugging Face cache.")
    var model: String

    @Option(help: ArgumentHelp("A models folder laid out as AUTOMATIC1111's (Stable-diffusion/, VAE/, Lora/, embeddings/): --model, --vae and embedding names resolve inside it, and its embeddings/ folder is read as --embeddings-dir. Default: $\(ModelsFolder.environmentVariable).", valueName: "dir"))
    var modelsDir: String?

    @Option(help: "What to paint.")
    var prompt: String

    @Option(help: "What to avoid.")
    var negativePrompt = ""

    @Option(parsing: .unconditional, help: "Denoising steps, 1 to 1000.")
    var steps = 50

    @Option(parsing: .unconditional, help: "Classifier-free guidance scale, 0 to 100.")
    var guidance: Float = 7.5

    @Option(help: "Scheduler: \(SchedulerKind.allCases.map(\.rawValue).joined(separator: ", ")) (default: the model folder's).")
    var scheduler: String?

    @Option(parsing: .unconditional, help: "TCD's stochasticity (gamma), 0 to 1: 0 is deterministic, 1 re-noises fully at every step (default: 0.3). Only for --scheduler tcd.")
    var eta: Double?

    @Option(parsing: .unconditional, help: "Seed, 0 or more; -1 or none for a random one. The same seed gives diffusers' CPU image.")
    var seed: SeedOption?

    @Option(help: "A VAE to use instead of the model's: a diffusers VAE folder, a single .safetensors/.ckpt/.pt file (LDM or diffusers names, e.g. vae-ft-mse-840000-ema-pruned), or a name in --models-dir's VAE/ folder. A TAESD (diffusers AutoencoderTiny folder, or taesd_encoder/taesd_decoder files) encodes and decodes instead.")
    var vae: String?

    @Option(help: ArgumentHelp("Decode the final image with a TAESD while the VAE (the model's or --vae) still encodes: taesd:PATH, PATH a diffusers AutoencoderTiny folder, or madebyollin's taesd_decoder.safetensors/.pth (or a folder holding it). Faster, less detailed; for inpainting the photo is still encoded faithfully.", valueName: "taesd:path"))
    var decoder: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Write a preview of the image every N denoising steps to the output's name with .preview.png (out.png → out.preview.png), replaced atomically. Never changes the result.", valueName: "n"))
    var previewEvery: Int?

    @Option(help: ArgumentHelp("How previews are decoded: approx (AUTOMATIC1111's cheap linear latent-to-RGB projection, one pixel per latent; the default), taesd (the TAESD of --decoder or --vae), or taesd:PATH.", valueName: "approx|taesd|taesd:path"))
    var previewDecoder: String?

    @Option(help: "Weight variant to load from a diffusers folder (fp16, bf16).")
    var variant: String?

    @Flag(help: "The single-file checkpoint predicts v (SD 2.x 768-v models).")
    var vPrediction = false

    @Flag(help: "Read AUTOMATIC1111's (word:1.3), (word), [word] and BREAK in prompts.")
    var weighting = false

    @Option(help: "Prompts over 75 tokens: truncate (as diffusers) or chunk (as AUTOMATIC1111).")
    var longPrompts = "truncate"

    @Option(help: ArgumentHelp("A textual-inversion embedding (.pt, .bin, .safetensors, or a name in --models-dir's embeddings/ folder); its file name is the word that uses it in a prompt or negative prompt. Repeatable.", valueName: "path"))
    var embedding: [String] = []

    @Option(help: ArgumentHelp("A LoRA or LyCORIS file (kohya, diffusers/PEFT, LoHa, LoKr) merged into the text encoder and UNet, at WEIGHT (default 1). Repeatable; several stack.", valueName: "path[:weight]"))
    var lora: [String] = []

    @Option(help: ArgumentHelp("A folder of LoRAs for AUTOMATIC1111 prompt tags <lora:NAME:WEIGHT> and <lora:NAME:TE_WEIGHT:UNET_WEIGHT> (NAME is the file name without extension).", valueName: "dir"))
    var loraDir: String?

    @Option(help: ArgumentHelp("A folder of embeddings (as AUTOMATIC1111's embeddings folder): each file whose name appears as a word in the prompt or negative prompt is used.", valueName: "dir"))
    var embeddingsDir: String?

    @Option(help: "Where to write the result (.png keeps the generation parameters).")
    var output: String

    @Option(help: "Model residency: lean (drop each model as soon as the run is done with it; the default for one-image commands) or keep-all (the default for outpaint, variations and walk).")
    var residency: String?

    @Option(help: "Weight precision: fp32 (default) or bf16 (half the memory; uses the CPU's bf16 dot products where it has them).")
    var precision = "fp32"

    @Option(help: "VAE tiling: auto (tile images over 768 px on a side), on, or off.")
    var vaeTiling = "auto"

    @Option(parsing: .unconditional, help: "VAE tile side in pixels (a multiple of 8 from 64 to 4096; tiles overlap by a quarter).")
    var vaeTile = 512

    func validate() throws {
        try FlagRules.check {
            try ParameterRules.check(steps, "--steps", in: ParameterRules.steps)
            try ParameterRules.check(Double(guidance), "--guidance", in: ParameterRules.guidance)
            if let eta { try ParameterRules.check(eta, "--eta", in: ParameterRules.eta) }
        }
        if eta != nil, let scheduler, let kind = SchedulerKind(rawValue: scheduler), kind != .tcd {
            throw ValidationError("--eta is TCD's stochasticity; --scheduler \(scheduler) does not use it")
        }
        if let scheduler, SchedulerKind(rawValue: scheduler) == nil {
            throw ValidationError("--scheduler must be one of \(SchedulerKind.allCases.map(\.rawValue).joined(separator: ", ")); got '\(scheduler)'")
        }
        if let residency, Residency(rawValue: residency) == nil {
            throw ValidationError("--residency must be lean or keep-all; got '\(residency)'")
        }
        if let variant, variant.isEmpty || !variant.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-" }) {
            throw ValidationError("--variant must be a plain name such as fp16 or bf16 (letters, digits, '-', '_'); got '\(variant)'")
        }
        guard Precision(rawValue: precision) != nil else { throw ValidationError("--precision must be fp32 or bf16; got '\(precision)'") }
        guard VAETiling.Mode(rawValue: vaeTiling) != nil else {
            throw ValidationError("--vae-tiling must be auto, on or off; got '\(vaeTiling)'")
        }
        guard (64...4096).contains(vaeTile), vaeTile % 8 == 0 else {
            throw ValidationError("--vae-tile must be a multiple of 8 from 64 to 4096; got \(vaeTile)")
        }
        guard LongPromptMode(rawValue: longPrompts) != nil else {
            throw ValidationError("--long-prompts must be truncate or chunk; got '\(longPrompts)'")
        }
        try validateTAESDFlags()
    }

    /// The settings for the pipelines.
    func settings() -> DiffusionSettings {
        var settings = DiffusionSettings(prompt: prompt)
        settings.negativePrompt = negativePrompt
        settings.steps = steps
        settings.guidance = guidance
        settings.scheduler = scheduler.flatMap(SchedulerKind.init(rawValue:))
        settings.eta = eta ?? TCDScheduler.defaultEta
        settings.seed = (seed ?? .random).resolved
        settings.tokenizeOptions = TokenizeOptions(weighting: weighting, longPrompts: LongPromptMode(rawValue: longPrompts) ?? .truncate)
        return settings
    }

    /// The VAE tiling the flags ask for.
    func tiling() -> VAETiling {
        var tiling = VAETiling()
        tiling.mode = VAETiling.Mode(rawValue: vaeTiling) ?? .auto
        tiling.tileSize = vaeTile
        tiling.overlap = vaeTile / 4 - (vaeTile / 4) % 8
        return tiling
    }

    /// Loads the model with `--residency`, or `defaultResidency` when it is not given.
    func loadModel(defaultResidency: Residency) throws -> StableDiffusion {
        if precision == Precision.bf16.rawValue, !BF16Matrix.isAccelerated {
            FileHandle.standardError.write(Data("warning: this CPU has neither AMX nor AVX-512 BF16; --precision bf16 runs on the portable path, about 15x slower than fp32\n".utf8))
        }
        var options = StableDiffusion.LoadOptions(variant: variant, vPrediction: vPrediction,
                                                  residency: residency.flatMap(Residency.init(rawValue:)) ?? defaultResidency,
                                                  precision: Precision(rawValue: precision) ?? .fp32)
        let files = try modelFiles()
        options.vae = files.vae
        options.taesdDecoder = files.decoder
        options.loras = files.loras
        return try withEmbeddings(StableDiffusion.load(files.model, options: options), files: files)
    }

    /// `--model`, `--vae`, the LoRAs and the embeddings resolved to paths once: paths as given, names inside the
    /// models folder (`--models-dir` or its environment variable), whose `Lora/` and `embeddings/` are the default
    /// `--lora-dir` and `--embeddings-dir`.
    func modelFiles() throws -> ModelFiles {
        let folder = try ModelsFolder.chosen(flag: modelsDir)
        func existing(_ kind: ModelKind) -> String? {
            folder.flatMap { $0.folders(kind).first { FileManager.default.fileExists(atPath: $0.path) }?.path }
        }
        return ModelFiles(model: try ModelsFolder.locate(model, kind: .checkpoint, in: folder),
                          vae: try vae.map { try ModelsFolder.locate($0, kind: .vae, in: folder) },
                          decoder: try decoder.map { (try DecoderFlag.taesdPath($0) as NSString).expandingTildeInPath },
                          embeddings: try embedding.map { try ModelsFolder.locate($0, kind: .embedding, in: folder) },
                          embeddingsFolder: embeddingsDir ?? existing(.embedding),
                          loras: try loraChoices(folder: folder, tagFolder: loraDir ?? existing(.lora)))
    }

    /// `--lora` files (paths, or names in the models folder), then the LoRAs the prompts' `<lora:…>` tags name in
    /// `tagFolder`.
    func loraChoices(folder: ModelsFolder?, tagFolder: String?) throws -> [LoRAChoice] {
        do {
            let given = try lora.map { argument in
                let (path, weight) = try LoRAChoice.split(argument: argument)
                let expanded = (path as NSString).expandingTildeInPath
                let url = try folder.flatMap { FileManager.default.fileExists(atPath: expanded) ? nil : try $0.resolve(path, kind: .lora) }
                return LoRAChoice(url: url ?? URL(fileURLWithPath: expanded), textEncoderWeight: weight, unetWeight: weight)
            }
            return try given + LoRAChoice.fromTags(in: [prompt, negativePrompt], folder: tagFolder.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath, isDirectory: true) })
        } catch let error as LoRATagError {
            throw ModelLoadingError(origin: "--prompt", problem: error.description)
        }
    }

    /// The model with `--embedding` files and the `--embeddings-dir` files the prompts name; warns about an
    /// `--embedding` neither prompt uses.
    func withEmbeddings(_ model: StableDiffusion, files: ModelFiles) throws -> StableDiffusion {
        guard !files.embeddings.isEmpty || files.embeddingsFolder != nil else { return model }
        let extended = try model.addingEmbeddings(files: files.embeddings.map { URL(fileURLWithPath: $0) },
                                                  folder: files.embeddingsFolder.map { URL(fileURLWithPath: $0, isDirectory: true) },
                                                  prompts: [prompt, negativePrompt])
        let used = Set(extended.embeddingsUsed(prompt: prompt, negativePrompt: negativePrompt, options: TokenizeOptions(weighting: weighting, longPrompts: LongPromptMode(rawValue: longPrompts) ?? .truncate)).map(\.path))
        for unused in extended.embeddings where !used.contains(unused.path) {
            FileHandle.standardError.write(Data("warning: \(unused.path): the embedding '\(unused.name)' is not used: neither prompt contains the word\n".utf8))
        }
        return extended
    }
}

/// The model files a diffusion command reads, as paths (or a Hugging Face id for the model).
struct ModelFiles {
    /// The checkpoint: a path, or `org/name` for the hub cache.
    var model: String
    /// The separate VAE, if any.
    var vae: String?
    /// The TAESD that decodes the final image (`--decoder taesd:PATH`), if any.
    var decoder: String?
    /// `--embedding` files.
    var embeddings: [String]
    /// The folder of embeddings named by prompt words, if any.
    var embeddingsFolder: String?
    /// `--lora` files and the LoRAs named by prompt tags, with their weights.
    var loras: [LoRAChoice]

    /// Every file the run reads that an output must not replace.
    var inputPaths: [String] { [model] + [vae, decoder].compactMap { $0 } + embeddings + loras.map(\.url.path) }
}

/// Runs a diffusion command: loads the model, reports progress, writes the image with its parameters, and turns
/// every failure into `error: <file or value>: <problem>` and a non-zero exit, leaving no partial output.
enum DiffusionRun {
    static func execute(options: DiffusionOptions, inputs: [String], residency: Residency = .lean,
                        _ body: (EditPipelines, DiffusionSettings, @escaping EditPipelines.Progress) throws -> (DiffusionResult, [(String, String)])) throws {
        let outputURL = URL(fileURLWithPath: options.output)
        try reportingFailures {
            let files = try options.modelFiles()
            try OutputFile.requireWritable(outputURL, inputs: (inputs + files.inputPaths).map { URL(fileURLWithPath: $0) })
            if options.previewEvery != nil {
                try OutputFile.requireWritable(DiffusionOptions.previewURL(for: outputURL), inputs: (inputs + files.inputPaths).map { URL(fileURLWithPath: $0) })
            }
            let model = try options.loadModel(defaultResidency: residency)
            let settings = options.settings()
            var pipelines = EditPipelines(model: model, vaeTiling: options.tiling())
            pipelines.previews = try options.livePreviews(model: model, files: files, writingTo: DiffusionOptions.previewURL(for: outputURL))
            if pipelines.previews != nil { try OutputPath.prepareParent(of: outputURL) }
            let bar = ProgressBar()
            let (result, extras) = try body(pipelines, settings) { done, total in bar.update(done, total) }
            bar.finish()
            for warning in result.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            var info = Infotext(settings: settings, scheduler: settings.scheduler ?? model.defaultScheduler ?? .pndm,
                                width: result.image.width, height: result.image.height, model: model.name)
            info.modelFields = model.infotextFields
            info.extras = extras
            let used = model.embeddingsUsed(prompt: settings.prompt, negativePrompt: settings.negativePrompt, options: settings.tokenizeOptions)
            if let hashes = StableDiffusion.tiHashes(used) { info.extras.append(("TI hashes", hashes)) }
            try OutputPath.prepareParent(of: outputURL)
            try ImageIO.write(result.image, to: outputURL, options: ImageWriteOptions(bitDepth: 8, text: ["parameters": info.text]))
            MemoryReport.printIfRequested()
        }
    }
}

/// A one-line progress bar with step count and ETA on standard error, shown only on a terminal.
final class ProgressBar: @unchecked Sendable {
    private let enabled = isatty(2) == 1
    private let start = Date()

    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = width * done / total
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r[%@] %d/%d  ETA %dm%02ds", bar, done, total, Int(eta) / 60, Int(eta) % 60).utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
