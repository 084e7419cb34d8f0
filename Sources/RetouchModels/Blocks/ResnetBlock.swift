import RetouchTensor
import RetouchChecks

/// diffusers' `ResnetBlock2D` (default time-embedding norm, output scale 1), shared by the UNet and the VAE.
///
/// `out = shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x))) + proj(silu(temb)))))`
public struct ResnetBlock: Sendable {
    let norm1: GroupNormLayer, conv1: Conv2dLayer
    let timeProjection: LinearLayer?
    let norm2: GroupNormLayer, conv2: Conv2dLayer
    let shortcut: Conv2dLayer?

    /// Loads a block from `in` to `out` channels; `timeChannels` is nil for the VAE (no time embedding).
    public init(_ loader: inout WeightLoader, inChannels: Int, outChannels: Int, timeChannels: Int?,
                groups: Int, epsilon: Float) throws {
        norm1 = try loader.scope("norm1") { try GroupNormLayer(&$0, channels: inChannels, groups: groups, epsilon: epsilon) }
        conv1 = try loader.scope("conv1") { try Conv2dLayer(&$0, inChannels: inChannels, outChannels: outChannels, kernel: 3) }
        timeProjection = try timeChannels.map { channels in
            try loader.scope("time_emb_proj") { try LinearLayer(&$0, inFeatures: channels, outFeatures: outChannels) }
        }
        norm2 = try loader.scope("norm2") { try GroupNormLayer(&$0, channels: outChannels, groups: groups, epsilon: epsilon) }
        conv2 = try loader.scope("conv2") { try Conv2dLayer(&$0, inChannels: outChannels, outChannels: outChannels, kernel: 3) }
        shortcut = inChannels == outChannels ? nil : try loader.scope("conv_shortcut") {
            try Conv2dLayer(&$0, inChannels: inChannels, outChannels: outChannels, kernel: 1)
        }
    }

    /// `x`: `[N, in, H, W]`; `timeEmbedding`: `[N, timeChannels]` already passed through SiLU, or nil.
    public func callAsFunction(_ x: Tensor, timeEmbedding: Tensor? = nil) -> Tensor {
        var h = conv1(norm1(x, silu: true))                                  // [N, out, H, W]
        if let timeProjection, let timeEmbedding {
            h.addPerChannel(timeProjection(timeEmbedding))                    // + [N, out, 1, 1]
        }
        h = conv2(norm2(h, silu: true))
        h.add(shortcut?(x) ?? x)
        return h
    }
}

/// Stride-2 3×3 convolution (diffusers' `Downsample2D` with a conv). With `padding` 0 the input is first padded
/// by one pixel on the right and bottom, as the VAE encoder does.
public struct Downsample: Sendable {
    let conv: Conv2dLayer
    let padsBottomRight: Bool

    /// Loads `conv` under the current scope.
    public init(_ loader: inout WeightLoader, channels: Int, padding: Int) throws {
        conv = try loader.scope("conv") { try Conv2dLayer(&$0, inChannels: channels, outChannels: channels, kernel: 3, stride: 2, padding: padding) }
        padsBottomRight = padding == 0
    }

    /// `[N, C, H, W] → [N, C, ⌈H/2⌉, ⌈W/2⌉]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv(padsBottomRight ? x.paddedBottomRight() : x)
    }
}

/// Nearest-neighbour upsampling followed by a 3×3 convolution (diffusers' `Upsample2D` with a conv).
public struct Upsample: Sendable {
    let conv: Conv2dLayer

    /// Loads `conv` under the current scope.
    public init(_ loader: inout WeightLoader, channels: Int) throws {
        conv = try loader.scope("conv") { try Conv2dLayer(&$0, inChannels: channels, outChannels: channels, kernel: 3) }
    }

    /// Upsamples to `size` (the matching skip connection's size; 2× when nil).
    public func callAsFunction(_ x: Tensor, size: (height: Int, width: Int)? = nil) -> Tensor {
        let target = size ?? (x.shape[2] * 2, x.shape[3] * 2)
        let upsampled = target == (x.shape[2] * 2, x.shape[3] * 2)
            ? x.upsampledNearest2x() : x.resized(height: target.height, width: target.width, mode: .nearest)
        return conv(upsampled)
    }
}

extension Tensor {
    /// Adds `[N, C]` values to every pixel of the matching channel of `[N, C, H, W]`.
    mutating func addPerChannel(_ values: Tensor) {
        let (batch, channels) = (shape[0], shape[1])
        require(values.shape == [batch, channels], "per-channel add of \(values.shape) to \(shape)")
        let plane = count / (batch * channels)
        withUnsafeMutableBufferPointer { x in
            values.withUnsafeBufferPointer { v in
                for index in 0..<(batch * channels) {
                    let value = v[index]
                    let base = x.baseAddress! + index * plane
                    for i in 0..<plane { base[i] += value }
                }
            }
        }
    }

    /// Zero-pads one row at the bottom and one column at the right of `[N, C, H, W]`.
    func paddedBottomRight() -> Tensor {
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        var output = Tensor(shape: [shape[0], shape[1], height + 1, width + 1], repeating: 0)
        withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { out in
                for p in 0..<planes {
                    for y in 0..<height {
                        (out.baseAddress! + (p * (height + 1) + y) * (width + 1))
                            .update(from: x.baseAddress! + (p * height + y) * width, count: width)
                    }
                }
            }
        }
        return output
    }
}
