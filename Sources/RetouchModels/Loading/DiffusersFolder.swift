import Foundation
import RetouchFiles

/// A diffusers pipeline folder: `model_index.json` plus one folder per component
/// (`unet/`, `vae/`, `text_encoder/`, `tokenizer/`, `scheduler/`).
///
/// Weight files are found as diffusers and transformers write them: a single `.safetensors`, an `fp16`/`bf16`
/// variant (`diffusion_pytorch_model.fp16.safetensors`), or shards listed in a
/// `*.safetensors.index.json` (`*.safetensors.index.fp16.json` for variants). When a component has no safetensors
/// weights, PyTorch's `diffusion_pytorch_model.bin` / `pytorch_model.bin` (and their variants and shard indexes) are
/// read as data by `PickleCheckpoint`.
public struct DiffusersFolder: Sendable {
    /// The folder.
    public let url: URL
    /// The weight variant to prefer (`fp16`, `bf16`, …); nil prefers unsuffixed files, then any variant.
    public let variant: String?
    /// The folder's `model_index.json`.
    public let index: ModelIndex

    /// Opens a folder, which must contain a `model_index.json` naming a pipeline Retouch supports.
    public init(url: URL, variant: String? = nil) throws {
        self.url = url
        self.variant = variant
        let indexURL = url.appendingPathComponent("model_index.json")
        guard FileManager.default.fileExists(atPath: indexURL.path) else {
            throw ModelLoadingError(origin: url.path, problem: "not a diffusers folder: model_index.json is missing")
        }
        index = try ModelIndex(url: indexURL)
    }

    /// The `config.json` (or another file) of a component.
    public func config(_ component: String, file: String = "config.json") throws -> ConfigReader {
        try ConfigReader(url: url.appendingPathComponent(component).appendingPathComponent(file))
    }

    /// The UNet's config.
    public func unetConfig() throws -> UNetConfig { try UNetConfig(config("unet")) }
    /// The VAE's config.
    public func vaeConfig() throws -> VAEConfig { try VAEConfig(config("vae")) }
    /// The text encoder's config.
    public func textEncoderConfig() throws -> CLIPTextConfig { try CLIPTextConfig(config("text_encoder")) }

    /// The weights of `component` (`unet`, `vae`: `diffusion_pytorch_model`; `text_encoder`: `model`), under
    /// canonical names: the text encoder's are `text_model.*` whether or not the files carry that prefix
    /// (transformers ≥ 5.6 writes them without it; see `TextEncoderKeyNames`).
    public func weights(_ component: String) throws -> any WeightSource {
        let files = try storedWeights(component)
        return component == "text_encoder" ? TextEncoderKeyNames(files) : files
    }

    /// The weights of `component` as the files name them.
    public func storedWeights(_ component: String) throws -> SafetensorsWeights {
        let base = component == "text_encoder" ? "model" : "diffusion_pytorch_model"
        return try Self.componentWeights(in: url.appendingPathComponent(component), base: base, variant: variant)
    }

    /// The weights in one component folder (`unet/`, a standalone VAE repository, …) named `base` (`model`,
    /// `diffusion_pytorch_model`), preferring `variant`, then unsuffixed files, then any of fp16, bf16, fp32.
    public static func componentWeights(in folder: URL, base: String, variant: String?) throws -> SafetensorsWeights {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        guard !files.isEmpty else {
            throw ModelLoadingError(origin: folder.path, problem: "component folder is missing or empty")
        }
        var variants = [variant]
        if variant == nil { variants += ["fp16", "bf16", "fp32"] }
        for candidate in variants {
            if let urls = try weightFiles(in: folder, files: Set(files), base: base, variant: candidate) {
                return try SafetensorsWeights(urls: urls)
            }
        }
        // No safetensors: PyTorch's own names (transformers writes `pytorch_model.bin` for `model`).
        let pickleBases = base == "model" ? ["model", "pytorch_model"] : [base]
        for pickleBase in pickleBases {
            for candidate in variants {
                if let urls = try weightFiles(in: folder, files: Set(files), base: pickleBase, variant: candidate, extension: "bin") {
                    return try SafetensorsWeights(urls: urls)
                }
            }
        }
        let wanted = variant.map { "\(base).\($0).safetensors" } ?? "\(base).safetensors"
        throw ModelLoadingError(origin: folder.path, problem: "no \(wanted) (or sharded index) found; files present: \(files.sorted().joined(separator: ", "))")
    }

    private static func weightFiles(in folder: URL, files: Set<String>, base: String, variant: String?,
                                    extension suffix: String = "safetensors") throws -> [URL]? {
        let single = variant.map { "\(base).\($0).\(suffix)" } ?? "\(base).\(suffix)"
        if files.contains(single) { return [folder.appendingPathComponent(single)] }
        let indexNames = variant.map { ["\(base).\(suffix).index.\($0).json", "\(base).\($0).\(suffix).index.json"] }
            ?? ["\(base).\(suffix).index.json"]
        guard let indexName = indexNames.first(where: files.contains) else { return nil }
        let indexURL = folder.appendingPathComponent(indexName)
        guard let data = try? InputFile.data(indexURL, maxBytes: InputFile.Limit.config),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let weightMap = object["weight_map"] as? [String: String] else {
            throw ModelLoadingError(origin: indexURL.path, problem: "not a valid shard index (needs a 'weight_map' of tensor → file)")
        }
        let shards = Set(weightMap.values).sorted()
        for shard in shards where !files.contains(shard) || shard.contains("/") {
            throw ModelLoadingError(origin: indexURL.path, problem: "lists shard '\(shard)', which is not in \(folder.path)")
        }
        return shards.map { folder.appendingPathComponent($0) }
    }
}
