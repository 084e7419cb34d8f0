import Foundation
import RetouchSafetensors

/// Which model part a LoRA module patches.
public enum LoRAComponent: String, Sendable, Hashable {
    case unet = "UNet"
    case textEncoder = "text encoder"
}

/// One LoRA/LyCORIS file, read through `TensorArchives.open`: its modules grouped by the layer they patch.
///
/// Reads kohya/sd-scripts names (`lora_unet_*`, `lora_te_*`; `lora_down`/`lora_up`/`lora_mid`/`alpha`), diffusers/PEFT
/// names (`unet.*.lora_A.weight`/`lora_B.weight`, `text_encoder.*`, alpha from `lora_adapter_metadata`), the older
/// diffusers layouts (`.lora.down.weight`, `to_k_lora` attention processors, `lora_linear_layer`), LyCORIS LoHa
/// (`hada_*`) and LoKr (`lokr_*`). A key in none of these forms, or a LoRA made for SDXL, is an error naming it.
/// Tensors are read only when the patched layer is loaded.
public struct LoRAFile: Sendable {
    /// The archive the tensors come from.
    public let archive: any TensorArchive
    /// The file's path.
    public var path: String { archive.path }
    /// Modules by component.
    public let modules: [LoRAModule]

    /// Opens and parses `url`.
    public init(url: URL) throws {
        try self.init(archive: TensorArchives.open(url))
    }

    /// Parses `archive`.
    public init(archive: any TensorArchive) throws {
        self.archive = archive
        let shapes = archive.shapes
        let metadata = archive.metadata
        if let version = metadata["ss_base_model_version"], version.lowercased().contains("xl") {
            throw ModelLoadingError(origin: archive.path, problem: "this LoRA was made for SDXL (ss_base_model_version \(version)); Retouch runs SD 1.x/2.x models")
        }
        let sdxlKey = shapes.keys.sorted().first { $0.hasPrefix("lora_te1_") || $0.hasPrefix("lora_te2_") || $0.hasPrefix("text_encoder_2.") }
        if let sdxlKey {
            throw ModelLoadingError(origin: archive.path, key: sdxlKey, problem: "this LoRA was made for SDXL (it patches two text encoders); Retouch runs SD 1.x/2.x models")
        }
        let peftAlphas = try LoRAFile.peftAlphas(metadata, path: archive.path)
        var groups: [String: LoRAModule] = [:]
        var unmatched: [String] = []
        for key in shapes.keys.sorted() {
            guard let (group, part) = LoRAKeyParts.split(key), let location = LoRAKeyParts.location(group) else {
                unmatched.append(key); continue
            }
            var module = groups[location.id] ?? LoRAModule(component: location.component, name: location.name, isDotted: location.isDotted)
            guard module.tensorNames[part] == nil else {
                throw ModelLoadingError(origin: archive.path, key: key, problem: "a second \(part.rawValue) tensor for the layer \(location.name)")
            }
            module.tensorNames[part] = key
            groups[location.id] = module
        }
        guard unmatched.isEmpty else {
            throw ModelLoadingError(origin: archive.path, problem: "\(unmatched.count) key(s) are not LoRA, LoHa or LoKr tensors of a UNet or CLIP text encoder: " +
                                    unmatched.prefix(20).joined(separator: ", ") + (unmatched.count > 20 ? ", …" : ""))
        }
        var modules: [LoRAModule] = []
        for var module in groups.values.sorted(by: { ($0.component.rawValue, $0.name) < ($1.component.rawValue, $1.name) }) {
            if let alphaKey = module.tensorNames[.alpha] {
                let alpha = try archive.tensor(alphaKey)
                guard alpha.count == 1 else {
                    throw ModelLoadingError(origin: archive.path, key: alphaKey, problem: "alpha holds \(alpha.count) values, not one")
                }
                module.alpha = alpha.scalars[0]
                module.tensorNames[.alpha] = nil
            } else if module.kind == .lowRank, let alpha = peftAlphas[module.component] {
                module.alpha = alpha
            }
            try module.checkComplete(path: archive.path)
            modules.append(module)
        }
        guard !modules.isEmpty else {
            throw ModelLoadingError(origin: archive.path, problem: "the file holds no LoRA tensors")
        }
        self.modules = modules
    }

    /// `lora_adapter_metadata` (diffusers ≥ 0.34): `{"unet.lora_alpha": 8, "text_encoder.lora_alpha": 8, …}` or
    /// per-component dictionaries; without it PEFT alpha is the rank.
    static func peftAlphas(_ metadata: [String: String], path: String) throws -> [LoRAComponent: Float] {
        guard let text = metadata["lora_adapter_metadata"] else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw ModelLoadingError(origin: path, key: "lora_adapter_metadata", problem: "the metadata is not a JSON object")
        }
        var alphas: [LoRAComponent: Float] = [:]
        for (prefix, component) in [("unet", LoRAComponent.unet), ("text_encoder", .textEncoder)] {
            if let value = object["\(prefix).lora_alpha"] as? NSNumber {
                alphas[component] = value.floatValue
            } else if let nested = object[prefix] as? [String: Any], let value = nested["lora_alpha"] as? NSNumber {
                alphas[component] = value.floatValue
            }
        }
        return alphas
    }
}
