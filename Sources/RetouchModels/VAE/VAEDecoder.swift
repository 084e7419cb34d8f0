import RetouchTensor

/// diffusers' VAE `Decoder` (after `post_quant_conv`): latent `[N, latent, h, w]` → image `[N, 3, h·f, w·f]`.
struct VAEDecoder: Sendable {
    let postQuantConv: Conv2dLayer?
    let convIn: Conv2dLayer
    let mid: VAEMidBlock
    let levels: [(resnets: [ResnetBlock], upsample: Upsample?)]
    let normOut: GroupNormLayer
    let convOut: Conv2dLayer

    init(_ loader: inout WeightLoader, config: VAEConfig) throws {
        let reversed = Array(config.blockOutChannels.reversed())
        let groups = config.normGroups
        let latent = config.latentChannels
        postQuantConv = config.usePostQuantConv ? try loader.scope("post_quant_conv") {
            try Conv2dLayer(&$0, inChannels: latent, outChannels: latent, kernel: 1)
        } : nil
        convIn = try loader.scope("decoder.conv_in") { try Conv2dLayer(&$0, inChannels: latent, outChannels: reversed[0], kernel: 3) }
        mid = try loader.scope("decoder.mid_block") { try VAEMidBlock(&$0, channels: reversed[0], groups: groups, withAttention: config.midBlockAttention) }
        var levels: [(resnets: [ResnetBlock], upsample: Upsample?)] = []
        var current = reversed[0]
        for (index, out) in reversed.enumerated() {
            let resnets = try (0...config.layersPerBlock).map { layer in
                try loader.scope("decoder.up_blocks.\(index).resnets.\(layer)") {
                    try ResnetBlock(&$0, inChannels: layer == 0 ? current : out, outChannels: out, timeChannels: nil, groups: groups, epsilon: 1e-6)
                }
            }
            let upsample = index == reversed.count - 1 ? nil : try loader.scope("decoder.up_blocks.\(index).upsamplers.0") {
                try Upsample(&$0, channels: out)
            }
            levels.append((resnets, upsample))
            current = out
        }
        self.levels = levels
        normOut = try loader.scope("decoder.conv_norm_out") { try GroupNormLayer(&$0, channels: current, groups: groups, epsilon: 1e-6) }
        convOut = try loader.scope("decoder.conv_out") { try Conv2dLayer(&$0, inChannels: current, outChannels: config.imageChannels, kernel: 3) }
    }

    func callAsFunction(_ latent: Tensor) -> Tensor {
        var h = convIn(postQuantConv?(latent) ?? latent)
        h = mid(h)
        for level in levels {
            for resnet in level.resnets { h = resnet(h) }
            if let upsample = level.upsample { h = upsample(h) }
        }
        return convOut(normOut(h, silu: true))
    }
}
