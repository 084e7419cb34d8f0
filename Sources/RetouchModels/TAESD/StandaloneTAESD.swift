import Foundation
import RetouchFiles
import RetouchSafetensors

/// A TAESD given on its own (`--vae PATH`, `--decoder taesd:PATH`, `--preview-decoder taesd:PATH`), in any of the
/// forms it is shared in, with its weights under diffusers' `AutoencoderTiny` names:
///
/// - a diffusers folder: `config.json` with `_class_name: AutoencoderTiny` beside `diffusion_pytorch_model.safetensors`
///   (`madebyollin/taesd` on Hugging Face), decoded and validated as `TAESDConfig`;
/// - one file in diffusers' layout (`encoder.layers.*`, `decoder.layers.*`);
/// - madebyollin/taesd's own files, `taesd_encoder.*` and `taesd_decoder.*` (safetensors, or `.pth` read as data by
///   `TensorArchives`): one of the two, or a folder holding them. A decoder file is enough to decode; to encode too,
///   the encoder file is looked for beside it (`…_decoder.ext` → `…_encoder.ext`, and the other way round).
///
/// Files without a config get their architecture from their own shapes (`TAESDLayout.config`) and
/// `scaling_factor` 1.
public struct StandaloneTAESD: Sendable {
    /// The file or folder given.
    public let url: URL
    /// The architecture.
    public let config: TAESDConfig
    /// Every tensor found, under diffusers names.
    public let weights: any WeightSource
    /// Whether the encoder's weights were found (a decoder file alone decodes only).
    public let hasEncoder: Bool
    /// The file whose SHA-256 is the `VAE hash` (nil when the weights span two files).
    public let hashedFile: URL?
    /// The name the infotext shows: the file or folder name.
    public var name: String { url.lastPathComponent }

    /// Whether `url` holds a TAESD rather than an `AutoencoderKL`: a folder whose `config.json` names
    /// `AutoencoderTiny` (or, with no config, holds `*encoder*`/`*decoder*` weight files), or a weights file whose keys
    /// are TAESD's (either layout). Unreadable paths answer false (the VAE loader then reports them).
    public static func detect(_ url: URL) -> Bool {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return false }
        if isFolder.boolValue {
            let configURL = url.appendingPathComponent("config.json")
            if FileManager.default.fileExists(atPath: configURL.path) {
                return (try? ConfigReader(url: configURL)).map { TAESDConfig.isTiny($0.values) } ?? false
            }
            return !originalFiles(in: url).isEmpty
        }
        guard let archive = try? TensorArchives.open(url) else { return false }
        let keys = archive.shapes.keys
        return TAESDLayout.isDiffusers(keys) || TAESDLayout.isOriginal(keys)
    }

    /// Opens `url`; `flag` names the option in errors. `needsEncoder`: encoding is wanted, so the encoder's weights
    /// must be found (`--vae`); otherwise a decoder is enough.
    public init(url: URL, flag: String, needsEncoder: Bool, variant: String? = nil) throws {
        self.url = url
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw ModelLoadingError(origin: url.path, problem: "\(flag): no such file or folder")
        }
        let configURL = url.appendingPathComponent("config.json")
        if isFolder.boolValue && FileManager.default.fileExists(atPath: configURL.path) {
            let reader = try ConfigReader(url: configURL)
            guard TAESDConfig.isTiny(reader.values) else {
                throw ModelLoadingError(origin: configURL.path, key: "_class_name",
                                        problem: "\(flag): expected AutoencoderTiny (a TAESD), got \(reader.values["_class_name"]?.text ?? "none")")
            }
            config = try TAESDConfig(reader)
            let files = try DiffusersFolder.componentWeights(in: url, base: "diffusion_pytorch_model", variant: variant)
            weights = files
            hashedFile = files.fileURLs.count == 1 ? files.fileURLs[0] : nil
        } else {
            let urls = isFolder.boolValue ? Self.originalFiles(in: url) : Self.withSibling(url)
            guard !urls.isEmpty else {
                throw ModelLoadingError(origin: url.path, problem: "\(flag): a TAESD folder needs the config.json diffusers writes, or " +
                                        "madebyollin's taesd_encoder/taesd_decoder files")
            }
            let archives = try urls.map { try TensorArchives.open($0) }
            var halves: [TAESDLayout.Half?] = []
            for archive in archives {
                let keys = archive.shapes.keys
                if TAESDLayout.isDiffusers(keys) { halves.append(nil) }
                else if TAESDLayout.isOriginal(keys) { halves.append(TAESDLayout.half(keys)) }
                else {
                    throw ModelLoadingError(origin: archive.path, problem: "\(flag): not a TAESD (expected encoder.layers.* / decoder.layers.* " +
                                            "keys, or the numbered keys of taesd_encoder/taesd_decoder files)")
                }
            }
            let renamed = try RenamedWeights(archives: archives, origin: urls.count == 1 ? urls[0].path : url.path) { index, key in
                guard let half = halves[index] else { return key }
                return TAESDLayout.diffusersName(key, half: half)
            }
            weights = renamed
            config = try TAESDLayout.config(renamed.allShapes, origin: renamed.origin)
            hashedFile = urls.count == 1 ? urls[0] : nil
        }
        hasEncoder = weights.tensorNames.contains { $0.hasPrefix("encoder.") }
        guard weights.tensorNames.contains(where: { $0.hasPrefix("decoder.") }) else {
            throw ModelLoadingError(origin: url.path, problem: "\(flag): this TAESD has no decoder weights (give taesd_decoder or the whole model)")
        }
        if needsEncoder && !hasEncoder {
            throw ModelLoadingError(origin: url.path, problem: "\(flag): this TAESD has no encoder weights, so it cannot encode images " +
                                    "(put taesd_encoder beside taesd_decoder, or use --decoder taesd:PATH to decode only)")
        }
    }

    /// The whole autoencoder (needs the encoder).
    public func autoencoder() throws -> AutoencoderTiny { try AutoencoderTiny(config: config, weights: weights) }

    /// The decoder alone (the encoder's weights, when present, are left unread).
    public func decoder() throws -> TAESDDecoder {
        try TAESDDecoder(config: config, weights: PrefixedWeights(base: weights, prefix: "decoder."))
    }

    /// Weight files in a folder whose names hold `encoder` or `decoder` (`taesd_encoder.safetensors`), preferring
    /// safetensors over `.pth`, one of each half.
    static func originalFiles(in folder: URL) -> [URL] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        return ["encoder", "decoder"].compactMap { half in
            let candidates = names.filter { $0.lowercased().contains(half) }
            let pick = candidates.first { $0.hasSuffix(".safetensors") } ?? candidates.first { $0.hasSuffix(".pth") || $0.hasSuffix(".pt") }
            return pick.map { folder.appendingPathComponent($0) }
        }
    }

    /// A file and, for one half of the original pair, the other half beside it when it exists.
    static func withSibling(_ url: URL) -> [URL] {
        let name = url.lastPathComponent
        for (this, other) in [("decoder", "encoder"), ("encoder", "decoder")] where name.contains(this) {
            let sibling = url.deletingLastPathComponent().appendingPathComponent(name.replacingOccurrences(of: this, with: other))
            if FileManager.default.fileExists(atPath: sibling.path) { return this == "decoder" ? [sibling, url] : [url, sibling] }
        }
        return [url]
    }
}
