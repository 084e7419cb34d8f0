import Foundation
import RetouchFiles
import RetouchSafetensors

/// What a model file is for, told from its tensor shapes, config and metadata (never from its name), for
/// `retouch models`: `SD 1.x`, `SD 2.x inpainting`, `SDXL`, `LoCon for SD 1.x`, …
public enum ModelArchitecture {
    /// A short description of `entry`'s architecture; a file that cannot be read says why instead.
    public static func describe(_ entry: ModelEntry) -> String {
        do {
            if entry.isFolder { return try describeFolder(entry) }
            let archive = try TensorArchives.open(entry.url)
            let shapes = archive.shapes
            switch entry.kind {
            case .checkpoint: return checkpoint(shapes)
            case .vae: return vae(shapes)
            case .lora: return lora(shapes, metadata: archive.metadata)
            case .embedding: return embedding(shapes)
            case .controlNet: return controlNet(shapes)
            }
        } catch let error as ModelLoadingError {
            return "unreadable: " + error.problem.prefix { $0 != "\n" }
        } catch {
            return "unreadable: \(error)"
        }
    }

    /// The model family a cross-attention (text) width belongs to.
    public static func family(contextWidth: Int) -> String {
        switch contextWidth {
        case 768: "SD 1.x"
        case 1024: "SD 2.x"
        case 2048: "SDXL"
        default: "unknown (text width \(contextWidth))"
        }
    }

    static func checkpoint(_ shapes: [String: [Int]]) -> String {
        let unet = "model.diffusion_model."
        if shapes.keys.contains(where: { $0.hasPrefix("conditioner.embedders.1.") }) || shapes[unet + "label_emb.0.0.weight"] != nil {
            return "SDXL"
        }
        guard let input = shapes[unet + "input_blocks.0.0.weight"], input.count == 4 else {
            if shapes["conv_in.weight"] != nil, shapes.keys.contains(where: { $0.hasPrefix("down_blocks.") }) {
                return "diffusers-named weights, not a whole checkpoint"
            }
            return "not a Stable Diffusion checkpoint (no UNet input convolution)"
        }
        let base = (shapes[unet + "input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"]?.last).map { family(contextWidth: $0) } ?? "unknown"
        return base + variant(inChannels: input[1])
    }

    static func variant(inChannels: Int) -> String {
        switch inChannels {
        case 4: ""
        case 9: " inpainting"
        case 8: " instruct-pix2pix"
        default: " (\(inChannels) input channels)"
        }
    }

    static func vae(_ shapes: [String: [Int]]) -> String {
        if TAESDLayout.isDiffusers(shapes.keys) || TAESDLayout.isOriginal(shapes.keys) {
            let taesd = try? TAESDLayout.config(TAESDLayout.diffusersShapes(shapes), origin: "")
            return "TAESD (tiny autoencoder)" + (taesd.map { ", \($0.latentChannels) latent channels" } ?? "")
        }
        let input = shapes["decoder.conv_in.weight"] ?? shapes["first_stage_model.decoder.conv_in.weight"]
        guard let channels = input?.dropFirst().first else { return "not a VAE (no decoder input convolution)" }
        return "VAE, \(channels) latent channels"
    }

    static func lora(_ shapes: [String: [Int]], metadata: [String: String]) -> String {
        let names = shapes.keys
        let flavour: String
        if names.contains(where: { $0.contains("hada_w1") }) { flavour = "LoHa" }
        else if names.contains(where: { $0.contains("lokr_w1") }) { flavour = "LoKr" }
        else if names.contains(where: { ($0.hasSuffix("lora_down.weight") || $0.hasSuffix("lora_A.weight")) && shapes[$0]?.count == 4 }) { flavour = "LoCon" }
        else { flavour = "LoRA" }
        let base: String
        if names.contains(where: { $0.hasPrefix("lora_te1_") || $0.hasPrefix("lora_te2_") || $0.hasPrefix("text_encoder_2.") }) {
            base = "SDXL"
        } else if let version = metadata["ss_base_model_version"], let known = familyOf(kohyaVersion: version) {
            base = known
        } else if let key = names.sorted().first(where: { ($0.contains("attn2_to_k") || $0.contains("attn2.to_k")) && ($0.contains("down") || $0.contains("lora_A")) }),
                  let width = shapes[key]?.last {
            base = family(contextWidth: width)
        } else {
            base = "unknown base model"
        }
        return "\(flavour) for \(base)"
    }

    /// kohya's `ss_base_model_version` (`sd_v1`, `sd_v2`, `sd_v2_v`, `sdxl_base_v1-0`, …).
    static func familyOf(kohyaVersion version: String) -> String? {
        if version.hasPrefix("sdxl") { return "SDXL" }
        if version.hasPrefix("sd_v1") { return "SD 1.x" }
        if version.hasPrefix("sd_v2") { return "SD 2.x" }
        return nil
    }

    static func embedding(_ shapes: [String: [Int]]) -> String {
        if shapes["clip_l"] != nil || shapes["clip_g"] != nil { return "embedding for SDXL" }
        let vectors = shapes.filter { (1...2).contains($0.value.count) }.sorted { $0.key < $1.key }
        guard let shape = vectors.first?.value, let width = shape.last else { return "not an embedding (no vector tensor)" }
        let count = shape.count == 2 ? shape[0] : 1
        return "embedding for \(family(contextWidth: width)), \(count) vector\(count == 1 ? "" : "s")"
    }

    static func controlNet(_ shapes: [String: [Int]]) -> String {
        let key = shapes.keys.sorted().first { $0.contains("attn2.to_k.weight") }
        return "ControlNet for " + (key.flatMap { shapes[$0]?.last }.map { family(contextWidth: $0) } ?? "unknown base model")
    }

    static func describeFolder(_ entry: ModelEntry) throws -> String {
        switch entry.kind {
        case .checkpoint:
            let unet = try config(entry.url.appendingPathComponent("unet/config.json"))
            if unet["addition_embed_type"] as? String == "text_time" { return "SDXL (diffusers folder)" }
            let width = (unet["cross_attention_dim"] as? Int).map { family(contextWidth: $0) } ?? "unknown"
            let distilled = (unet["time_cond_proj_dim"] as? Int) != nil ? " distilled LCM" : ""   // guidance embedded, as LCM_Dreamshaper
            return width + variant(inChannels: unet["in_channels"] as? Int ?? 4) + distilled + " (diffusers folder)"
        case .vae:
            let vae = try config(entry.url.appendingPathComponent("config.json"))
            let kind = vae["_class_name"] as? String == "AutoencoderTiny" ? "TAESD (tiny autoencoder)" : "VAE"
            return "\(kind), \(vae["latent_channels"] as? Int ?? 4) latent channels (diffusers folder)"
        case .controlNet:
            let net = try config(entry.url.appendingPathComponent("config.json"))
            return "ControlNet for " + ((net["cross_attention_dim"] as? Int).map { family(contextWidth: $0) } ?? "unknown base model") + " (diffusers folder)"
        case .lora, .embedding:
            return "a folder"
        }
    }

    private static func config(_ url: URL) throws -> [String: Any] {
        do {
            let bytes = try InputFile.bytes(url, maxBytes: 1 << 20, what: "config file")
            return (try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:]
        } catch let problem as FileProblem {
            throw ModelLoadingError(origin: url.path, problem: problem.problem)
        } catch {
            throw ModelLoadingError(origin: url.path, problem: "is not valid JSON")
        }
    }
}
