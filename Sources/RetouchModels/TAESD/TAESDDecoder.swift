import Foundation
import RetouchTensor

/// diffusers' `DecoderTiny` (madebyollin/taesd's `Decoder`): latents `[N, latent, h, w]` → image
/// `[N, 3, h·f, w·f]`, nominally in `[-1, 1]`.
///
/// The input is soft-clamped first (`tanh(x / 3) · 3`, the original's parameter-free `Clamp` at index 0, which is
/// why diffusers' conversion shifts the original decoder's indices down by one). `layers`: a 3×3 convolution to the
/// first level's width and a ReLU, then per level its `AutoencoderTinyBlock`s and, except on the last level, a ×2
/// nearest upsample and a 3×3 convolution without bias; the last level ends in a 3×3 convolution (with bias) to RGB.
public struct TAESDDecoder: Sendable {
    let layers: [TAESDLayer]
    /// The architecture (for the latent space a caller decodes from).
    public let config: TAESDConfig

    /// Loads `decoder.layers.*` (the loader's current scope must hold `layers`).
    init(_ loader: inout WeightLoader, config: TAESDConfig) throws {
        self.config = config
        var layers: [TAESDLayer] = []
        func add(_ make: (inout WeightLoader) throws -> TAESDLayer) throws {
            let index = layers.count
            layers.append(try loader.scope("layers.\(index)") { try make(&$0) })
        }
        let first = config.decoderChannels[0]
        try add { .convolution(try Conv2dLayer(&$0, inChannels: config.latentChannels, outChannels: first, kernel: 3)) }
        layers.append(.relu)
        for (level, channels) in config.decoderChannels.enumerated() {
            for _ in 0..<config.decoderBlocks[level] { try add { .block(try TAESDBlock(&$0, channels: channels)) } }
            if level < config.decoderChannels.count - 1 {
                layers.append(.upsample)
                try add { .convolution(try Conv2dLayer(&$0, inChannels: channels, outChannels: channels, kernel: 3, hasBias: false)) }
            } else {
                try add { .convolution(try Conv2dLayer(&$0, inChannels: channels, outChannels: config.imageChannels, kernel: 3)) }
            }
        }
        self.layers = layers
    }

    /// Loads a decoder on its own from weights in diffusers naming (`decoder.layers.*`), checking that every key is
    /// used. For `--decoder taesd:PATH`, where only the decoder is needed.
    public init(config: TAESDConfig, weights: any WeightSource) throws {
        var loader = WeightLoader(source: weights)
        self = try loader.scope("decoder") { try TAESDDecoder(&$0, config: config) }
        try loader.finish()
    }

    /// Latents `[N, latent, h, w]` (as the pipeline holds them, divided by `scaling_factor`, which is 1 for TAESD) →
    /// image `[N, 3, h·f, w·f]`, taken from TAESD's `[0, 1]` to `[-1, 1]` as diffusers' `DecoderTiny.forward` does.
    public func callAsFunction(_ latent: Tensor) -> Tensor {
        let clamped = latent.map { Foundation.tanh($0 / 3) * 3 }
        return runTAESDLayers(layers, clamped).map { $0 * 2 - 1 }
    }
}
