/// The three networks of a Stable Diffusion single-file checkpoint.
public enum LDMComponent: String, Sendable, CaseIterable {
    /// `model.diffusion_model.*`
    case unet
    /// `first_stage_model.*`
    case vae
    /// `cond_stage_model.*`
    case textEncoder = "text_encoder"
}

/// Stored tensor shapes by key, with the queries layout inference needs; missing keys name the file and key.
struct ShapeTable {
    let file: String
    let shapes: [String: [Int]]

    func has(_ key: String) -> Bool { shapes[key] != nil }

    func shape(_ key: String) throws -> [Int] {
        guard let shape = shapes[key] else {
            throw ModelLoadingError(origin: file, key: key, problem: "missing, so the architecture cannot be inferred")
        }
        return shape
    }

    /// The shape of `key`, requiring `rank` dimensions.
    func shape(_ key: String, rank: Int) throws -> [Int] {
        let shape = try shape(key)
        guard shape.count == rank else {
            throw ModelLoadingError(origin: file, key: key, problem: "has shape \(shape), expected \(rank) dimensions")
        }
        return shape
    }

    /// The distinct integers `N` in keys that start with `prefix` followed by `N.`.
    func indices(after prefix: String) -> Set<Int> {
        var found = Set<Int>()
        for key in shapes.keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) { found.insert(index) }
        }
        return found
    }

    /// Whether any key starts with `prefix`.
    func hasPrefix(_ prefix: String) -> Bool { shapes.keys.contains { $0.hasPrefix(prefix) } }
}

/// The UNet's architecture as read from the shapes under `model.diffusion_model.`.
public struct LDMUNetLayout: Sendable, Equatable {
    /// Latent input channels (4, or 9 for inpainting).
    public var inChannels: Int
    /// Output channels.
    public var outChannels: Int
    /// Channels per resolution level.
    public var blockOutChannels: [Int]
    /// Residual blocks per down level (up levels have one more).
    public var layersPerBlock: Int
    /// Whether each down level (outermost first) has cross-attention transformers.
    public var downAttention: [Bool]
    /// Whether each up level (innermost first, diffusers' order) has cross-attention transformers.
    public var upAttention: [Bool]
    /// Transformer blocks per attention layer.
    public var transformerDepth: Int
    /// Whether `proj_in`/`proj_out` are linear (SD2) rather than 1×1 convolutions (SD1).
    public var linearProjection: Bool
    /// The width of the text embeddings cross-attention reads.
    public var crossAttentionDim: Int

    static let prefix = "model.diffusion_model."
    /// The most input blocks a single-file UNet may have (8 levels of 16 ResNets and a downsampler, plus conv_in).
    static let maxInputBlocks = 1 + 8 * 17

    /// A layout given directly (key tables for known architectures; tests).
    public init(inChannels: Int, outChannels: Int, blockOutChannels: [Int], layersPerBlock: Int, downAttention: [Bool],
                upAttention: [Bool], transformerDepth: Int = 1, linearProjection: Bool, crossAttentionDim: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.blockOutChannels = blockOutChannels
        self.layersPerBlock = layersPerBlock
        self.downAttention = downAttention
        self.upAttention = upAttention
        self.transformerDepth = transformerDepth
        self.linearProjection = linearProjection
        self.crossAttentionDim = crossAttentionDim
    }

    init(_ table: ShapeTable) throws {
        let p = Self.prefix
        let convIn = try table.shape(p + "input_blocks.0.0.weight", rank: 4)  // [C0, in, 3, 3]
        inChannels = convIn[1]
        outChannels = try table.shape(p + "out.2.weight", rank: 4)[0]
        let inputCount = (table.indices(after: p + "input_blocks.").max() ?? 0) + 1
        // SD's UNets have 12 input blocks; a hostile index must not drive the loops below.
        guard inputCount <= Self.maxInputBlocks else {
            throw ModelLoadingError(origin: table.file, key: p + "input_blocks.\(inputCount - 1)",
                                    problem: "input block index \(inputCount - 1) is outside the allowed range 0…\(Self.maxInputBlocks - 1)")
        }
        let downsamplers = (0..<inputCount).filter { table.has(p + "input_blocks.\($0).0.op.weight") }.count
        let levels = downsamplers + 1
        guard (inputCount - 1 - downsamplers) % levels == 0, inputCount - 1 - downsamplers >= levels else {
            throw ModelLoadingError(origin: table.file, key: p + "input_blocks",
                                    problem: "\(inputCount) input blocks with \(downsamplers) downsamplers do not form equal levels")
        }
        let perBlock = (inputCount - 1 - downsamplers) / levels
        layersPerBlock = perBlock
        blockOutChannels = try (0..<levels).map { level in
            try table.shape(p + "input_blocks.\(1 + level * (perBlock + 1)).0.out_layers.3.weight", rank: 4)[0]
        }
        downAttention = (0..<levels).map { table.hasPrefix(p + "input_blocks.\(1 + $0 * (perBlock + 1)).1.") }
        // Up level u, first resnet j = 0: index 1 is its attention (the upsampler sits after the last resnet).
        upAttention = (0..<levels).map { table.hasPrefix(p + "output_blocks.\($0 * (perBlock + 1)).1.") }
        let attention = p + "middle_block.1."
        transformerDepth = table.indices(after: attention + "transformer_blocks.").count
        linearProjection = try table.shape(attention + "proj_in.weight").count == 2
        crossAttentionDim = try table.shape(attention + "transformer_blocks.0.attn2.to_k.weight", rank: 2)[1]
    }
}

