import CBF16Kernels
import RetouchChecks
extension Tensor {
    /// `conv2d` with a bf16 weight: `weight` is the OIHW weight packed as `[Cout × Cin·kh·kw]`, `kernel` its
    /// spatial size. Same banded im2col as the fp32 convolution; products run in bf16 with fp32 accumulation.
    /// (Models hold 3×3, stride-1 weights as `WinogradBF16Weight` instead, which is about twice as fast.)
    public func conv2d(weight: BF16Matrix, kernel: (height: Int, width: Int), bias: Tensor? = nil,
                       geometry: Conv2dGeometry = .init()) -> Tensor {
        require(rank == 4, "conv2d wants NCHW input, got \(shape)")
        require(weight.columns == shape[1] * kernel.height * kernel.width,
                     "conv2d bf16 weight of \(weight.columns) columns does not take \(shape[1]) channels with a \(kernel) kernel")
        return convolved(outChannels: weight.rows, kernel: kernel, bias: bias, geometry: geometry) { b, ldb, n, c, ldc, beta, parallel in
            GEMM.multiplyBF16(weight, n: n, b: b, ldb: ldb, beta: beta, c: c, rowStride: ldc, parallel: parallel)
        }
    }

    /// `linear` with a bf16 weight `[out × in]`: `[..., in]` → `[..., out]`, plus optional `bias [out]`.
    ///
    /// Computed as (W · xᵀ)ᵀ so the packed weight is the GEMM's left operand; the transpose is in the strides.
    public func linear(weight: BF16Matrix, bias: Tensor? = nil) -> Tensor {
        let (outFeatures, inFeatures) = (weight.rows, weight.columns)
        require(shape.last == inFeatures, "linear bf16 weight [\(outFeatures), \(inFeatures)] does not take input \(shape)")
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
