import Foundation
import RetouchSafetensors

/// Opens weight files of any format Retouch reads, told from their first bytes (never from the extension alone).
public enum TensorArchives {
    /// Opens `url` as a tensor archive: safetensors today; PyTorch pickle checkpoints are refused with a conversion
    /// recipe (see `CheckpointFormat`).
    public static func open(_ url: URL) throws -> any TensorArchive {
        switch try CheckpointFormat.detect(at: url) {
        case .safetensors:
            return try SafetensorsFile(url: url)
        case .pickleArchive, .pickle:
            throw ModelLoadingError(origin: url.path, problem: CheckpointFormat.pickleRefusal(url))
        case .unknown:
            throw ModelLoadingError(origin: url.path, problem: "not a weights file Retouch reads (its first bytes are neither " +
                                        "a safetensors header nor a PyTorch checkpoint)")
        }
    }
}