/// The VAE's architecture as read from the shapes under `first_stage_model.`.
public struct LDMVAELayout: Sendable, Equatable {
    /// Image channels in and out.
    public var inChannels: Int, outChannels: Int
    /// Channels per level.
    public var blockOutChannels: [Int]
    /// Residual blocks per encoder level (decoder levels have one more).
    public var layersPerBlock: Int
    /// Latent channels.
    public var latentChannels: Int
    /// Whether the mid blocks have self-attention.
    public var midAttention: Bool
    /// Whether the 1×1 `quant_conv` / `post_quant_conv` are present.
    public var quantConv: Bool, postQuantConv: Bool

    static let prefix = "first_stage_model."

    /// A layout given directly (key tables for known architectures; tests).
    public init(inChannels: Int = 3, outChannels: Int = 3, blockOutChannels: [Int], layersPerBlock: Int,
                latentChannels: Int = 4, midAttention: Bool = true, quantConv: Bool = true, postQuantConv: Bool = true) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.blockOutChannels = blockOutChannels
        self.layersPerBlock = layersPerBlock
        self.latentChannels = latentChannels
        self.midAttention = midAttention
        self.quantConv = quantConv
        self.postQuantConv = postQuantConv
    }

    init(_ table: ShapeTable) throws {
        let p = Self.prefix
        let levels = table.indices(after: p + "encoder.down.").count
        guard levels > 0 else {
            throw ModelLoadingError(origin: table.file, key: p + "encoder.down.0", problem: "missing: the file has no VAE encoder")
        }
        layersPerBlock = table.indices(after: p + "encoder.down.0.block.").count
        blockOutChannels = try (0..<levels).map { try table.shape(p + "encoder.down.\($0).block.0.conv1.weight", rank: 4)[0] }
        inChannels = try table.shape(p + "encoder.conv_in.weight", rank: 4)[1]
        outChannels = try table.shape(p + "decoder.conv_out.weight", rank: 4)[0]
        latentChannels = try table.shape(p + "decoder.conv_in.weight", rank: 4)[1]
        midAttention = table.has(p + "encoder.mid.attn_1.q.weight")
        quantConv = table.has(p + "quant_conv.weight")
        postQuantConv = table.has(p + "post_quant_conv.weight")
    }
}

/// The text encoder's architecture: OpenAI CLIP (SD1, `cond_stage_model.transformer.*`) or OpenCLIP
/// (SD2, `cond_stage_model.model.*`).
public struct LDMTextLayout: Sendable, Equatable {
    /// The two layouts single files store.
    public enum Kind: Sendable, Equatable {
        /// transformers' CLIPTextModel names under `cond_stage_model.transformer.` (with or without `text_model.`).
        case openAICLIP(prefix: String)
        /// open_clip's names under `cond_stage_model.model.`, q/k/v fused.
        case openCLIP
    }

    /// Which layout the file uses.
    public var kind: Kind
    /// Vocabulary size.
    public var vocabSize: Int
    /// Hidden width.
    public var hiddenSize: Int
    /// MLP width.
    public var intermediateSize: Int
    /// Positions.
    public var maxPositions: Int
    /// Transformer layers stored in the file.
    public var storedLayers: Int
    /// Layers Stable Diffusion runs: all of them for SD1; all but the last for SD2, which conditions on
    /// OpenCLIP's penultimate layer (then `ln_final`), i.e. a CLIPTextModel with one layer fewer.
    public var usedLayers: Int
    /// OpenCLIP's `text_projection` output width, if stored.
    public var projectionDim: Int?

    static let openCLIPPrefix = "cond_stage_model.model."
    static let openAIPrefixes = ["cond_stage_model.transformer.text_model.", "cond_stage_model.transformer."]

    init(_ table: ShapeTable) throws {
        if table.has(Self.openCLIPPrefix + "token_embedding.weight") {
            let p = Self.openCLIPPrefix
            kind = .openCLIP
            let tokens = try table.shape(p + "token_embedding.weight", rank: 2)
            (vocabSize, hiddenSize) = (tokens[0], tokens[1])
            maxPositions = try table.shape(p + "positional_embedding", rank: 2)[0]
            intermediateSize = try table.shape(p + "transformer.resblocks.0.mlp.c_fc.weight", rank: 2)[0]
            storedLayers = table.indices(after: p + "transformer.resblocks.").count
            guard storedLayers >= 2 else {
                throw ModelLoadingError(origin: table.file, key: p + "transformer.resblocks",
                                        problem: "\(storedLayers) layers; SD2 needs at least 2 (it uses the penultimate)")
            }
            usedLayers = storedLayers - 1
            projectionDim = table.shapes[p + "text_projection"]?.last
            return
        }
        guard let p = Self.openAIPrefixes.first(where: { table.has($0 + "embeddings.token_embedding.weight") }) else {
            throw ModelLoadingError(origin: table.file, key: Self.openCLIPPrefix + "token_embedding.weight",
                                    problem: "missing, and no OpenAI CLIP text encoder under cond_stage_model.transformer. either: " +
                                        "the file has no SD1/SD2 text encoder")
        }
        kind = .openAICLIP(prefix: p)
        let tokens = try table.shape(p + "embeddings.token_embedding.weight", rank: 2)
        (vocabSize, hiddenSize) = (tokens[0], tokens[1])
        maxPositions = try table.shape(p + "embeddings.position_embedding.weight", rank: 2)[0]
        intermediateSize = try table.shape(p + "encoder.layers.0.mlp.fc1.weight", rank: 2)[0]
        storedLayers = table.indices(after: p + "encoder.layers.").count
        usedLayers = storedLayers
        projectionDim = nil
    }
}
