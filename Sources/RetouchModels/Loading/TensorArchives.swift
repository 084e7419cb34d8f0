import Foundation
import RetouchPickle
import RetouchSafetensors

/// Opens weight files of any format Retouch reads, told from their first bytes (never from the extension alone).
public enum TensorArchives {
    /// Opens `url` as a tensor archive: a safetensors file, or a PyTorch pickle checkpoint (zip or legacy
    /// `torch.save`) read as data by `PickleCheckpoint`, which refuses any global outside its allow-list.
    public static func open(_ url: URL) throws -> any TensorArchive {
        switch try CheckpointFormat.detect(at: url) {
        case .safetensors:
            return try SafetensorsFile(url: url)
        case .pickleArchive, .pickle:
            return try PickleCheckpoint(url: url)
        case .unknown:
            throw ModelLoadingError(origin: url.path, problem: "not a weights file Retouch reads (its first bytes are neither " +
                                        "a safetensors header nor a PyTorch checkpoint)")
        }
    }
}
