import Foundation

/// Where a `--model` argument points: a diffusers folder or a single-file checkpoint.
///
/// Resolution order: an existing local path (a folder with `model_index.json`, or a `.safetensors` or PyTorch
/// checkpoint file, told by its first bytes), then a Hugging Face id `org/name` in the local hub cache.
public enum ModelLocation: Sendable, Equatable {
    /// A diffusers pipeline folder.
    case diffusersFolder(URL)
    /// A single-file checkpoint in the LDM layout.
    case singleFile(URL)

    /// Resolves `argument` (a path or `org/name`), offline.
    public static func resolve(_ argument: String, cache: HFCacheResolver = HFCacheResolver()) throws -> ModelLocation {
        let path = (argument as NSString).expandingTildeInPath
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            let url = URL(fileURLWithPath: path)
            if isFolder.boolValue { return try folder(url) }
            try CheckpointFormat.requireWeightsFile(at: url)
            return .singleFile(url)
        }
        guard HFCacheResolver.isRepositoryID(argument) else {
            throw ModelLoadingError(origin: argument, problem: "no such file or folder, and not a Hugging Face id (org/name)")
        }
        return try folder(cache.resolve(argument))
    }

    private static func folder(_ url: URL) throws -> ModelLocation {
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("model_index.json").path) else {
            throw ModelLoadingError(origin: url.path, problem: "not a diffusers folder: model_index.json is missing " +
                                        "(for a single-file checkpoint, pass the .safetensors file itself)")
        }
        return .diffusersFolder(url)
    }
}
