import Foundation
import RetouchSafetensors
import RetouchTensor

/// The key layouts a TAESD is shared in, and the architecture read from a file's own shapes (the original files carry
/// no config).
///
/// - diffusers (`AutoencoderTiny.save_pretrained`, one file): `encoder.layers.{k}.…`, `decoder.layers.{k}.…`.
/// - madebyollin/taesd's own files (`taesd_encoder.*`, `taesd_decoder.*`, one half each): the `nn.Sequential`
///   indices alone. Encoder `k.…` is diffusers' `encoder.layers.k.…`; decoder `k.…` is `decoder.layers.{k−1}.…`, since
///   the original decoder's index 0 is its parameter-free `Clamp` (diffusers'
///   `scripts/convert_tiny_autoencoder_to_diffusers.py` maps them so).
enum TAESDLayout {
    /// Which half an original-layout file holds: the encoder starts with a convolution at index 0 (`0.weight`), the
    /// decoder with the Clamp, so its first weights are at index 1.
    enum Half: String { case encoder, decoder }

    /// Whether every key of `shapes` has the original layout (a Sequential index first).
    static func isOriginal(_ keys: some Collection<String>) -> Bool {
        !keys.isEmpty && keys.allSatisfy { key in key.split(separator: ".").first.map { Int($0) != nil } ?? false }
    }

    /// Whether `keys` are diffusers' `AutoencoderTiny` names (`encoder.layers.*` / `decoder.layers.*` only).
    static func isDiffusers(_ keys: some Collection<String>) -> Bool {
        !keys.isEmpty && keys.allSatisfy { $0.hasPrefix("encoder.layers.") || $0.hasPrefix("decoder.layers.") }
    }

    /// The half an original-layout file holds (from its keys).
    static func half(_ keys: some Collection<String>) -> Half { keys.contains("0.weight") ? .encoder : .decoder }

    /// The diffusers name of an original key of `half`, or nil when the key cannot be one (decoder index 0).
    static func diffusersName(_ key: String, half: Half) -> String? {
        guard let dot = key.firstIndex(of: "."), let index = Int(key[..<dot]) else { return nil }
        let rest = key[dot...]
        switch half {
        case .encoder: return "encoder.layers.\(index)\(rest)"
        case .decoder: return index >= 1 ? "decoder.layers.\(index - 1)\(rest)" : nil
        }
    }

    /// Levels read from one half's diffusers-named shapes under `prefix` (`encoder.layers.`): the plain convolutions
    /// (`{k}.weight`) split the list into levels and the blocks (`{k}.conv.0.weight`) between them are counted.
    /// Both halves have one more plain convolution than levels: the encoder's first and per-level stride-2 ones plus
    /// its output, the decoder's input one and per-level ones (upsampling or output).
    static func levels(_ shapes: [String: [Int]], prefix: String, origin: String)
        throws -> (channels: [Int], blocks: [Int], latent: Int, first: [Int], last: [Int]) {
        var kinds: [(index: Int, isBlock: Bool)] = []
        for key in shapes.keys where key.hasPrefix(prefix) {
            let parts = key.dropFirst(prefix.count).split(separator: ".")
            guard let index = parts.first.flatMap({ Int($0) }) else {
                throw ModelLoadingError(origin: origin, key: key, problem: "not a TAESD weight (no layer index after \(prefix))")
            }
            if parts.count == 2 && parts[1] == "weight" { kinds.append((index, false)) }
            if parts.count == 4 && parts[1] == "conv" && parts[2] == "0" && parts[3] == "weight" { kinds.append((index, true)) }
        }
        kinds.sort { $0.index < $1.index }
        let convolutions = kinds.filter { !$0.isBlock }
        guard convolutions.count >= 2, let first = shapes[prefix + "\(convolutions[0].index).weight"],
              let last = shapes[prefix + "\(convolutions[convolutions.count - 1].index).weight"], first.count == 4, last.count == 4 else {
            throw ModelLoadingError(origin: origin, problem: "not a TAESD \(prefix.dropLast(8)): expected at least two convolutions " +
                                    "under \(prefix)N.weight")
        }
        var channels: [Int] = [], blocks: [Int] = []
        for (position, convolution) in convolutions.dropLast().enumerated() {
            let next = convolutions[position + 1].index
            blocks.append(kinds.filter { $0.isBlock && $0.index > convolution.index && $0.index < next }.count)
            channels.append(shapes[prefix + "\(convolution.index).weight"]?[0] ?? 0)
        }
        return (channels, blocks, prefix.hasPrefix("encoder") ? last[0] : first[1], first, last)
    }

    /// One file's shapes under diffusers names (an original-layout half renamed; diffusers names kept).
    static func diffusersShapes(_ shapes: [String: [Int]]) -> [String: [Int]] {
        guard isOriginal(shapes.keys) else { return shapes }
        let which = half(shapes.keys)
        var renamed: [String: [Int]] = [:]
        for (key, shape) in shapes { if let name = diffusersName(key, half: which) { renamed[name] = shape } }
        return renamed
    }

