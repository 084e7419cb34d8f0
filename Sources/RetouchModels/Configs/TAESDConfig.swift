import Foundation

/// The architecture of a tiny autoencoder (TAESD, madebyollin/taesd), from diffusers' `AutoencoderTiny` `config.json`.
///
/// diffusers' `EncoderTiny`/`DecoderTiny` chain their levels without changing the channel count (each level's first
/// convolution maps `block_out_channels[i]` to itself), so a config whose levels differ in width cannot run there
/// either: it is refused at decode, naming the field. Fields absent from the file take diffusers' defaults (SD's TAESD).
public struct TAESDConfig: Sendable, Equatable {
    /// Image channels in and out (3).
    public var imageChannels: Int
    /// Channels of each encoder level (all equal).
    public var encoderChannels: [Int]
    /// Channels of each decoder level (all equal).
    public var decoderChannels: [Int]
    /// `AutoencoderTinyBlock`s after each encoder level's convolution (`num_encoder_blocks`, SD: 1, 3, 3, 3).
    public var encoderBlocks: [Int]
    /// `AutoencoderTinyBlock`s of each decoder level (`num_decoder_blocks`, SD: 3, 3, 3, 1).
    public var decoderBlocks: [Int]
    /// Latent channels (4 for SD 1/2 and SDXL's TAESD, 16 for SD3's and FLUX's).
    public var latentChannels: Int
    /// The pipeline divides latents by this before decoding and multiplies after encoding: 1.0 for TAESD, whose
    /// latents already are SD's scaled latents.
    public var scalingFactor: Float
    /// `latent_magnitude` and `latent_shift`: only for storing latents as 8-bit images (`scale_latents`); kept so a
    /// caller can, never used by encode or decode.
    public var latentMagnitude: Float, latentShift: Float

    /// Creates a config; the defaults are SD's TAESD (`madebyollin/taesd`).
    public init(imageChannels: Int = 3, encoderChannels: [Int] = [64, 64, 64, 64], decoderChannels: [Int] = [64, 64, 64, 64],
                encoderBlocks: [Int] = [1, 3, 3, 3], decoderBlocks: [Int] = [3, 3, 3, 1], latentChannels: Int = 4,
                scalingFactor: Float = 1, latentMagnitude: Float = 3, latentShift: Float = 0.5) {
        self.imageChannels = imageChannels
        self.encoderChannels = encoderChannels
        self.decoderChannels = decoderChannels
        self.encoderBlocks = encoderBlocks
        self.decoderBlocks = decoderBlocks
        self.latentChannels = latentChannels
        self.scalingFactor = scalingFactor
        self.latentMagnitude = latentMagnitude
        self.latentShift = latentShift
    }

    /// SD 1.x/2.x's TAESD (`taesd_encoder`/`taesd_decoder`; SDXL's `taesdxl` has the same shapes).
    public static let sd = TAESDConfig()

    /// Pixels per latent along each side: each decoder level but the last upsamples ×2 (diffusers' pipelines take
    /// `2^(len(block_out_channels) − 1)`, and `AutoencoderTiny` registers the decoder's channels under that name).
    public var scaleFactor: Int { 1 << (decoderChannels.count - 1) }

    /// The latent space it encodes to and decodes from (no shift: diffusers' SD pipelines apply none).
    public var latentSpace: LatentSpace {
        LatentSpace(latentChannels: latentChannels, scaleFactor: scaleFactor, scalingFactor: scalingFactor, shiftFactor: nil)
    }

