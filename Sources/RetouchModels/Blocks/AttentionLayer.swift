import RetouchTensor

/// diffusers' `Attention` (and CLIP's self-attention): projections to queries, keys and values, multi-head
/// scaled dot-product attention, and an output projection.
public struct AttentionLayer: Sendable {
    let toQuery: LinearLayer, toKey: LinearLayer, toValue: LinearLayer, toOut: LinearLayer
    /// Number of heads.
    public let heads: Int

    /// Key names of the projections: diffusers' (`to_q`, …, `to_out.0`) or CLIP's (`q_proj`, …, `out_proj`).
    public enum Naming: Sendable { case diffusers, clip }

    /// Loads the four projections; `contextDim` is the key/value input width (cross-attention) or nil for self-attention.
    public init(_ loader: inout WeightLoader, queryDim: Int, contextDim: Int? = nil, heads: Int, headDim: Int,
                projectionBias: Bool, naming: Naming = .diffusers) throws {
        let inner = heads * headDim
        let names = naming == .diffusers ? ("to_q", "to_k", "to_v", "to_out.0") : ("q_proj", "k_proj", "v_proj", "out_proj")
        toQuery = try loader.scope(names.0) { try LinearLayer(&$0, inFeatures: queryDim, outFeatures: inner, hasBias: projectionBias) }
        toKey = try loader.scope(names.1) { try LinearLayer(&$0, inFeatures: contextDim ?? queryDim, outFeatures: inner, hasBias: projectionBias) }
        toValue = try loader.scope(names.2) { try LinearLayer(&$0, inFeatures: contextDim ?? queryDim, outFeatures: inner, hasBias: projectionBias) }
        toOut = try loader.scope(names.3) { try LinearLayer(&$0, inFeatures: inner, outFeatures: queryDim) }
        self.heads = heads
    }

    /// Whether the layer was loaded in bf16 (its attention products then run in bf16 too).
    var isBF16: Bool {
        if case .bf16 = toQuery.weight { return true }
        return false
    }

    /// `x`: `[B, Lq, queryDim]`; `context`: `[B, Lk, contextDim]` or nil (self-attention).
    public func callAsFunction(_ x: Tensor, context: Tensor? = nil, causal: Bool = false) -> Tensor {
        let source = context ?? x
        let attended = Attention.scaledDotProduct(query: toQuery(x), key: toKey(source), value: toValue(source),
                                                  heads: heads, causal: causal, bf16: isBF16)   // [B, Lq, inner]
        return toOut(attended)
    }
}
