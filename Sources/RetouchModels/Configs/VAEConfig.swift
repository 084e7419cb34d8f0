import Foundation

/// The VAE's architecture, from diffusers' `vae/config.json` (AutoencoderKL).
public struct VAEConfig: Sendable, Equatable {
    /// Image channels in and out (3).
    public var imageChannels: Int
    /// Channels of each encoder level (decoder in reverse).
    public var blockOutChannels: [Int]
    /// ResNet blocks per encoder level (the decoder has one more).
    public var layersPerBlock: Int
    /// Latent channels (4).
    public var latentChannels: Int
    /// Group-norm groups.
    public var normGroups: Int
    /// Latents are multiplied by this after encoding (0.18215 for SD).
    public var scalingFactor: Float
    /// Subtracted before scaling, when the model has one (nil for SD 1/2).
    public var shiftFactor: Float?
    /// Whether `quant_conv`/`post_quant_conv` exist.
    public var useQuantConv: Bool, usePostQuantConv: Bool
    /// Whether the mid-blocks have attention.
    public var midBlockAttention: Bool

    /// Creates a config.
    public init(imageChannels: Int = 3, blockOutChannels: [Int] = [128, 256, 512, 512], layersPerBlock: Int = 2,
                latentChannels: Int = 4, normGroups: Int = 32, scalingFactor: Float = 0.18215, shiftFactor: Float? = nil,
                useQuantConv: Bool = true, usePostQuantConv: Bool = true, midBlockAttention: Bool = true) {
        self.imageChannels = imageChannels
        self.blockOutChannels = blockOutChannels
        self.layersPerBlock = layersPerBlock
        self.latentChannels = latentChannels
        self.normGroups = normGroups
        self.scalingFactor = scalingFactor
        self.shiftFactor = shiftFactor
        self.useQuantConv = useQuantConv
        self.usePostQuantConv = usePostQuantConv
        self.midBlockAttention = midBlockAttention
    }

    /// SD 1.x/2.x's VAE.
    public static let sd15 = VAEConfig()

    /// Pixels per latent along each side: 2^(levels − 1).
    public var scaleFactor: Int { 1 << (blockOutChannels.count - 1) }

    /// Decodes diffusers' AutoencoderKL config.
    public init(_ reader: ConfigReader) throws {
        let channels = try reader.ints("block_out_channels", counts: ModelLimits.levels, in: ModelLimits.channels)
        let down = try reader.strings("down_block_types")
        let up = try reader.strings("up_block_types")
        guard down.count == channels.count, down.allSatisfy({ $0 == "DownEncoderBlock2D" }) else {
            throw ConfigError(file: reader.file, key: "down_block_types", problem: "expected \(channels.count) DownEncoderBlock2D, got \(down)")
        }
        guard up.count == channels.count, up.allSatisfy({ $0 == "UpDecoderBlock2D" }) else {
            throw ConfigError(file: reader.file, key: "up_block_types", problem: "expected \(channels.count) UpDecoderBlock2D, got \(up)")
        }
        try reader.requireDefault("act_fn", .string("silu"))
        // Retouch edits RGB images: the VAE must take and give three channels.
        let inChannels = try reader.int("in_channels", default: 3, in: 3...3)
        _ = try reader.int("out_channels", default: 3, in: 3...3)
        // `sample_size` is informational for the VAE; bounded so no consumer can be led into a huge allocation.
        _ = try reader.sampleSize(default: 512, pixelsPerUnit: 1)
        self.init(imageChannels: inChannels, blockOutChannels: channels,
                  layersPerBlock: try reader.int("layers_per_block", default: 1, in: ModelLimits.layersPerBlock),
                  latentChannels: try reader.int("latent_channels", default: 4, in: ModelLimits.edgeChannels),
                  normGroups: try reader.normGroups(default: 32, channels: channels),
                  scalingFactor: Float(try reader.double("scaling_factor", default: 0.18215, above: 0, below: 1000)),
                  shiftFactor: reader.has("shift_factor") ? Float(try reader.double("shift_factor", above: -1000, below: 1000)) : nil,
                  useQuantConv: try reader.bool("use_quant_conv", default: true),
                  usePostQuantConv: try reader.bool("use_post_quant_conv", default: true),
                  midBlockAttention: try reader.bool("mid_block_add_attention", default: true))
    }
}
