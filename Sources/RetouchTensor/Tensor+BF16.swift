import CBF16Kernels
extension Tensor {
    /// `conv2d` with a bf16 weight: `weight` is the OIHW weight packed as `[Cout × Cin·kh·kw]`, `kernel` its
    /// spatial size. Same banded im2col as the fp32 convolution; products run in bf16 with fp32 accumulation.
    public func conv2d(weight: BF16Matrix, kernel: (height: Int, width: Int), bias: Tensor? = nil,
                       geometry: Conv2dGeometry = .init()) -> Tensor {
        precondition(rank == 4, "conv2d wants NCHW input, got \(shape)")
        precondition(weight.columns == shape[1] * kernel.height * kernel.width,
                     "conv2d bf16 weight of \(weight.columns) columns does not take \(shape[1]) channels with a \(kernel) kernel")
        if Self.winogradApplies(kernelH: kernel.height, kernelW: kernel.width, geometry: geometry),
           Self.automaticConv2dOverride != .direct,
           Self.winogradBeatsBF16(batch: shape[0], inChannels: shape[1], outChannels: weight.rows, height: shape[2], width: shape[3]) {
            // Large images: fp32 Winograd on the bf16-rounded weight outruns the bf16 GEMM (measured 2.3× vs 1.9×
            // over fp32 im2col at 64×64), and the weight is only expanded for the call.
            return winogradConv2d(weight: weight.unpacked(shape: [weight.rows, shape[1], 3, 3]), bias: bias)
        }
        return convolved(outChannels: weight.rows, kernel: kernel, bias: bias, geometry: geometry) { b, ldb, n, c, ldc, beta, parallel in
            GEMM.multiplyBF16(weight, n: n, b: b, ldb: ldb, beta: beta, c: c, rowStride: ldc, parallel: parallel)
        }
    }

    /// `linear` with a bf16 weight `[out × in]`: `[..., in]` → `[..., out]`, plus optional `bias [out]`.
    ///
    /// Computed as (W · xᵀ)ᵀ so the packed weight is the GEMM's left operand; the transpose is in the strides.
    public func linear(weight: BF16Matrix, bias: Tensor? = nil) -> Tensor {
        let (outFeatures, inFeatures) = (weight.rows, weight.columns)
        precondition(shape.last == inFeatures, "linear bf16 weight [\(outFeatures), \(inFeatures)] does not take input \(shape)")
        let rows = count / inFeatures
        var output = Tensor(shape: Array(shape.dropLast()) + [outFeatures], repeating: 0)
        if let bias { output.fillRows(with: bias) }
        withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { out in
                GEMM.multiplyBF16(weight, .transposed, n: rows, b: x.baseAddress!, ldb: inFeatures,
                                  beta: bias == nil ? 0 : 1, c: out.baseAddress!, rowStride: 1, columnStride: outFeatures)
            }
        }
        return output
    }
}

extension Tensor {
    /// Where fp32 Winograd F(4×4, 3×3) is faster than the bf16 GEMM on im2col: large images with many channels
    /// (Winograd's speed-up over fp32 im2col is 2.3× at 64×64 with 512 channels, 1.3× at 32×32; bf16's is 1.9×).
    static func winogradBeatsBF16(batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int) -> Bool {
        inChannels >= 64 && outChannels >= 64 && height * width >= 64 * 64
    }
}

extension BF16Matrix {
    /// The matrix back in fp32 (the bf16 values exactly), shaped as `shape` (`rows × columns` elements).
    public func unpacked(shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == rows * columns, "unpacked shape \(shape) for a \(rows)x\(columns) matrix")
        let panelRows = rt_bf16_panel_rows(), panelStride = Int(rt_bf16_panel_stride(columns))
        return Tensor(shape: shape) { out in
            packed.withUnsafeBufferPointer { packed in
                for row in 0..<rows {
                    let panel = row / panelRows, r = row % panelRows
                    let base = panel * panelStride
                    for column in 0..<columns {
                        let bits = packed[base + ((column / 2) * panelRows + r) * 2 + column % 2]
                        out[row * columns + column] = Float(bitPattern: UInt32(bits) << 16)
                    }
                }
            }
        }
    }
}
