import RetouchTensor
import RetouchChecks

/// transformers' `CLIPTextModel`: token and position embeddings, pre-norm transformer layers with causal
/// self-attention, and a final layer norm.
public struct CLIPTextModel: Sendable {
    /// The architecture.
    public let config: CLIPTextConfig
    let tokenEmbedding: Tensor        // [vocab, hidden]
    let positionEmbedding: Tensor     // [positions, hidden]
    let layers: [CLIPEncoderLayer]
    let finalNorm: LayerNormLayer
    /// `[k, hidden]`: rows for ids `vocabSize ..< vocabSize + k` (textual-inversion vectors added for a run), kept
    /// apart so the vocabulary's table is never copied.
    public private(set) var addedTokenEmbedding: Tensor?

    /// Keys a text-encoder checkpoint may hold without the model using them.
    public static let ignoredKeys = ["position_ids", "logit_scale", "text_projection.weight"]

    /// Builds the model from weights named as transformers names them (`text_model.…`).
    public init(config: CLIPTextConfig, weights: any WeightSource, precision: Precision = .fp32) throws {
        var loader = WeightLoader(source: weights, ignoring: Self.ignoredKeys, precision: precision)
        let hidden = config.hiddenSize
        self.config = config
        (tokenEmbedding, positionEmbedding, layers, finalNorm) = try loader.scope("text_model") { loader in
            let tokens = try loader.tensor("embeddings.token_embedding.weight", shape: [config.vocabSize, hidden])
            let positions = try loader.tensor("embeddings.position_embedding.weight", shape: [config.maxPositions, hidden])
            let layers = try (0..<config.layerCount).map { index in
                try loader.scope("encoder.layers.\(index)") { try CLIPEncoderLayer(&$0, config: config) }
            }
            let norm = try loader.scope("final_layer_norm") { try LayerNormLayer(&$0, features: hidden, epsilon: config.layerNormEpsilon) }
            return (tokens, positions, layers, norm)
        }
        try loader.finish()
    }

    /// A copy whose token table is extended by `rows` (`[k, hidden]`, ids `vocabSize ..< vocabSize + k`); nil removes them.
    public func withAddedTokenEmbedding(_ rows: Tensor?) -> CLIPTextModel {
        if let rows { require(rows.shape.count == 2 && rows.shape[1] == config.hiddenSize, "added token rows must be [k, \(config.hiddenSize)]") }
        var copy = self
        copy.addedTokenEmbedding = rows
        return copy
    }

    /// Encodes token ids `[B][L]` (L ≤ max positions) to hidden states `[B, L, hidden]`.
    ///
    /// - Parameter skipLayers: A1111's "CLIP skip" minus one: 0 returns the last layer's output, 1 the
    ///   penultimate (diffusers' `clip_skip=1`); the final layer norm is applied either way, as both do.
    public func encode(_ tokens: [[Int]], skipLayers: Int = 0) -> Tensor {
        require(!tokens.isEmpty && tokens.allSatisfy { $0.count == tokens[0].count && $0.count <= config.maxPositions },
                     "token batches must share a length of at most \(config.maxPositions)")
        require(skipLayers >= 0 && skipLayers < config.layerCount, "skipLayers \(skipLayers) out of range")
        let (batch, length, hidden) = (tokens.count, tokens[0].count, config.hiddenSize)
        let added = addedTokenEmbedding ?? Tensor(shape: [0, hidden])
        let vocabSize = config.vocabSize, addedCount = added.shape[0]
        var h = Tensor(shape: [batch, length, hidden]) { out in
            tokenEmbedding.withUnsafeBufferPointer { table in
                added.withUnsafeBufferPointer { extra in
                    positionEmbedding.withUnsafeBufferPointer { positions in
                        for (b, row) in tokens.enumerated() {
                            for (p, token) in row.enumerated() {
                                let base = (b * length + p) * hidden
                                if token >= vocabSize, token - vocabSize < addedCount {
                                    let id = token - vocabSize
                                    for d in 0..<hidden { out[base + d] = extra[id * hidden + d] + positions[p * hidden + d] }
                                } else {
                                    let id = min(max(token, 0), vocabSize - 1)
                                    for d in 0..<hidden { out[base + d] = table[id * hidden + d] + positions[p * hidden + d] }
                                }
                            }
                        }
                    }
                }
            }
        }
        for layer in layers.dropLast(skipLayers) { h = layer(h) }
        return finalNorm(h)
    }
}

/// One CLIP encoder layer: `x + attn(ln1(x))`, then `x + mlp(ln2(x))`.
struct CLIPEncoderLayer: Sendable {
    let norm1: LayerNormLayer, attention: AttentionLayer
    let norm2: LayerNormLayer, fc1: LinearLayer, fc2: LinearLayer
    let activation: Activation

    init(_ loader: inout WeightLoader, config: CLIPTextConfig) throws {
        let hidden = config.hiddenSize
        norm1 = try loader.scope("layer_norm1") { try LayerNormLayer(&$0, features: hidden, epsilon: config.layerNormEpsilon) }
        attention = try loader.scope("self_attn") {
            try AttentionLayer(&$0, queryDim: hidden, heads: config.headCount, headDim: hidden / config.headCount,
                               projectionBias: true, naming: .clip)
        }
        norm2 = try loader.scope("layer_norm2") { try LayerNormLayer(&$0, features: hidden, epsilon: config.layerNormEpsilon) }
        fc1 = try loader.scope("mlp.fc1") { try LinearLayer(&$0, inFeatures: hidden, outFeatures: config.intermediateSize) }
        fc2 = try loader.scope("mlp.fc2") { try LinearLayer(&$0, inFeatures: config.intermediateSize, outFeatures: hidden) }
        activation = config.activation
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        h.add(attention(norm1(h), causal: true))
        h.add(fc2(fc1(norm2(h)).activated(activation)))
        return h
    }
}
