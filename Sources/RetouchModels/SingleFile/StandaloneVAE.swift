import Foundation
import RetouchFiles
import RetouchSafetensors

/// A VAE given on its own (`--vae`), to replace a checkpoint's: a diffusers VAE folder, or a single file in the
/// original LDM layout (`encoder.down.N…`, `decoder.up.N…`, `quant_conv`, `post_quant_conv`, with or without
/// `first_stage_model.`, as `vae-ft-mse-840000-ema-pruned` is shared) or in diffusers' layout, in any format
/// `TensorArchives` reads.
///
/// As AUTOMATIC1111 does when it swaps VAEs, a single file's training leftovers (`loss.*`, `model_ema.decay`,
/// `model_ema.num_updates`) are ignored; every other key must map to a VAE weight. A single file carries no config:
/// its architecture comes from its shapes and the rest (scaling factor, norm groups) from the model's own VAE config,
/// so the latent scale stays the checkpoint's.
public struct StandaloneVAE: Sendable {
    /// The file or folder.
    public let url: URL
    /// The VAE's config.
    public let config: VAEConfig
    /// Its weights under `AutoencoderKL` names.
    public let weights: any WeightSource
    /// The name the infotext shows (`VAE: name`): the file name, or the folder name.
    public var name: String { url.lastPathComponent }
    /// The file whose SHA-256 is the `VAE hash` (the single file, or the folder's single weights file).
    public let hashedFile: URL?

    /// Opens `url`; `modelConfig` is the checkpoint's own VAE `config.json` values, the template for single files.
    public init(url: URL, modelConfig: [String: JSONValue], variant: String? = nil) throws {
        self.url = url
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ModelLoadingError(origin: url.path, problem: "--vae: no such file or folder")
        }
        if isFolder.boolValue {
            let configURL = url.appendingPathComponent("config.json")
            guard FileManager.default.fileExists(atPath: configURL.path) else {
                throw ModelLoadingError(origin: url.path, problem: "--vae: a VAE folder needs the config.json diffusers writes beside its weights " +
                                            "(for a single-file VAE, pass the file itself)")
            }
            config = try VAEConfig(ConfigReader(url: configURL))
            let files = try DiffusersFolder.componentWeights(in: url, base: "diffusion_pytorch_model", variant: variant)
            weights = files
            hashedFile = files.fileURLs.count == 1 ? files.fileURLs[0] : nil
            return
        }
        let archive = try TensorArchives.open(url)
        hashedFile = url
        if archive.shapes.keys.contains(where: { $0.hasPrefix("encoder.down_blocks.") }) {
            config = try VAEConfig(ConfigReader(values: modelConfig, file: url.path))
            weights = try SafetensorsWeights(archives: [archive])
            return
        }
        let (layout, entries) = try Self.plan(archive)
        let values = LDMConfigs.vae(layout, prediction: .epsilon, template: modelConfig)
        config = try VAEConfig(ConfigReader(data: LDMConfigs.encode(values), file: url.path))
        weights = RemappedWeights(file: archive, component: .vae, entries: entries)
    }

    /// Keys of a standalone VAE file that A1111 drops before loading it (`modules/sd_vae.py`).
    static func isIgnored(_ key: String) -> Bool {
        let bare = key.hasPrefix(LDMVAELayout.prefix) ? String(key.dropFirst(LDMVAELayout.prefix.count)) : key
        return bare.hasPrefix("loss.") || bare == "model_ema.decay" || bare == "model_ema.num_updates"
    }

    /// The LDM VAE layout and each diffusers name's stored key, for a file with or without `first_stage_model.`.
    static func plan(_ archive: any TensorArchive) throws -> (LDMVAELayout, [String: RemappedWeights.Entry]) {
        let storedShapes = archive.shapes  // computed by some archives on each access: read once
        var stored: [String: String] = [:]  // key with first_stage_model. → key as stored
        for key in storedShapes.keys where !isIgnored(key) {
            stored[key.hasPrefix(LDMVAELayout.prefix) ? key : LDMVAELayout.prefix + key] = key
        }
        let shapes = stored.reduce(into: [String: [Int]]()) { $0[$1.key] = storedShapes[$1.value] }
        let table = ShapeTable(file: archive.path, shapes: shapes)
        guard table.has(LDMVAELayout.prefix + "encoder.conv_in.weight") || table.has(LDMVAELayout.prefix + "decoder.conv_in.weight") else {
            throw ModelLoadingError(origin: archive.path, problem: "--vae: not a VAE (no encoder.conv_in / decoder.conv_in weights in the " +
                                        "LDM layout, nor encoder.down_blocks.* in diffusers' layout)")
        }
        let layout = try LDMVAELayout(table)
        let map = KeyMap(rules: LDMKeyMap.vae(layout))
        var entries: [String: RemappedWeights.Entry] = [:]
        for (key, original) in stored.sorted(by: { $0.key < $1.key }) {
            guard let targets = map.resolve(key), let target = targets.first else {
                throw ModelLoadingError(origin: archive.path, key: original, problem: "--vae: not a VAE weight of the LDM layout")
            }
            let shape = shapes[key] ?? []
            guard let mapped = target.transform.shape(from: shape) else {
                throw ModelLoadingError(origin: archive.path, key: original, problem: "shape \(shape) cannot become VAE tensor '\(target.name)'")
            }
            entries[target.name] = RemappedWeights.Entry(source: original, transform: target.transform, shape: mapped)
        }
        return (layout, entries)
    }
}