    /// Decodes diffusers' `AutoencoderTiny` config.
    public init(_ reader: ConfigReader) throws {
        let defaults = TAESDConfig.sd
        func levels(_ key: String, _ fallback: [Int], in range: ClosedRange<Int>) throws -> [Int] {
            reader.has(key) ? try reader.ints(key, counts: ModelLimits.levels, in: range) : fallback
        }
        let encoderChannels = try levels("encoder_block_out_channels", defaults.encoderChannels, in: ModelLimits.channels)
        let decoderChannels = try levels("decoder_block_out_channels", defaults.decoderChannels, in: ModelLimits.channels)
        let encoderBlocks = try levels("num_encoder_blocks", defaults.encoderBlocks, in: 0...ModelLimits.layers.upperBound)
        let decoderBlocks = try levels("num_decoder_blocks", defaults.decoderBlocks, in: 0...ModelLimits.layers.upperBound)
        for (key, channels, blocks, blocksKey) in [("encoder_block_out_channels", encoderChannels, encoderBlocks, "num_encoder_blocks"),
                                                   ("decoder_block_out_channels", decoderChannels, decoderBlocks, "num_decoder_blocks")] {
            guard Set(channels).count == 1 else {
                throw ConfigError(file: reader.file, key: key, problem: "levels of different widths \(channels): AutoencoderTiny " +
                                  "chains its levels without changing channels, so every entry must be equal")
            }
            guard blocks.count == channels.count else {
                throw ConfigError(file: reader.file, key: blocksKey, problem: "has \(blocks.count) entries for \(channels.count) levels of \(key)")
            }
        }
        guard encoderChannels.count == decoderChannels.count else {
            throw ConfigError(file: reader.file, key: "decoder_block_out_channels", problem: "has \(decoderChannels.count) levels for the " +
                              "encoder's \(encoderChannels.count): the decoder must upsample by what the encoder downsamples")
        }
        try reader.requireDefault("act_fn", .string("relu"))
        try reader.requireDefault("upsample_fn", .string("nearest"))
        try reader.requireDefault("upsampling_scaling_factor", .number(2))
        // diffusers' SD pipelines never apply AutoencoderTiny's shift_factor; a non-zero one would be a latent space
        // Retouch cannot match.
        try reader.requireDefault("shift_factor", .number(0))
        // Retouch edits RGB images: the autoencoder must take and give three channels.
        let imageChannels = try reader.int("in_channels", default: 3, in: 3...3)
        _ = try reader.int("out_channels", default: 3, in: 3...3)
        _ = try reader.bool("force_upcast", default: false)
        self.init(imageChannels: imageChannels, encoderChannels: encoderChannels, decoderChannels: decoderChannels,
                  encoderBlocks: encoderBlocks, decoderBlocks: decoderBlocks,
                  latentChannels: try reader.int("latent_channels", default: 4, in: ModelLimits.edgeChannels),
                  scalingFactor: Float(try reader.double("scaling_factor", default: 1, above: 0, below: 1000)),
                  latentMagnitude: Float(try reader.double("latent_magnitude", default: 3, above: 0, below: 1000)),
                  latentShift: Float(try reader.double("latent_shift", default: 0.5, above: -1000, below: 1000)))
    }

    /// Whether a config names diffusers' `AutoencoderTiny` (`_class_name`).
    public static func isTiny(_ values: [String: JSONValue]) -> Bool { values["_class_name"] == .string("AutoencoderTiny") }
}

/// What a pipeline needs to know of an autoencoder's latents: their channels, pixels per latent, and the scaling
/// diffusers' pipelines apply (`latents · scaling_factor` after encoding, `/ scaling_factor` before decoding, with
/// `shift_factor` subtracted first when there is one).
public struct LatentSpace: Sendable, Equatable {
    /// Latent channels.
    public var latentChannels: Int
    /// Pixels per latent along each side.
    public var scaleFactor: Int
    /// Latents are multiplied by this after encoding (0.18215 for SD's VAE, 1 for TAESD).
    public var scalingFactor: Float
    /// Subtracted before scaling, when the model has one.
    public var shiftFactor: Float?

    /// Creates a description.
    public init(latentChannels: Int, scaleFactor: Int, scalingFactor: Float, shiftFactor: Float?) {
        self.latentChannels = latentChannels
        self.scaleFactor = scaleFactor
        self.scalingFactor = scalingFactor
        self.shiftFactor = shiftFactor
    }
}

extension VAEConfig {
    /// The latent space it encodes to and decodes from.
    public var latentSpace: LatentSpace {
        LatentSpace(latentChannels: latentChannels, scaleFactor: scaleFactor, scalingFactor: scalingFactor, shiftFactor: shiftFactor)
    }
}
