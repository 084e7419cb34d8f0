import Foundation

/// The UNet's architecture, from diffusers' `unet/config.json` (UNet2DConditionModel, SD 1.x/2.x family).
///
/// Scalar-or-list fields are normalised to one value per down block; `attention_head_dim` is read as the number
/// of heads when `num_attention_heads` is absent, as diffusers does.
public struct UNetConfig: Sendable, Equatable {
    /// Kinds of down blocks.
    public enum DownBlock: String, Sendable, CaseIterable { case crossAttention = "CrossAttnDownBlock2D", plain = "DownBlock2D" }
    /// Kinds of up blocks.
    public enum UpBlock: String, Sendable, CaseIterable { case crossAttention = "CrossAttnUpBlock2D", plain = "UpBlock2D" }

    /// Input channels: 4, or 9 for inpainting checkpoints.
    public var inChannels: Int
    /// Output channels (4).
    public var outChannels: Int
    /// Channels per level.
    public var blockOutChannels: [Int]
    /// Down-block kinds, one per level.
    public var downBlocks: [DownBlock]
    /// Up-block kinds, one per level (deepest first).
    public var upBlocks: [UpBlock]
    /// ResNet layers per down block (up blocks have one more).
    public var layersPerBlock: [Int]
    /// Transformer layers per down block's attention.
    public var transformerLayersPerBlock: [Int]
    /// Attention heads per down block.
    public var attentionHeads: [Int]
    /// Text-embedding width per down block.
    public var crossAttentionDim: [Int]
    /// Group-norm groups.
    public var normGroups: Int
    /// Group-norm epsilon for ResNets and the output norm.
    public var normEpsilon: Float
    /// Whether transformers project with linear layers (SD2) rather than 1×1 convolutions (SD1).
    public var useLinearProjection: Bool
    /// diffusers computes attention in float32 when set; Retouch always does, so this is informational.
    public var upcastAttention: Bool
    /// Sinusoidal embedding order: cos first when true.
    public var flipSinToCos: Bool
    /// Sinusoidal embedding frequency shift.
    public var freqShift: Float
    /// Padding of the down-sampling convolutions.
    public var downsamplePadding: Int
    /// Whether the mid-block exists.
    public var hasMidBlock: Bool
    /// The latent side the model was trained at (`sample_size`; 64 for SD 1.5, i.e. 512 px).
    public var sampleSize: Int = 64
    /// `time_cond_proj_dim`: the width of the extra timestep condition of distilled LCM UNets (256 for
    /// LCM_Dreamshaper_v7), which embed the guidance scale instead of running classifier-free guidance; nil for
    /// every other UNet. When set, the time embedding has diffusers' `cond_proj`.
    public var timeConditionDim: Int?

    /// Widths `time_cond_proj_dim` may have: diffusers' guidance embedding divides by `dim / 2 − 1`, so below 4 it
    /// is not finite; the top is `ModelLimits.channels`.
    public static let timeConditionDims = 4...ModelLimits.channels.upperBound

    /// Whether the UNet takes the guidance scale as a timestep condition (a distilled LCM UNet), so guidance runs
    /// no unconditional batch.
    public var embedsGuidance: Bool { timeConditionDim != nil }

    /// The time-embedding width (4 × the first level's channels).
    public var timeEmbeddingDim: Int { blockOutChannels[0] * 4 }

