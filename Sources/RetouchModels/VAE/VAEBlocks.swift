import RetouchTensor

/// The VAE's single-head self-attention over pixels, with its own group norm and a residual
/// (diffusers' `Attention` in `UNetMidBlock2D`).
struct VAEAttention: Sendable {
    let norm: GroupNormLayer
    let attention: AttentionLayer

    init(_ loader: inout WeightLoader, channels: Int, groups: Int) throws {
        norm = try loader.scope("group_norm") { try GroupNormLayer(&$0, channels: channels, groups: groups, epsilon: 1e-6) }
        attention = try AttentionLayer(&loader, queryDim: channels, heads: 1, headDim: channels, projectionBias: true)
    }

    /// `[N, C, H, W] → [N, C, H, W]`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        let tokens = norm(x).channelsToTokens()                                   // [N, HW, C]
        var output = attention(tokens).tokensToChannels(height: x.shape[2], width: x.shape[3])
        output.add(x)
        return output
    }
}

/// The VAE mid-block: ResNet, attention, ResNet.
struct VAEMidBlock: Sendable {
    let first: ResnetBlock, attention: VAEAttention?, second: ResnetBlock

    init(_ loader: inout WeightLoader, channels: Int, groups: Int, withAttention: Bool) throws {
        first = try loader.scope("resnets.0") {
            try ResnetBlock(&$0, inChannels: channels, outChannels: channels, timeChannels: nil, groups: groups, epsilon: 1e-6)
        }
        attention = withAttention ? try loader.scope("attentions.0") { try VAEAttention(&$0, channels: channels, groups: groups) } : nil
        second = try loader.scope("resnets.1") {
            try ResnetBlock(&$0, inChannels: channels, outChannels: channels, timeChannels: nil, groups: groups, epsilon: 1e-6)
        }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = first(x)
        if let attention { h = attention(h) }
        return second(h)
    }
}