    /// The architecture of diffusers-named `shapes` (either half may be missing: it then mirrors the other).
    static func config(_ shapes: [String: [Int]], origin: String) throws -> TAESDConfig {
        let hasEncoder = shapes.keys.contains { $0.hasPrefix("encoder.") }
        let hasDecoder = shapes.keys.contains { $0.hasPrefix("decoder.") }
        let encoder = hasEncoder ? try levels(shapes, prefix: "encoder.layers.", origin: origin) : nil
        let decoder = hasDecoder ? try levels(shapes, prefix: "decoder.layers.", origin: origin) : nil
        guard let any = decoder ?? encoder else { throw ModelLoadingError(origin: origin, problem: "not a TAESD: no encoder or decoder weights") }
        let imageChannels = encoder?.first[1] ?? decoder?.last[0] ?? 3
        // The same bounds a config.json gets (`TAESDConfig(_:)`), so a hostile file cannot describe what no config may.
        func fail(_ problem: String) -> ModelLoadingError { ModelLoadingError(origin: origin, problem: "not a TAESD this loader reads: \(problem)") }
        for half in [encoder, decoder].compactMap({ $0 }) {
            guard ModelLimits.levels.contains(half.channels.count) else { throw fail("\(half.channels.count) levels (allowed \(ModelLimits.levels))") }
            guard Set(half.channels).count == 1, let width = half.channels.first, ModelLimits.channels.contains(width) else {
                throw fail("levels of widths \(half.channels) (all must be equal, within \(ModelLimits.channels))")
            }
            guard ModelLimits.edgeChannels.contains(half.latent) else { throw fail("\(half.latent) latent channels") }
        }
        if let encoder, let decoder, encoder.channels.count != decoder.channels.count || encoder.latent != decoder.latent {
            throw fail("the encoder (\(encoder.channels.count) levels, \(encoder.latent) latent channels) and decoder " +
                       "(\(decoder.channels.count), \(decoder.latent)) do not match")
        }
        guard imageChannels == 3 else { throw fail("\(imageChannels) image channels (RGB needs 3)") }
        return TAESDConfig(imageChannels: imageChannels,
                           encoderChannels: encoder?.channels ?? any.channels, decoderChannels: decoder?.channels ?? any.channels,
                           encoderBlocks: encoder?.blocks ?? Array(any.blocks.reversed()),
                           decoderBlocks: decoder?.blocks ?? Array(any.blocks.reversed()),
                           latentChannels: (encoder ?? any).latent)
    }
}

/// Tensors of one or more archives under new names (TAESD's original files under diffusers names).
struct RenamedWeights: WeightSource {
    let origin: String
    private let archives: [any TensorArchive]
    /// diffusers name → (archive, stored key).
    private let entries: [String: (archive: Int, key: String)]
    private let shapes: [String: [Int]]

    /// `rename` maps each stored key to its new name (nil: the key belongs to no layer, an error naming it).
    init(archives: [any TensorArchive], origin: String, rename: (Int, String) -> String?) throws {
        self.archives = archives
        self.origin = origin
        var entries: [String: (archive: Int, key: String)] = [:]
        var shapes: [String: [Int]] = [:]
        for (index, archive) in archives.enumerated() {
            for (key, shape) in archive.shapes {
                guard let name = rename(index, key) else {
                    throw ModelLoadingError(origin: archive.path, key: key, problem: "not a TAESD weight")
                }
                if let other = entries[name] {
                    throw ModelLoadingError(origin: archive.path, key: key, problem: "also present in \(archives[other.archive].path)")
                }
                entries[name] = (index, key)
                shapes[name] = shape
            }
        }
        self.entries = entries
        self.shapes = shapes
    }

    var tensorNames: Set<String> { Set(entries.keys) }
    func shape(of name: String) -> [Int]? { shapes[name] }
    func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw ModelLoadingError(origin: origin, key: name, problem: "missing from the checkpoint") }
        return try archives[entry.archive].tensor(entry.key)
    }
    /// Every shape, by new name.
    var allShapes: [String: [Int]] { shapes }
}

/// The tensors of another source whose names start with `prefix` (a TAESD's decoder half, for `--decoder`, so that
/// the encoder's weights are not reported as unused).
struct PrefixedWeights: WeightSource {
    let base: any WeightSource
    let prefix: String
    var origin: String { base.origin }
    var tensorNames: Set<String> { base.tensorNames.filter { $0.hasPrefix(prefix) } }
    func shape(of name: String) -> [Int]? { name.hasPrefix(prefix) ? base.shape(of: name) : nil }
    func tensor(_ name: String) throws -> Tensor {
        guard name.hasPrefix(prefix) else { throw ModelLoadingError(origin: origin, key: name, problem: "missing from the checkpoint") }
        return try base.tensor(name)
    }
}
