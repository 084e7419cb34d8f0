import RetouchTensor

/// One UNet level on the way down: ResNets, each followed by a transformer in cross-attention blocks, then an
/// optional downsampler. Returns every intermediate output for the skip connections.
struct UNetDownBlock: Sendable {
    let resnets: [ResnetBlock]
    let transformers: [SpatialTransformer]
    let downsample: Downsample?

    init(_ loader: inout WeightLoader, config: UNetConfig, index: Int, inChannels: Int) throws {
        let out = config.blockOutChannels[index]
        let isFinal = index == config.blockOutChannels.count - 1
        let layers = config.layersPerBlock[index]
        resnets = try (0..<layers).map { layer in
            try loader.scope("resnets.\(layer)") {
                try ResnetBlock(&$0, inChannels: layer == 0 ? inChannels : out, outChannels: out,
                                timeChannels: config.timeEmbeddingDim, groups: config.normGroups, epsilon: config.normEpsilon)
            }
        }
        transformers = config.downBlocks[index] == .plain ? [] : try (0..<layers).map { layer in
            try loader.scope("attentions.\(layer)") {
                try SpatialTransformer(&$0, channels: out, heads: config.attentionHeads[index],
                                       contextDim: config.crossAttentionDim[index],
                                       layers: config.transformerLayersPerBlock[index], groups: config.normGroups,
                                       linearProjection: config.useLinearProjection)
            }
        }
        downsample = isFinal ? nil : try loader.scope("downsamplers.0") {
            try Downsample(&$0, channels: out, padding: config.downsamplePadding)
        }
    }

    func callAsFunction(_ x: Tensor, time: Tensor, context: Tensor, skips: inout [Tensor]) -> Tensor {
        var h = x
        for (index, resnet) in resnets.enumerated() {
            h = resnet(h, timeEmbedding: time)
            if !transformers.isEmpty { h = transformers[index](h, context: context) }
            skips.append(h)
        }
        if let downsample {
            h = downsample(h)
            skips.append(h)
        }
        return h
    }
}

/// The UNet's middle: ResNet, transformer, ResNet.
struct UNetMidBlock: Sendable {
    let first: ResnetBlock, transformer: SpatialTransformer, second: ResnetBlock

    init(_ loader: inout WeightLoader, config: UNetConfig) throws {
        let channels = config.blockOutChannels.last!
        func resnet(_ loader: inout WeightLoader) throws -> ResnetBlock {
            try ResnetBlock(&loader, inChannels: channels, outChannels: channels, timeChannels: config.timeEmbeddingDim,
                            groups: config.normGroups, epsilon: config.normEpsilon)
        }
        first = try loader.scope("resnets.0", resnet)
        transformer = try loader.scope("attentions.0") {
            try SpatialTransformer(&$0, channels: channels, heads: config.attentionHeads.last!,
                                   contextDim: config.crossAttentionDim.last!, layers: config.transformerLayersPerBlock.last!,
                                   groups: config.normGroups, linearProjection: config.useLinearProjection)
        }
        second = try loader.scope("resnets.1", resnet)
    }

    func callAsFunction(_ x: Tensor, time: Tensor, context: Tensor) -> Tensor {
        second(transformer(first(x, timeEmbedding: time), context: context), timeEmbedding: time)
    }
}

/// One UNet level on the way up: ResNets over the concatenation with skip connections, transformers in
/// cross-attention blocks, and an optional upsampler to the next skip's size.
struct UNetUpBlock: Sendable {
    let resnets: [ResnetBlock]
    let transformers: [SpatialTransformer]
    let upsample: Upsample?

    /// `index` counts from the deepest level; `previousChannels` is the incoming width.
    init(_ loader: inout WeightLoader, config: UNetConfig, index: Int, previousChannels: Int) throws {
        let reversedChannels = Array(config.blockOutChannels.reversed())
        let level = config.blockOutChannels.count - 1 - index           // the matching down level
        let out = reversedChannels[index]
        let skipInput = reversedChannels[min(index + 1, reversedChannels.count - 1)]
        let layers = config.layersPerBlock[level] + 1
        resnets = try (0..<layers).map { layer in
            let skipChannels = layer == layers - 1 ? skipInput : out
            let inChannels = (layer == 0 ? previousChannels : out) + skipChannels
            return try loader.scope("resnets.\(layer)") {
                try ResnetBlock(&$0, inChannels: inChannels, outChannels: out, timeChannels: config.timeEmbeddingDim,
                                groups: config.normGroups, epsilon: config.normEpsilon)
            }
        }
        transformers = config.upBlocks[index] == .plain ? [] : try (0..<layers).map { layer in
            try loader.scope("attentions.\(layer)") {
                try SpatialTransformer(&$0, channels: out, heads: config.attentionHeads[level],
                                       contextDim: config.crossAttentionDim[level],
                                       layers: config.transformerLayersPerBlock[level], groups: config.normGroups,
                                       linearProjection: config.useLinearProjection)
            }
        }
        upsample = index == reversedChannels.count - 1 ? nil : try loader.scope("upsamplers.0") { try Upsample(&$0, channels: out) }
    }

    func callAsFunction(_ x: Tensor, time: Tensor, context: Tensor, skips: inout [Tensor]) -> Tensor {
        var h = x
        for (index, resnet) in resnets.enumerated() {
            h = resnet(Tensor.concatenateChannels([h, skips.removeLast()]), timeEmbedding: time)
            if !transformers.isEmpty { h = transformers[index](h, context: context) }
        }
        if let upsample, let next = skips.last {
            h = upsample(h, size: (next.shape[2], next.shape[3]))
        }
        return h
    }
}
