import Foundation
import RetouchFiles
import RetouchModels

/// A LoRA to merge at load (`--lora PATH[:WEIGHT]`, or a `<lora:NAME:…>` tag resolved in `--lora-dir`).
public struct LoRAChoice: Sendable, Equatable {
    /// The file.
    public let url: URL
    /// Strengths for the text encoder and the UNet.
    public let textEncoderWeight: Float, unetWeight: Float
    /// The name the infotext shows (the file stem, as A1111).
    public var name: String { url.deletingPathExtension().lastPathComponent }

    /// A LoRA at the given strengths.
    public init(url: URL, textEncoderWeight: Float = 1, unetWeight: Float = 1) {
        self.url = url
        self.textEncoderWeight = textEncoderWeight
        self.unetWeight = unetWeight
    }

    /// Parses a `--lora PATH[:WEIGHT]` argument (see `split(argument:)`).
    public init(argument: String) throws {
        let (path, weight) = try Self.split(argument: argument)
        self.init(url: URL(fileURLWithPath: (path as NSString).expandingTildeInPath), textEncoderWeight: weight, unetWeight: weight)
    }

    /// Splits a `--lora PATH[:WEIGHT]` argument into its path (or name) as written and its weight. The weight is
    /// taken after the last colon only when it parses as a number, so paths with colons still work; a non-finite
    /// weight is an error.
    public static func split(argument: String) throws -> (path: String, weight: Float) {
        guard let colon = argument.lastIndex(of: ":") else { return (argument, 1) }
        let tail = String(argument[argument.index(after: colon)...])
        if let value = Float(tail) {
            guard value.isFinite else { throw ModelLoadingError(origin: argument, problem: "--lora weight '\(tail)' is not a finite number") }
            return (String(argument[..<colon]), value)
        }
        if !FileManager.default.fileExists(atPath: (argument as NSString).expandingTildeInPath), !tail.contains("/") {
            throw ModelLoadingError(origin: argument, problem: "--lora expects PATH[:WEIGHT]; '\(tail)' is not a weight (a number such as 0.8)")
        }
        return (argument, 1)
    }

    /// The choices the `<lora:…>` tags in `prompts` make, resolved by file stem in `folder` and its subfolders (the
    /// models folder's rules, `ModelsFolder.resolve`); an unknown or ambiguous name is an error naming it and the folder, a tag without a folder an error naming the flag.
    public static func fromTags(in prompts: [String], folder: URL?) throws -> [LoRAChoice] {
        let tags = try prompts.flatMap { try LoRATag.tags(in: $0) }
        guard !tags.isEmpty else { return [] }
        guard let folder else {
            throw ModelLoadingError(origin: "<lora:\(tags[0].name)>", problem: "a prompt names a LoRA but no --lora-dir was given to find it in")
        }
        return try tags.map { tag in
            LoRAChoice(url: try ModelsFolder.resolve(tag.name, kind: .lora, in: [folder]),
                       textEncoderWeight: tag.textEncoderWeight, unetWeight: tag.unetWeight)
        }
    }
}

extension StableDiffusion {
    /// Parses the chosen files once (their tensors are read when the layers they patch load).
    static func openLoRAs(_ choices: [LoRAChoice]) throws -> [LoRAApplication] {
        try choices.map { choice in
            guard FileManager.default.fileExists(atPath: choice.url.path) else {
                throw ModelLoadingError(origin: choice.url.path, problem: "the LoRA file does not exist")
            }
            return LoRAApplication(file: try LoRAFile(url: choice.url), textEncoderWeight: choice.textEncoderWeight, unetWeight: choice.unetWeight)
        }
    }

    /// `weights` with `loras` merged for `component` (unchanged without LoRAs).
    static func patched(_ weights: any WeightSource, _ component: LoRAComponent, _ loras: [LoRAApplication]) throws -> any WeightSource {
        guard !loras.isEmpty else { return weights }
        let named = component == .textEncoder ? TextEncoderKeyNames(weights) : weights
        return try LoRAWeights(named, component: component, loras: loras)
    }

    /// A1111's `Lora hashes` infotext value, `"name: hash, …"`: the first 12 hex digits of the SHA-256 of a
    /// safetensors file's tensor data after its header (the "addnet" hash A1111 uses for LoRAs), or of the whole
    /// file for other formats.
    static func loraHashes(_ choices: [LoRAChoice]) throws -> String? {
        guard !choices.isEmpty else { return nil }
        var seen = Set<String>(), parts: [String] = []
        for choice in choices where seen.insert(choice.url.standardizedFileURL.path).inserted {
            parts.append("\(choice.name): \(try addnetHash(choice.url).prefix(12))")
        }
        return "\"" + parts.joined(separator: ", ") + "\""
    }

    /// The SHA-256 of a safetensors file from after its header (whole file otherwise).
    static func addnetHash(_ url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let prefix = try handle.read(upToCount: 8) ?? Data()
        if prefix.count == 8 {
            let length = prefix.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }.littleEndian
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            if length < UInt64(Int.max - 8), 8 + Int(length) <= size, (try CheckpointFormat.detect(at: url)) == .safetensors {
                return try FileHash.sha256(of: url, from: 8 + Int(length))
            }
        }
        return try FileHash.sha256(of: url)
    }
}
