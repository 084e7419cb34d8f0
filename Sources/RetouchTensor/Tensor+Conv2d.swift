import CKernels
import RetouchChecks

/// The spatial parameters of a 2-D convolution.
public struct Conv2dGeometry: Sendable, Equatable {
    /// Step between output pixels, vertically and horizontally.
    public var stride: (y: Int, x: Int)
    /// Zero padding added on each side, vertically and horizontally.
    public var padding: (y: Int, x: Int)

    /// Square stride and padding.
    public init(stride: Int = 1, padding: Int = 0) {
        self.stride = (stride, stride)
        self.padding = (padding, padding)
    }

    /// Separate vertical and horizontal stride and padding.
    public init(stride: (y: Int, x: Int), padding: (y: Int, x: Int)) {
        self.stride = stride
        self.padding = padding
    }

    public static func == (lhs: Conv2dGeometry, rhs: Conv2dGeometry) -> Bool {
        lhs.stride == rhs.stride && lhs.padding == rhs.padding
    }
}

extension Tensor {
    /// Bytes of im2col scratch one worker may hold; bands of output pixels are sized to fit.
    static let im2colBudgetBytes = 6 << 20

    /// 2-D cross-correlation as PyTorch's `conv2d`: input `[N, Cin, H, W]`, weight `[Cout, Cin, kh, kw]`,
    /// optional bias `[Cout]`; returns `[N, Cout, Hout, Wout]`.
    ///
    /// A 1×1, stride-1, unpadded convolution is a plain GEMM. A 3×3, stride-1, padding-1 convolution with enough
    /// channels and pixels goes through Winograd F(4×4, 3×3) (see `winogradConv2d`), unless `algorithm` is
    /// `.direct`. Otherwise each worker unfolds a band of output pixels (im2col, bounded by `im2colBudgetBytes`)
    /// and multiplies it by the weight matrix, so the full im2col matrix is never materialised.
    public func conv2d(weight: Tensor, bias: Tensor? = nil, geometry: Conv2dGeometry = .init(),
                       algorithm: Conv2dAlgorithm = .automatic) -> Tensor {
        require(rank == 4 && weight.rank == 4, "conv2d wants NCHW input and OIHW weight, got \(shape) and \(weight.shape)")
        require(weight.shape[1] == shape[1], "conv2d weight \(weight.shape) does not take \(shape[1]) channels")
        let (outChannels, depth) = (weight.shape[0], weight.count / weight.shape[0])
        let winograd = Self.winogradApplies(kernelH: weight.shape[2], kernelW: weight.shape[3], geometry: geometry)
        require(algorithm != .winograd || winograd, "Winograd conv2d needs a 3x3 kernel, stride 1 and padding 1")
        let choice = algorithm == .automatic ? Self.automaticConv2dOverride ?? .automatic : algorithm
        if winograd && (choice == .winograd || (choice == .automatic
            && Self.winogradPays(batch: shape[0], inChannels: shape[1], outChannels: outChannels, height: shape[2], width: shape[3]))) {
            return winogradConv2d(weight: weight, bias: bias)
        }
        return weight.withUnsafeBufferPointer { weights in
            let weights = weights.baseAddress!
            return convolved(outChannels: outChannels, kernel: (weight.shape[2], weight.shape[3]), bias: bias,
                             geometry: geometry) { b, ldb, n, c, ldc, beta, parallel in
                GEMM.multiply(m: outChannels, n: n, k: depth, a: weights, lda: depth, b: b, ldb: ldb, beta: beta,
                              c: c, ldc: ldc, parallel: parallel)
            }
        }
    }

    /// The convolution skeleton shared by every weight format: output allocation, bias, and the banded im2col.
    ///
    /// `multiply(b, ldb, n, c, ldc, beta, parallel)` must compute C[Cout × n] = W · B[Cin·kh·kw × n] + beta · C
    /// with B and C row-major (leading dimensions `ldb`, `ldc`), splitting across workers only when `parallel`.
    func convolved(
        outChannels: Int, kernel: (height: Int, width: Int), bias: Tensor?, geometry: Conv2dGeometry,
        multiply: (_ b: UnsafePointer<Float>, _ ldb: Int, _ n: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int,
                   _ beta: Float, _ parallel: Bool) -> Void
    ) -> Tensor {
        require(rank == 4, "conv2d wants NCHW input, got \(shape)")
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (kernelH, kernelW) = kernel
        let outH = (height + 2 * geometry.padding.y - kernelH) / geometry.stride.y + 1
        let outW = (width + 2 * geometry.padding.x - kernelW) / geometry.stride.x + 1
        require(outH > 0 && outW > 0, "conv2d kernel \(kernelH)x\(kernelW) larger than padded input \(shape)")
        let pixels = outH * outW
        let depth = inChannels * kernelH * kernelW   // GEMM k

        var output = Tensor(shape: [batch, outChannels, outH, outW], repeating: 0)
        if let bias {
            require(bias.count == outChannels, "conv2d bias \(bias.shape) for \(outChannels) channels")
            output.fillChannels(with: bias)
        }
        let beta: Float = bias == nil ? 0 : 1
        let pointwise = kernelH == 1 && kernelW == 1 && geometry == .init()

        withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                let input = input.baseAddress!, out = out.baseAddress!
                if pointwise {
                    // [Cout, Cin] x [Cin, H*W] per image.
                    for n in 0..<batch {
                        multiply(input + n * inChannels * pixels, pixels, pixels,
                                 out + n * outChannels * pixels, pixels, beta, true)
                    }
                    return
                }
                let band = Swift.max(64, Swift.min(pixels, Self.im2colBudgetBytes / (4 * depth)))
                let bandsPerImage = (pixels + band - 1) / band
                let tasks = batch * bandsPerImage
                // Few bands: unfold once and let GEMM split the product instead.
                let splitBands = tasks >= 2 * Parallel.workerCount
                Parallel.forRanges(tasks, costPerItem: splitBands ? Int.max / (tasks + 1) : 0) { taskRange in
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: depth * band)
                    defer { scratch.deallocate() }
                    for task in taskRange {
                        let n = task / bandsPerImage
                        let start = (task % bandsPerImage) * band
                        let count = Swift.min(band, pixels - start)
                        rt_im2col(input + n * inChannels * height * width, inChannels, height, width,
                                  kernelH, kernelW, geometry.stride.y, geometry.stride.x,
                                  geometry.padding.y, geometry.padding.x, outW, start, count, scratch)
                        multiply(scratch, count, count, out + n * outChannels * pixels + start, pixels, beta,
                                 !splitBands)
                    }
                }
            }
        }
        return output
    }

    /// Sets every element of channel `c` (dimension 1) to `values[c]`.
    mutating func fillChannels(with values: Tensor) {
        let (batch, channels) = (shape[0], shape[1])
        let plane = count / (batch * channels)
        values.withUnsafeBufferPointer { v in
            withUnsafeMutableBufferPointer { out in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let base = (n * channels + c) * plane
                        for i in 0..<plane { out[base + i] = v[c] }
                    }
                }
            }
        }
    }
}
