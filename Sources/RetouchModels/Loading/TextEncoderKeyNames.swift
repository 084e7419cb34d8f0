import RetouchTensor

/// A text encoder's weights under transformers' canonical names (`text_model.embeddings…`,
/// `text_model.encoder.layers.N…`, `text_model.final_layer_norm…`), whichever way the file names them.
///
/// Published Stable Diffusion repositories (and transformers before 5.6) store `CLIPTextModel` and
/// `CLIPTextModelWithProjection` weights with the `text_model.` prefix; transformers ≥ 5.6 `save_pretrained` writes
/// them without it (`embeddings.token_embedding.weight`, `encoder.layers.0…`), keeping top-level parts such as
/// `text_projection.weight` as they are. This view adds the prefix to the unprefixed parts so every model, LoRA and
/// embedding sees one naming. A file mixing both namings keeps its names, and loading then reports the unused keys.
public struct TextEncoderKeyNames: WeightSource {
    /// The parts of a `CLIPTextTransformer` that transformers ≥ 5.6 stores without `text_model.`.
    static let transformerParts = ["embeddings.", "encoder.", "final_layer_norm."]
    static let prefix = "text_model."

    private let base: any WeightSource
    /// Canonical name → stored name.
    private let storedName: [String: String]
    public var origin: String { base.origin }
    public var isExhaustive: Bool { base.isExhaustive }

    /// Presents `base` under canonical names.
    public init(_ base: any WeightSource) {
        self.base = base
        let names = base.tensorNames
        let prefixed = names.contains { $0.hasPrefix(Self.prefix) }
        var map: [String: String] = [:]
        for name in names {
            let unprefixedPart = Self.transformerParts.contains { name.hasPrefix($0) }
            map[!prefixed && unprefixedPart ? Self.prefix + name : name] = name
        }
        storedName = map
    }

    /// Whether the stored names lack the `text_model.` prefix (saved by transformers ≥ 5.6).
    public var isUnprefixed: Bool { storedName.contains { $0.key != $0.value } }

    public var tensorNames: Set<String> { Set(storedName.keys) }

    public func shape(of name: String) -> [Int]? { storedName[name].flatMap(base.shape(of:)) }

    public func tensor(_ name: String) throws -> Tensor {
        guard let stored = storedName[name] else {
            throw ModelLoadingError(origin: origin, key: name, problem: "missing from the checkpoint")
        }
        return try base.tensor(stored)
    }

    public func tensor(_ name: String, expectedShape: [Int]) throws -> Tensor {
        try base.tensor(storedName[name] ?? name, expectedShape: expectedShape)
    }
}
