import RetouchTensor

/// diffusers' `AutoencoderTinyBlock` (madebyollin/taesd's `Block`): `relu(conv(relu(conv(relu(conv(x))))) + x)`,
/// three 3×3 convolutions with biases under `conv.0`, `conv.2`, `conv.4` (the ReLUs are `conv.1`, `conv.3`). TAESD's
/// blocks never change the channel count, so the skip is the identity (`nn.Identity`, no weights).
struct TAESDBlock: Sendable {
    let convolutions: [Conv2dLayer]

    init(_ loader: inout WeightLoader, channels: Int) throws {
        convolutions = try [0, 2, 4].map { index in
            try loader.scope("conv.\(index)") { try Conv2dLayer(&$0, inChannels: channels, outChannels: channels, kernel: 3) }
        }
    }

    /// `[N, C, H, W] → [N, C, H, W]`.
    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = convolutions[0](x)
        h.applyReLU()
        h = convolutions[1](h)
        h.applyReLU()
        h = convolutions[2](h)
        h.add(x)
        h.applyReLU()
        return h
    }
}

/// One entry of TAESD's `nn.Sequential` (`EncoderTiny.layers`, `DecoderTiny.layers`): the index of an entry in the
/// list is its key prefix, parameter-free entries included, so the list mirrors the stored keys one to one.
enum TAESDLayer: Sendable {
    case convolution(Conv2dLayer)
    case block(TAESDBlock)
    case relu
    case upsample

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .convolution(let conv): return conv(x)
        case .block(let block): return block(x)
        case .relu: return x.relu()
        case .upsample: return x.upsampledNearest2x()
        }
    }
}

/// Runs a layer list in order, fusing a ReLU that follows a convolution into it (in place).
func runTAESDLayers(_ layers: [TAESDLayer], _ input: Tensor) -> Tensor {
    var h = input
    for layer in layers {
        if case .relu = layer { h.applyReLU() } else { h = layer(h) }
    }
    return h
}
