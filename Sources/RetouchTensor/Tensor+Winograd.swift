import CKernels
#if canImport(Glibc)
import Glibc
import RetouchChecks
#endif

/// How `conv2d` computes a convolution.
public enum Conv2dAlgorithm: Sendable, Equatable {
    /// Winograd for 3×3, stride-1, padding-1 convolutions where it pays, im2col + GEMM otherwise.
    case automatic
    /// Always im2col + GEMM (the reference the Winograd path is tested against).
    case direct
    /// Winograd F(4×4, 3×3); only for 3×3 kernels with stride 1 and padding 1.
    case winograd
}

/// Winograd F(4×4, 3×3) convolution (Lavin & Gray): each 4×4 output tile costs 36 multiply-adds per channel pair
/// instead of 144. The weight becomes 36 matrices U[ξ] = (G g Gᵀ)[ξ] of shape [Cout × Cin]; a band of tile rows
/// becomes 36 matrices V[ξ] = (Bᵀ d B)[ξ] of shape [Cin × tiles]; 36 GEMMs give M[ξ] = U[ξ]·V[ξ]; and
/// Y = Aᵀ M A writes each 4×4 output tile (C transforms in `winograd.c`).
extension Tensor {
    /// Bytes of V and M scratch per worker; a band of tile rows is sized so its transforms fit
    /// (the workers share one band, so a band may use `workerCount` times this).
    static let winogradBudgetBytes = 8 << 20

    /// Whether `conv2d(..., algorithm: .automatic)` takes the Winograd path for a 3×3, stride-1, padding-1
    /// convolution of this size. Each call transforms the weight (~Cout·Cin·200 flops plus 144 bytes of fresh
    /// scratch per channel pair, costing as much as about 30 tiles of direct convolution), so Winograd needs enough
    /// 4×4 tiles over the batch to pay that back, and enough channels for its 36 GEMMs to run well. Measured on
    /// 2 Zen 4 cores: 1280 channels at 16×16 (16 tiles) is 2× slower than direct, 640 at 32×32 (64 tiles) 1.4×
    /// faster, 320 at 64×64 3× faster.
    static func winogradPays(batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int) -> Bool {
        inChannels >= 16 && outChannels >= 16 && batch * ((height + 3) / 4) * ((width + 3) / 4) >= 64
    }

    /// What `.automatic` means for the whole process when the environment variable `RETOUCH_CONV2D` is `direct`
    /// or `winograd` (Winograd wherever the kernel and geometry allow, whatever the size): for running whole
    /// models and their parity tests through one path. Read once; nil (the size-based choice) otherwise.
    static let automaticConv2dOverride: Conv2dAlgorithm? = {
        guard let value = getenv("RETOUCH_CONV2D") else { return nil }
        switch String(cString: value) {
        case "direct": return .direct
        case "winograd": return .winograd
        default: return nil
        }
    }()

    /// Whether a convolution's kernel and geometry are the ones Winograd F(4×4, 3×3) computes.
    static func winogradApplies(kernelH: Int, kernelW: Int, geometry: Conv2dGeometry) -> Bool {
        kernelH == 3 && kernelW == 3 && geometry == Conv2dGeometry(stride: 1, padding: 1)
    }

    /// 3×3, stride-1, padding-1 convolution of `[N, Cin, H, W]` by `[Cout, Cin, 3, 3]` through Winograd F(4×4, 3×3).
    ///
    /// The weight is transformed for the call (36·Cout·Cin floats, freed on return); bands of tiles then run
    /// through `winogradConvolution`, shared with the bf16 F(2×2, 3×3) path.
    func winogradConv2d(weight: Tensor, bias: Tensor?) -> Tensor {
        let (outChannels, inChannels) = (weight.shape[0], shape[1])
        require(weight.shape == [outChannels, inChannels, 3, 3], "winograd conv2d wants a 3x3 weight, got \(weight.shape)")
        let pairs = outChannels * inChannels
        let u = UnsafeMutablePointer<Float>.allocate(capacity: 36 * pairs)
        defer { u.deallocate() }
        weight.withUnsafeBufferPointer { weights in
            let weights = weights.baseAddress!
            Parallel.forRanges(pairs, costPerItem: 256) { range in
                rt_winograd_weights(weights + 9 * range.lowerBound, range.count, u + range.lowerBound, pairs)
            }
        }
        return winogradConvolution(outChannels: outChannels, bias: bias, transforms: .f4x4,
                                   budgetBytes: Self.winogradBudgetBytes) { xi, v, m, tiles in
            GEMM.multiply(m: outChannels, n: tiles, k: inChannels, a: u + xi * pairs, lda: inChannels,
                          b: v, ldb: tiles, c: m, ldc: tiles, parallel: false)
        }
    }
}
