import RetouchTensor
import RetouchChecks

/// diffusers' `UNet2DConditionModel` for the SD 1.x/2.x family: predicts noise (or v) from a noisy latent,
/// a timestep and the text embeddings; distilled LCM UNets (`time_cond_proj_dim`) also take a timestep condition,
/// the guidance embedding.
public struct UNet2DConditionModel: Sendable {
    /// The architecture.
    public let config: UNetConfig
    let timeEmbedding: TimestepEmbedding
    let convIn: Conv2dLayer
    let downBlocks: [UNetDownBlock]
    let midBlock: UNetMidBlock
    let upBlocks: [UNetUpBlock]
    let normOut: GroupNormLayer
    let convOut: Conv2dLayer

    /// Builds the model from weights in diffusers naming.
    public init(config: UNetConfig, weights: any WeightSource, precision: Precision = .fp32) throws {
        var loader = WeightLoader(source: weights, precision: precision)
        self.config = config
        let channels = config.blockOutChannels
        timeEmbedding = try TimestepEmbedding(&loader, channels: channels[0], embeddingDim: config.timeEmbeddingDim,
                                              flipSinToCos: config.flipSinToCos, freqShift: config.freqShift,
                                              conditionDim: config.timeConditionDim)
        convIn = try loader.scope("conv_in") { try Conv2dLayer(&$0, inChannels: config.inChannels, outChannels: channels[0], kernel: 3) }
        var previous = channels[0]
        var down: [UNetDownBlock] = []
        for index in channels.indices {
            down.append(try loader.scope("down_blocks.\(index)") { try UNetDownBlock(&$0, config: config, index: index, inChannels: previous) })
            previous = channels[index]
        }
        downBlocks = down
        midBlock = try loader.scope("mid_block") { try UNetMidBlock(&$0, config: config) }
        var up: [UNetUpBlock] = []
        for index in channels.indices {
            up.append(try loader.scope("up_blocks.\(index)") { try UNetUpBlock(&$0, config: config, index: index, previousChannels: previous) })
            previous = channels[channels.count - 1 - index]
        }
        upBlocks = up
        normOut = try loader.scope("conv_norm_out") { try GroupNormLayer(&$0, channels: channels[0], groups: config.normGroups, epsilon: config.normEpsilon) }
        convOut = try loader.scope("conv_out") { try Conv2dLayer(&$0, inChannels: channels[0], outChannels: config.outChannels, kernel: 3) }
        try loader.finish()
    }

    /// - Parameters:
    ///   - sample: `[N, inChannels, h, w]` (the noisy latent, with mask and masked-image latent for 9-channel models)
    ///   - timestep: the scheduler's timestep (may be fractional), the same for every batch item
    ///   - context: `[N, 77, crossAttentionDim]` text embeddings
    ///   - timestepCondition: `[N, timeConditionDim]` (diffusers' `timestep_cond`: `GuidanceEmbedding` for distilled
    ///     LCM UNets), projected by `cond_proj` and added to the sinusoidal timestep features; only for a UNet whose
    ///     config has `time_cond_proj_dim`. Nil leaves it out, as diffusers does.
    /// - Returns: `[N, outChannels, h, w]`
    public func callAsFunction(_ sample: Tensor, timestep: Float, context: Tensor, timestepCondition: Tensor? = nil) -> Tensor {
        // A wrong channel count would read past the weights.
        require(sample.rank == 4 && sample.shape[1] == config.inChannels && context.rank == 3 && context.shape[0] == sample.shape[0],
                "UNet expects [N, \(config.inChannels), h, w] and [N, L, D] context, got \(sample.shape) and \(context.shape)")
        if let timestepCondition {
            require(config.timeConditionDim != nil, "this UNet has no time_cond_proj_dim, so it takes no timestep condition")
            require(timestepCondition.shape == [sample.shape[0], config.timeConditionDim ?? 0],
                    "UNet expects a [\(sample.shape[0]), \(config.timeConditionDim ?? 0)] timestep condition, got \(timestepCondition.shape)")
        }
        let time = timeEmbedding(Array(repeating: timestep, count: sample.shape[0]), condition: timestepCondition)    // [N, 4·C0], SiLU applied
        var skips: [Tensor] = []
        var h = convIn(sample)
        skips.append(h)
        for block in downBlocks { h = block(h, time: time, context: context, skips: &skips) }
        h = midBlock(h, time: time, context: context)
        for block in upBlocks { h = block(h, time: time, context: context, skips: &skips) }
        return convOut(normOut(h, silu: true))
    }
}
