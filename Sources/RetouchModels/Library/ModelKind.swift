/// The kinds of files a models folder holds, each in AUTOMATIC1111's subfolder for it.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    /// Stable Diffusion checkpoints: single files or diffusers folders (`Stable-diffusion/`).
    case checkpoint
    /// Separate VAEs (`VAE/`).
    case vae
    /// LoRA and LyCORIS files (`Lora/`, `LyCORIS/`).
    case lora
    /// Textual-inversion embeddings (`embeddings/`).
    case embedding
    /// ControlNet models (`ControlNet/`).
    case controlNet = "controlnet"

    /// The subfolders of a models folder that hold this kind, the first being the main one.
    public var folderNames: [String] {
        switch self {
        case .checkpoint: ["Stable-diffusion"]
        case .vae: ["VAE"]
        case .lora: ["Lora", "LyCORIS"]
        case .embedding: ["embeddings"]
        case .controlNet: ["ControlNet"]
        }
    }

    /// File extensions of this kind's single files (AUTOMATIC1111's lists; LoRAs also diffusers' older `.bin`).
    public var fileExtensions: Set<String> {
        switch self {
        case .checkpoint: ["safetensors", "ckpt"]
        case .vae: ["safetensors", "ckpt", "pt"]
        case .lora: ["safetensors", "ckpt", "pt", "bin"]
        case .embedding: ["safetensors", "pt", "bin"]
        case .controlNet: ["safetensors", "ckpt", "pth"]
        }
    }

    /// The file a folder must hold to be a diffusers model of this kind, if this kind comes as folders.
    var folderMarker: String? {
        switch self {
        case .checkpoint: "model_index.json"
        case .vae, .controlNet: "config.json"
        case .lora, .embedding: nil
        }
    }

    /// What one of these is called in messages.
    public var noun: String {
        switch self {
        case .checkpoint: "checkpoint"
        case .vae: "VAE"
        case .lora: "LoRA"
        case .embedding: "embedding"
        case .controlNet: "ControlNet"
        }
    }
}
