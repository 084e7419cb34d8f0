import Foundation
import RetouchTensor

/// The CLIP text encoder's architecture, from transformers' `text_encoder/config.json`.
public struct CLIPTextConfig: Sendable, Equatable {
    /// Token vocabulary size.
    public var vocabSize: Int
    /// Width of the hidden states.
    public var hiddenSize: Int
    /// Width of the MLP's hidden layer.
    public var intermediateSize: Int
    /// Transformer layers.
    public var layerCount: Int
    /// Attention heads per layer.
    public var headCount: Int
    /// Positions (77 for SD).
    public var maxPositions: Int
    /// The MLP activation (`quick_gelu` for SD1, `gelu` for SD2).
    public var activation: Activation
    /// Layer-norm epsilon.
    public var layerNormEpsilon: Float

    /// Creates a config.
    public init(vocabSize: Int = 49408, hiddenSize: Int = 768, intermediateSize: Int = 3072, layerCount: Int = 12,
                headCount: Int = 12, maxPositions: Int = 77, activation: Activation = .quickGELU,
                layerNormEpsilon: Float = 1e-5) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.maxPositions = maxPositions
        self.activation = activation
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// SD 1.x's text encoder (OpenAI CLIP ViT-L/14).
    public static let sd15 = CLIPTextConfig()

    /// Decodes transformers' CLIPTextConfig JSON.
    public init(_ reader: ConfigReader) throws {
        if reader.has("architectures") {
            let architectures = try reader.strings("architectures")
            guard architectures.allSatisfy({ $0 == "CLIPTextModel" }) else {
                throw ConfigError(file: reader.file, key: "architectures",
                                  problem: "unsupported text encoder \(architectures) (Retouch supports CLIPTextModel)")
            }
        }
        let act = try reader.string("hidden_act", default: "quick_gelu")
        guard let activation = ["quick_gelu": Activation.quickGELU, "gelu": .gelu, "gelu_new": .geluTanh,
                                "gelu_pytorch_tanh": .geluTanh][act] else {
            throw ConfigError(file: reader.file, key: "hidden_act", problem: "unsupported value '\(act)' (supported: quick_gelu, gelu, gelu_new)")
        }
        let hiddenSize = try reader.int("hidden_size", default: 512, in: ModelLimits.width)
        let headCount = try reader.int("num_attention_heads", default: 8, in: 1...hiddenSize)
        guard hiddenSize % headCount == 0 else {
            throw ConfigError(file: reader.file, key: "num_attention_heads",
                              problem: "value \(headCount) does not divide hidden_size \(hiddenSize); heads must divide the hidden width")
        }
        self.init(vocabSize: try reader.int("vocab_size", default: 49408, in: ModelLimits.vocabulary),
                  hiddenSize: hiddenSize,
                  intermediateSize: try reader.int("intermediate_size", default: 2048, in: ModelLimits.width),
                  layerCount: try reader.int("num_hidden_layers", default: 12, in: ModelLimits.layers),
                  headCount: headCount,
                  maxPositions: try reader.int("max_position_embeddings", default: 77, in: ModelLimits.positions),
                  activation: activation,
                  layerNormEpsilon: Float(try reader.double("layer_norm_eps", default: 1e-5, above: 0, below: 1)))
    }
}
