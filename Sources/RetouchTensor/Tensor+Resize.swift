import RetouchChecks
/// How `Tensor.resized` samples, with PyTorch `interpolate` semantics.
public enum TensorResizeMode: String, Sendable, CaseIterable {
    /// `mode="nearest"`: source index `floor(dst * in / out)`.
    case nearest
    /// `mode="bilinear", align_corners=False`, no antialiasing.
    case bilinear
    /// `mode="area"` (adaptive average pooling).
    case area
}

extension Tensor {
    /// Nearest-neighbour 2× upsampling of `[N, C, H, W]` (the UNet and VAE up-blocks).
    public func upsampledNearest2x() -> Tensor {
        require(rank == 4, "upsample wants NCHW, got \(shape)")
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        return Tensor(shape: [shape[0], shape[1], height * 2, width * 2]) { out in
            withUnsafeBufferPointer { x in
                let out = out
                Parallel.forEach(planes, costPerItem: height * width * 4) { p in
                    let src = x.baseAddress! + p * height * width
                    let dst = out.baseAddress! + p * height * width * 4
                    for y in 0..<height {
                        let row = dst + 2 * y * 2 * width
                        for xIndex in 0..<width {
                            let value = src[y * width + xIndex]
                            row[2 * xIndex] = value
                            row[2 * xIndex + 1] = value
                        }
                        (row + 2 * width).update(from: row, count: 2 * width)
                    }
                }
            }
        }
    }

    /// Resizes the last two dimensions of `[N, C, H, W]` as PyTorch's `interpolate` does (used for masks).
    public func resized(height outH: Int, width outW: Int, mode: TensorResizeMode) -> Tensor {
        require(rank == 4 && outH > 0 && outW > 0, "resize wants NCHW and a positive size")
        let (planes, inH, inW) = (shape[0] * shape[1], shape[2], shape[3])
        let rows = axisWeights(input: inH, output: outH, mode: mode)
        let cols = axisWeights(input: inW, output: outW, mode: mode)
        return Tensor(shape: [shape[0], shape[1], outH, outW]) { out in
            withUnsafeBufferPointer { x in
                let out = out
                Parallel.forEach(planes, costPerItem: outH * outW * 8) { p in
                    let src = x.baseAddress! + p * inH * inW
                    for oy in 0..<outH {
                        for ox in 0..<outW {
                            var sum: Float = 0
                            for (iy, wy) in rows[oy] {
                                for (ix, wx) in cols[ox] { sum += src[iy * inW + ix] * wy * wx }
                            }
                            out[(p * outH + oy) * outW + ox] = sum
                        }
                    }
                }
            }
        }
    }
}

/// For each output index along one axis, the input indices it reads and their weights.
private func axisWeights(input: Int, output: Int, mode: TensorResizeMode) -> [[(Int, Float)]] {
    let ratio = Double(input) / Double(output)
    return (0..<output).map { o in
        switch mode {
        case .nearest:
            return [(Swift.min(Int((Double(o) * ratio).rounded(.down)), input - 1), Float(1))]
        case .bilinear:
            let source = Swift.max(0, (Double(o) + 0.5) * ratio - 0.5)
            let lower = Swift.min(Int(source), input - 1)
            let upper = Swift.min(lower + 1, input - 1)
            let fraction = Float(source - Double(lower))
            return lower == upper ? [(lower, Float(1))] : [(lower, 1 - fraction), (upper, fraction)]
        case .area:
            let start = (o * input) / output
            let end = ((o + 1) * input + output - 1) / output
            let weight = 1 / Float(end - start)
            return (start..<end).map { ($0, weight) }
        }
    }
}
