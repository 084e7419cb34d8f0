import Foundation
import RetouchFiles

/// A checkpoint file's format, told from its first bytes only.
///
/// Pickle files (`.ckpt`, `.pt`, `.bin`, `.pth`: PyTorch zip archives holding `data.pkl`, or raw pickle streams
/// starting with protocol bytes `0x80 0x02…0x05`) are recognised so they are read by `PickleCheckpoint`, as data
/// with an allow-list, never by running them. Nothing beyond the first bytes is read.
public enum CheckpointFormat: Sendable, Equatable {
    /// A safetensors file: an 8-byte little-endian header length, then a JSON header starting with `{`.
    case safetensors
    /// A PyTorch zip archive (`torch.save` since 1.6), whose `data.pkl` is a pickle.
    case pickleArchive
    /// A raw pickle stream (legacy `torch.save`, many `.ckpt` files).
    case pickle
    /// Anything else.
    case unknown

    /// Extensions PyTorch pickle checkpoints use.
    public static let pickleExtensions: Set<String> = ["ckpt", "pt", "bin", "pth"]

    /// Bytes read to decide (enough for a zip's first entry name).
    static let probeLength = 128

    /// The format of a file that starts with `bytes`; `fileExtension` tells zips of pickles from other zips when
    /// the first entry is not `data.pkl`.
    public static func detect(bytes: [UInt8], fileExtension: String = "") -> CheckpointFormat {
        if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) { return .pickle }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {  // "PK\u{3}\u{4}"
            let named = firstZipEntryName(bytes)?.hasSuffix("data.pkl") ?? false
            return named || pickleExtensions.contains(fileExtension.lowercased()) ? .pickleArchive : .unknown
        }
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") { return .safetensors }
        return .unknown
    }

    /// The format of the file at `url`, reading only its first bytes.
    public static func detect(at url: URL) throws -> CheckpointFormat {
        let descriptor: Int32
        do { descriptor = try InputFile.openRegular(url.path, what: "weights file").descriptor } catch let problem as FileProblem {
            throw ModelLoadingError(origin: url.path, problem: problem.problem)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        defer { try? handle.close() }
        let bytes = [UInt8]((try? handle.read(upToCount: probeLength)) ?? Data())
        return detect(bytes: bytes, fileExtension: url.pathExtension)
    }

    /// Throws unless the file at `url` is a weights file Retouch reads: safetensors, or a PyTorch pickle checkpoint
    /// (read as data, see `PickleCheckpoint`).
    public static func requireWeightsFile(at url: URL) throws {
        switch try detect(at: url) {
        case .safetensors, .pickleArchive, .pickle:
            return
        case .unknown:
            throw ModelLoadingError(origin: url.path, problem: "not a weights file Retouch reads (its first bytes are neither " +
                                        "a safetensors header nor a PyTorch checkpoint)")
        }
    }

    /// Throws unless the file at `url` is safetensors; the error says why pickles are refused and how to convert.
    public static func requireSafetensors(at url: URL) throws {
        switch try detect(at: url) {
        case .safetensors:
            return
        case .pickleArchive, .pickle:
            throw ModelLoadingError(origin: url.path, problem: pickleRefusal(url))
        case .unknown:
            throw ModelLoadingError(origin: url.path, problem: "not a safetensors file (its first bytes are not a " +
                                        "safetensors header); Retouch loads .safetensors checkpoints and diffusers folders")
        }
    }

    /// Why a pickle checkpoint is refused, and a conversion to run once in a Python environment the user trusts.
    static func pickleRefusal(_ url: URL) -> String {
        let name = url.lastPathComponent
        let output = url.deletingPathExtension().lastPathComponent + ".safetensors"
        return """
            is a PyTorch pickle checkpoint, which Retouch refuses to load: unpickling runs code stored in the file. \
            Convert it once to safetensors, e.g.:
              python3 -c "import torch, safetensors.torch as st; sd = torch.load('\(name)', map_location='cpu', weights_only=True); \
            sd = sd.get('state_dict', sd); st.save_file({k: v.contiguous() for k, v in sd.items() if isinstance(v, torch.Tensor)}, '\(output)')"
            (weights_only=True makes torch refuse code in the file), or use diffusers' \
            scripts/convert_original_stable_diffusion_to_diffusers.py; then pass the .safetensors file or the diffusers folder.
            """
    }

    /// The name of a zip's first local file entry (offset 26: name length; offset 30: the name).
    private static func firstZipEntryName(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 30 else { return nil }
        let length = Int(bytes[26]) | Int(bytes[27]) << 8
        let end = min(bytes.count, 30 + length)
        return String(decoding: bytes[30..<end], as: UTF8.self)
    }
}
