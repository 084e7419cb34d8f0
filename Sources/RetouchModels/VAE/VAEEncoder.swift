import RetouchTensor

/// diffusers' VAE `Encoder` (+ `quant_conv`): image `[N, 3, H, W]` in `[-1, 1]` → moments `[N, 2·latent, H/f, W/f]`.
struct VAEEncoder: Sendable {
    let convIn: Conv2dLayer
    let levels: [(resnets: [ResnetBlock], downsample: Downsample?)]
    let mid: VAEMidBlock
    let normOut: GroupNormLayer
    let convOut: Conv2dLayer
    let quantConv: Conv2dLayer?

    init(_ loader: inout WeightLoader, config: VAEConfig) throws {
        let channels = config.blockOutChannels
        let groups = config.normGroups
        convIn = try loader.scope("encoder.conv_in") { try Conv2dLayer(&$0, inChannels: config.imageChannels, outChannels: channels[0], kernel: 3) }
        var levels: [(resnets: [ResnetBlock], downsample: Downsample?)] = []
        var current = channels[0]
        for (index, out) in channels.enumerated() {
            let resnets = try (0..<config.layersPerBlock).map { layer in
                try loader.scope("encoder.down_blocks.\(index).resnets.\(layer)") {
                    try ResnetBlock(&$0, inChannels: layer == 0 ? current : out, outChannels: out, timeChannels: nil, groups: groups, epsilon: 1e-6)
                }
            }
            let downsample = index == channels.count - 1 ? nil : try loader.scope("encoder.down_blocks.\(index).downsamplers.0") {
                try Downsample(&$0, channels: out, padding: 0)
            }
            levels.append((resnets, downsample))
            current = out
        }
        self.levels = levels
        mid = try loader.scope("encoder.mid_block") { try VAEMidBlock(&$0, channels: current, groups: groups, withAttention: config.midBlockAttention) }
        normOut = try loader.scope("encoder.conv_norm_out") { try GroupNormLayer(&$0, channels: current, groups: groups, epsilon: 1e-6) }
        convOut = try loader.scope("encoder.conv_out") { try Conv2dLayer(&$0, inChannels: current, outChannels: 2 * config.latentChannels, kernel: 3) }
        quantConv = config.useQuantConv ? try loader.scope("quant_conv") {
            try Conv2dLayer(&$0, inChannels: 2 * config.latentChannels, outChannels: 2 * config.latentChannels, kernel: 1)
        } : nil
    }

    func callAsFunction(_ image: Tensor) -> Tensor {
        var h = convIn(image)
        for level in levels {
            for resnet in level.resnets { h = resnet(h) }
            if let downsample = level.downsample { h = downsample(h) }
        }
        h = convOut(normOut(mid(h), silu: true))
        return quantConv?(h) ?? h
    }
}
