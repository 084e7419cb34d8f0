import RetouchTensor

/// diffusers' `EncoderTiny` (madebyollin/taesd's `Encoder`): image `[N, 3, H, W]` in `[-1, 1]` → latents
/// `[N, latent, H/f, W/f]`, already in SD's scaled latent space.
///
/// `layers`: a 3×3 convolution to the first level's width, then per level (after the first) a stride-2 3×3
/// convolution without bias, each level's `AutoencoderTinyBlock`s, and a final 3×3 convolution to the latent channels.
public struct TAESDEncoder: Sendable {
    let layers: [TAESDLayer]

    /// Loads `encoder.layers.*` (the loader's current scope must hold `layers`).
    init(_ loader: inout WeightLoader, config: TAESDConfig) throws {
        var layers: [TAESDLayer] = []
        func add(_ make: (inout WeightLoader) throws -> TAESDLayer) throws {
            let index = layers.count
            layers.append(try loader.scope("layers.\(index)") { try make(&$0) })
        }
        for (level, channels) in config.encoderChannels.enumerated() {
            if level == 0 {
                try add { .convolution(try Conv2dLayer(&$0, inChannels: config.imageChannels, outChannels: channels, kernel: 3)) }
            } else {
                try add { .convolution(try Conv2dLayer(&$0, inChannels: channels, outChannels: channels, kernel: 3, stride: 2, hasBias: false)) }
            }
            for _ in 0..<config.encoderBlocks[level] { try add { .block(try TAESDBlock(&$0, channels: channels)) } }
        }
        let last = config.encoderChannels[config.encoderChannels.count - 1]
        try add { .convolution(try Conv2dLayer(&$0, inChannels: last, outChannels: config.latentChannels, kernel: 3)) }
        self.layers = layers
    }

    /// Image `[N, 3, H, W]` in `[-1, 1]` → latents `[N, latent, H/f, W/f]` (taken to TAESD's `[0, 1]` first, as
    /// diffusers' `EncoderTiny.forward` does).
    public func callAsFunction(_ image: Tensor) -> Tensor {
        runTAESDLayers(layers, image.map { ($0 + 1) / 2 })
    }
}
