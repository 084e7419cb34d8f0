import CKernels
import RetouchChecks

/// A 3×3 convolution weight in Winograd F(2×2, 3×3) form for bf16 products: the 16 matrices
/// U[ξ] = (G g Gᵀ)[ξ] of shape `[Cout × Cin]`, computed in fp32 from the fp32 weight and each rounded to bf16 and
/// packed once (16/9 of the direct bf16 weight's bytes).
///
/// F(2×2, 3×3) and not F(4×4, 3×3): its transforms only add, subtract and halve, so rounding both GEMM operands
/// to bf16 costs about 1.6× a direct bf16 convolution's error (measured on a 64-channel layer: 0.38 % mean
/// against 0.24 %), where F(4×4, 3×3)'s larger coefficients cost about 8× (1.9 %, with outliers of 30 %).
public struct WinogradBF16Weight: Sendable {
    /// Output channels.
    public let outChannels: Int
    /// Input channels.
    public let inChannels: Int
    /// U[ξ] for ξ = 4·row + column of the 4×4 transformed tile.
    let matrices: [BF16Matrix]

    /// Transforms and packs an OIHW `[Cout, Cin, 3, 3]` weight for `path` (see `BF16Matrix(_:path:)`).
    public init(_ weight: Tensor, path: GEMM.BF16Path = .automatic) {
        require(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3,
                     "a Winograd weight wants [Cout, Cin, 3, 3], got \(weight.shape)")
        let (outChannels, inChannels) = (weight.shape[0], weight.shape[1])
        self.outChannels = outChannels
        self.inChannels = inChannels
        let pairs = outChannels * inChannels
        let transformed = UnsafeMutablePointer<Float>.allocate(capacity: 16 * pairs)
        defer { transformed.deallocate() }
        weight.withUnsafeBufferPointer { g in
            let g = g.baseAddress!
            Parallel.forRanges(pairs, costPerItem: 128) { range in
                rt_winograd2_weights(g + 9 * range.lowerBound, range.count, transformed + range.lowerBound, pairs)
            }
        }
        matrices = (0..<16).map { xi in
            BF16Matrix(rows: outChannels, columns: inChannels, source: transformed + xi * pairs, path: path)
        }
    }

    /// Bytes held by the 16 packed matrices.
    public var byteCount: Int { matrices.reduce(0) { $0 + $1.byteCount } }
}

extension Tensor {
    /// Whether a bf16 convolution layer should hold its weight as a `WinogradBF16Weight`: 3×3, stride 1,
    /// padding 1, at least 16 channels in and out (the tiny first and last layers stay direct), unless
    /// `RETOUCH_CONV2D=direct` forces the direct path process-wide.
    ///
    /// The choice does not depend on the image size: measured on 2 Zen 4 cores with batch 2, F(2×2, 3×3) in bf16
    /// is 2.1–2.4× faster than the direct bf16 convolution at 8×8 to 32×32 (UNet shapes with 640–1280 channels)
    /// and 1.2× faster than fp32 F(4×4, 3×3) at 64×64 with 320 channels.
    public static func winogradBF16Applies(inChannels: Int, outChannels: Int, kernel: (height: Int, width: Int),
                                           geometry: Conv2dGeometry) -> Bool {
        winogradApplies(kernelH: kernel.height, kernelW: kernel.width, geometry: geometry)
            && inChannels >= 16 && outChannels >= 16 && automaticConv2dOverride != .direct
    }

    /// Bytes of V and M scratch per worker for a band of F(2×2, 3×3) tiles.
    static let winograd2BudgetBytes = 16 << 20  // 2, 4 and 16 MB measured; 16 was fastest at 16×16 to 64×64

    /// 3×3, stride-1, padding-1 convolution of `[N, Cin, H, W]` through Winograd F(2×2, 3×3) with bf16 products
    /// (fp32 transforms, the 16 GEMMs in `GEMM.multiplyBF16` with fp32 accumulation).
    ///
    /// As in the F(4×4, 3×3) path, bands of tiles are processed one at a time by all workers: the input transform
    /// splits the input channels, the 16 GEMMs split ξ, the output transform splits the output channels.
    ///
    /// - Parameter bandBudgetBytes: V and M scratch per worker (default `winograd2BudgetBytes`); smaller budgets
    ///   split images into more bands (for tests of the banding).
    public func conv2d(winograd weight: WinogradBF16Weight, bias: Tensor? = nil, bandBudgetBytes: Int? = nil) -> Tensor {
        require(rank == 4 && shape[1] == weight.inChannels,
                     "Winograd weight for \(weight.inChannels) channels does not take \(shape)")
        return winogradConvolution(outChannels: weight.outChannels, bias: bias, transforms: .f2x2,
                                   budgetBytes: bandBudgetBytes ?? Self.winograd2BudgetBytes) { xi, v, m, tiles in
            GEMM.multiplyBF16(weight.matrices[xi], n: tiles, b: v, ldb: tiles, c: m, rowStride: tiles, parallel: false)
        }
    }
}
