import CKernels

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
        precondition(rank == 4 && weight.rank == 4, "conv2d wants NCHW input and OIHW weight, got \(shape) and \(weight.shape)")
        let (batch, inChannels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let (outChannels, kernelH, kernelW) = (weight.shape[0], weight.shape[2], weight.shape[3])
        precondition(weight.shape[1] == inChannels, "conv2d weight \(weight.shape) does not take \(inChannels) channels")
        let outH = (height + 2 * geometry.padding.y - kernelH) / geometry.stride.y + 1
        let outW = (width + 2 * geometry.padding.x - kernelW) / geometry.stride.x + 1
        precondition(outH > 0 && outW > 0, "conv2d kernel \(kernelH)x\(kernelW) larger than padded input \(shape)")
        let winograd = Self.winogradApplies(kernelH: kernelH, kernelW: kernelW, geometry: geometry)
        precondition(algorithm != .winograd || winograd, "Winograd conv2d needs a 3x3 kernel, stride 1 and padding 1")
        let choice = algorithm == .automatic ? Self.automaticConv2dOverride ?? .automatic : algorithm
        if winograd && (choice == .winograd || (choice == .automatic
            && Self.winogradPays(batch: batch, inChannels: inChannels, outChannels: outChannels, height: height, width: width))) {
            return winogradConv2d(weight: weight, bias: bias)
        }
        let pixels = outH * outW
        let depth = inChannels * kernelH * kernelW   // GEMM k

        var output = Tensor(shape: [batch, outChannels, outH, outW], repeating: 0)
        if let bias {
            precondition(bias.count == outChannels, "conv2d bias \(bias.shape) for \(outChannels) channels")
            output.fillChannels(with: bias)
        }
        let beta: Float = bias == nil ? 0 : 1
        let pointwise = kernelH == 1 && kernelW == 1 && geometry == .init()

        withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { out in
                    let input = input.baseAddress!, weights = weights.baseAddress!, out = out.baseAddress!
                    if pointwise {
                        // [Cout, Cin] x [Cin, H*W] per image.
                        for n in 0..<batch {
                            GEMM.multiply(m: outChannels, n: pixels, k: depth, a: weights, lda: depth,
                                          b: input + n * inChannels * pixels, ldb: pixels, beta: beta,
                                          c: out + n * outChannels * pixels, ldc: pixels)
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
                            GEMM.multiply(m: outChannels, n: count, k: depth, a: weights, lda: depth,
                                          b: scratch, ldb: count, beta: beta,
                                          c: out + n * outChannels * pixels + start, ldc: pixels,
                                          parallel: !splitBands)
                        }
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
