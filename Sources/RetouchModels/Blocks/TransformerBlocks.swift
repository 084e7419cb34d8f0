import RetouchTensor

/// diffusers' `FeedForward` with a GEGLU gate: `Linear(dim → 2·4dim) → a·gelu(b) → Linear(4dim → dim)`.
public struct FeedForward: Sendable {
    let projectIn: LinearLayer, projectOut: LinearLayer

    /// Loads `net.0.proj` and `net.2`.
    public init(_ loader: inout WeightLoader, dim: Int, multiplier: Int = 4) throws {
        let inner = dim * multiplier
        projectIn = try loader.scope("net.0.proj") { try LinearLayer(&$0, inFeatures: dim, outFeatures: inner * 2) }
        projectOut = try loader.scope("net.2") { try LinearLayer(&$0, inFeatures: inner, outFeatures: dim) }
    }

    /// Rows (tokens over the batch) per pass: the 8×-wide GEGLU intermediate of a 512 px image's 8192 rows would
    /// take 84 MB; in passes of 2048 rows it takes 21 MB (diffusers' `enable_forward_chunking`). Rows are
    /// independent, so the result is the same.
    static let rowsPerPass = 2048

    /// `[B, L, dim] → [B, L, dim]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let dim = x.shape[x.rank - 1], rows = x.count / dim
        guard rows > Self.rowsPerPass else { return projectOut(projectIn(x).geglu()) }
        var output = [Float]()
        output.reserveCapacity(x.count)
        for start in stride(from: 0, to: rows, by: Self.rowsPerPass) {
            let count = min(Self.rowsPerPass, rows - start)
            let part = Tensor(shape: [count, dim], scalars: Array(x.scalars[(start * dim)..<((start + count) * dim)]))
            output.append(contentsOf: projectOut(projectIn(part).geglu()).scalars)
        }
        return Tensor(shape: x.shape, scalars: output)
    }
}

/// diffusers' `BasicTransformerBlock`: self-attention, cross-attention to the text, and a GEGLU feed-forward,
/// each pre-normalised with a layer norm and added back.
public struct TransformerBlock: Sendable {
    let norm1: LayerNormLayer, selfAttention: AttentionLayer
    let norm2: LayerNormLayer, crossAttention: AttentionLayer
    let norm3: LayerNormLayer, feedForward: FeedForward

    /// Loads one block of width `dim`.
    public init(_ loader: inout WeightLoader, dim: Int, heads: Int, contextDim: Int) throws {
        let headDim = dim / heads
        norm1 = try loader.scope("norm1") { try LayerNormLayer(&$0, features: dim, epsilon: 1e-5) }
        selfAttention = try loader.scope("attn1") { try AttentionLayer(&$0, queryDim: dim, heads: heads, headDim: headDim, projectionBias: false) }
        norm2 = try loader.scope("norm2") { try LayerNormLayer(&$0, features: dim, epsilon: 1e-5) }
        crossAttention = try loader.scope("attn2") {
            try AttentionLayer(&$0, queryDim: dim, contextDim: contextDim, heads: heads, headDim: headDim, projectionBias: false)
        }
        norm3 = try loader.scope("norm3") { try LayerNormLayer(&$0, features: dim, epsilon: 1e-5) }
        feedForward = try loader.scope("ff") { try FeedForward(&$0, dim: dim) }
    }

    /// `x`: `[B, L, dim]`; `context`: `[B, 77, contextDim]`.
    public func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        var h = x
        h.add(selfAttention(norm1(h)))
        h.add(crossAttention(norm2(h), context: context))
        h.add(feedForward(norm3(h)))
        return h
    }
}

/// diffusers' `Transformer2DModel` on continuous inputs: group norm, projection in (1×1 conv for SD1, linear for
/// SD2), transformer blocks over the H·W tokens, projection out, and the residual.
public struct SpatialTransformer: Sendable {
    let norm: GroupNormLayer
    let linearProjection: Bool
    let projectIn: LinearLayer, projectOut: LinearLayer
    let blocks: [TransformerBlock]

    /// Loads a transformer over `channels` channels.
    public init(_ loader: inout WeightLoader, channels: Int, heads: Int, contextDim: Int, layers: Int,
                groups: Int, linearProjection: Bool) throws {
        norm = try loader.scope("norm") { try GroupNormLayer(&$0, channels: channels, groups: groups, epsilon: 1e-6) }
        self.linearProjection = linearProjection
        // SD1 stores the projections as 1×1 convolutions [C, C, 1, 1], SD2 as linear [C, C]: the same matrix.
        let projectionShape = linearProjection ? [channels, channels] : [channels, channels, 1, 1]
        projectIn = try loader.scope("proj_in") {
            try LinearLayer(&$0, inFeatures: channels, outFeatures: channels, storedShape: projectionShape)
        }
        blocks = try (0..<layers).map { index in
            try loader.scope("transformer_blocks.\(index)") { try TransformerBlock(&$0, dim: channels, heads: heads, contextDim: contextDim) }
        }
        projectOut = try loader.scope("proj_out") {
            try LinearLayer(&$0, inFeatures: channels, outFeatures: channels, storedShape: projectionShape)
        }
    }

    /// `x`: `[N, C, H, W]`; `context`: `[N, 77, contextDim]`.
    public func callAsFunction(_ x: Tensor, context: Tensor) -> Tensor {
        let (height, width) = (x.shape[2], x.shape[3])
        // A 1×1 convolution and a linear layer on tokens are the same product, so both layouts share one path.
        var h = projectIn(norm(x).channelsToTokens())   // [N, HW, C]
        for block in blocks { h = block(h, context: context) }
        var output = projectOut(h).tokensToChannels(height: height, width: width)
        output.add(x)
        return output
    }
}