    /// Creates a config.
    public init(inChannels: Int = 4, outChannels: Int = 4, blockOutChannels: [Int] = [320, 640, 1280, 1280],
                downBlocks: [DownBlock] = [.crossAttention, .crossAttention, .crossAttention, .plain],
                upBlocks: [UpBlock] = [.plain, .crossAttention, .crossAttention, .crossAttention],
                layersPerBlock: [Int] = [2, 2, 2, 2], transformerLayersPerBlock: [Int] = [1, 1, 1, 1],
                attentionHeads: [Int] = [8, 8, 8, 8], crossAttentionDim: [Int] = [768, 768, 768, 768],
                normGroups: Int = 32, normEpsilon: Float = 1e-5, useLinearProjection: Bool = false,
                upcastAttention: Bool = false, flipSinToCos: Bool = true, freqShift: Float = 0,
                downsamplePadding: Int = 1, hasMidBlock: Bool = true, timeConditionDim: Int? = nil) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.blockOutChannels = blockOutChannels
        self.downBlocks = downBlocks
        self.upBlocks = upBlocks
        self.layersPerBlock = layersPerBlock
        self.transformerLayersPerBlock = transformerLayersPerBlock
        self.attentionHeads = attentionHeads
        self.crossAttentionDim = crossAttentionDim
        self.normGroups = normGroups
        self.normEpsilon = normEpsilon
        self.useLinearProjection = useLinearProjection
        self.upcastAttention = upcastAttention
        self.flipSinToCos = flipSinToCos
        self.freqShift = freqShift
        self.downsamplePadding = downsamplePadding
        self.hasMidBlock = hasMidBlock
        self.timeConditionDim = timeConditionDim
    }

    /// SD 1.5's UNet.
    public static let sd15 = UNetConfig()

    /// Decodes diffusers' UNet2DConditionModel config.
    public init(_ reader: ConfigReader) throws {
        let channels = try reader.ints("block_out_channels", counts: ModelLimits.levels, in: ModelLimits.channels)
        let levels = channels.count
        let downNames = try reader.strings("down_block_types")
        let upNames = try reader.strings("up_block_types")
        guard downNames.count == levels else {
            throw ConfigError(file: reader.file, key: "down_block_types",
                              problem: "has \(downNames.count) entries for \(levels) levels (block_out_channels \(channels)); they must match")
        }
        guard upNames.count == levels else {
            throw ConfigError(file: reader.file, key: "up_block_types",
                              problem: "has \(upNames.count) entries for \(levels) levels (block_out_channels \(channels)); they must match")
        }
        let downBlocks = try downNames.map { name -> DownBlock in
            guard let block = DownBlock(rawValue: name) else {
                throw ConfigError(file: reader.file, key: "down_block_types",
                                  problem: "unsupported block '\(name)' (supported: CrossAttnDownBlock2D, DownBlock2D)")
            }
            return block
        }
        let upBlocks = try upNames.map { name -> UpBlock in
            guard let block = UpBlock(rawValue: name) else {
                throw ConfigError(file: reader.file, key: "up_block_types",
                                  problem: "unsupported block '\(name)' (supported: CrossAttnUpBlock2D, UpBlock2D)")
            }
            return block
        }
        let midType = reader.has("mid_block_type") ? try reader.string("mid_block_type") : "UNetMidBlock2DCrossAttn"
        guard midType == "UNetMidBlock2DCrossAttn" else {
            throw ConfigError(file: reader.file, key: "mid_block_type", problem: "unsupported value '\(midType)' (supported: UNetMidBlock2DCrossAttn)")
        }
        // Options of the wider UNet2DConditionModel family that the SD 1.x/2.x UNets leave at their defaults.
        for (key, value) in [("act_fn", JSONValue.string("silu")), ("only_cross_attention", .bool(false)),
                             ("dual_cross_attention", .bool(false)), ("center_input_sample", .bool(false)),
                             ("resnet_time_scale_shift", .string("default")), ("time_embedding_type", .string("positional")),
                             ("class_embed_type", .null), ("addition_embed_type", .null), ("encoder_hid_dim", .null),
                             ("encoder_hid_dim_type", .null), ("num_class_embeds", .null),
                             ("conv_in_kernel", .number(3)), ("conv_out_kernel", .number(3)), ("mid_block_scale_factor", .number(1)),
                             ("attention_type", .string("default")), ("time_embedding_dim", .null), ("timestep_post_act", .null),
                             ("time_embedding_act_fn", .null), ("class_embeddings_concat", .bool(false)),
                             ("reverse_transformer_layers_per_block", .null), ("cross_attention_norm", .null),
                             ("resnet_skip_time_act", .bool(false)), ("resnet_out_scale_factor", .number(1)),
                             ("mid_block_only_cross_attention", .null), ("addition_time_embed_dim", .null)] {
            try reader.requireDefault(key, value)
        }
        // diffusers' quirk: `attention_head_dim` is the number of heads when `num_attention_heads` is absent.
        let headsKey = reader.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim"
        let heads = try reader.perBlock(headsKey, count: levels, default: 8, in: 1...ModelLimits.channels.upperBound)
        for (index, count) in heads.enumerated() where channels[index] % count != 0 {
            throw ConfigError(file: reader.file, key: headsKey,
                              problem: "value \(count) does not divide level \(index)'s \(channels[index]) channels; heads must divide each level's channels")
        }
        let crossDim = try reader.perBlock("cross_attention_dim", count: levels, default: 1280, in: ModelLimits.width)
        self.init(inChannels: try reader.int("in_channels", default: 4, in: ModelLimits.edgeChannels),
                  outChannels: try reader.int("out_channels", default: 4, in: ModelLimits.edgeChannels),
                  blockOutChannels: channels, downBlocks: downBlocks, upBlocks: upBlocks,
                  layersPerBlock: try reader.perBlock("layers_per_block", count: levels, default: 2, in: ModelLimits.layersPerBlock),
                  transformerLayersPerBlock: try reader.perBlock("transformer_layers_per_block", count: levels, default: 1,
                                                                 in: ModelLimits.layers),
                  attentionHeads: heads, crossAttentionDim: crossDim,
                  normGroups: try reader.normGroups(default: 32, channels: channels),
                  normEpsilon: Float(try reader.double("norm_eps", default: 1e-5, above: 0, below: 1)),
                  useLinearProjection: try reader.bool("use_linear_projection", default: false),
                  upcastAttention: try reader.bool("upcast_attention", default: false),
                  flipSinToCos: try reader.bool("flip_sin_to_cos", default: true),
                  freqShift: Float(try reader.int("freq_shift", default: 0, in: 0...1)),
                  downsamplePadding: try reader.int("downsample_padding", default: 1, in: 0...1))
        sampleSize = try reader.sampleSize(default: 64, pixelsPerUnit: ModelLimits.unetSampleScale)
        if reader.has("time_cond_proj_dim") {
            timeConditionDim = try reader.int("time_cond_proj_dim", in: Self.timeConditionDims)
        }
    }
}
