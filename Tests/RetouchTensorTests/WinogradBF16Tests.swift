import Testing
import RetouchTensor
import RetouchTestSupport

/// bf16 Winograd F(2×2, 3×3): a 3×3, stride-1, padding-1 convolution whose 16 GEMMs round both operands to bf16.
struct WinogradBF16Tests {
    struct Case: CustomStringConvertible, Sendable {
        let batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int
        var description: String { "\(batch)x\(inChannels)→\(outChannels) at \(height)x\(width)" }
    }

    static let cases: [Case] = [
        Case(batch: 2, inChannels: 5, outChannels: 7, height: 9, width: 11),    // odd sizes: partial tiles
        Case(batch: 1, inChannels: 3, outChannels: 4, height: 1, width: 1),     // one pixel
        Case(batch: 2, inChannels: 48, outChannels: 40, height: 32, width: 30),
        Case(batch: 1, inChannels: 16, outChannels: 33, height: 64, width: 70),
    ]

    static func input(_ c: Case) -> Tensor {
        Tensor(shape: [c.batch, c.inChannels, c.height, c.width],
               scalars: BF16ModelPathTests.values(c.batch * c.inChannels * c.height * c.width, seed: 11))
    }

    static func weight(_ c: Case) -> Tensor {
        Tensor(shape: [c.outChannels, c.inChannels, 3, 3], scalars: BF16ModelPathTests.values(c.outChannels * c.inChannels * 9, seed: 12))
    }

    /// Against fp32: each output may be off by 2⁻⁸ times the products' magnitudes carried through the transforms.
    /// F(2×2, 3×3)'s |Aᵀ|, |G|, |Bᵀ| carry at most 8/3 of the direct magnitude per dimension, so the bound is
    /// (8/3)² ≈ 7.1 times the direct bf16 bound; the mean error must stay near a direct bf16 convolution's.
    @Test("matches the fp32 convolution within bf16's bound through the transforms, on every kernel",
          arguments: cases, BF16Tests.paths)
    func matchesFP32(_ c: Case, path: GEMM.BF16Path) {
        let x = Self.input(c), w = Self.weight(c)
        let bias = Tensor(shape: [c.outChannels], scalars: BF16ModelPathTests.values(c.outChannels, seed: 13))
        let geometry = Conv2dGeometry(stride: 1, padding: 1)
        let output = x.conv2d(winograd: WinogradBF16Weight(w, path: path), bias: bias)
        let exact = x.conv2d(weight: w, bias: bias, geometry: geometry, algorithm: .direct)
        #expect(output.shape == exact.shape)
        let magnitude = BF16Tests.absolute(x).conv2d(weight: BF16Tests.absolute(w), geometry: geometry, algorithm: .direct)
        let error = BF16Tests.errorOverBF16Bound(output, exact, magnitude: magnitude)
        #expect(error <= 7.2, "vs fp32: \(error) of the direct bf16 bound; \(Closeness(output, exact))")

        var difference: Float = 0, size: Float = 0
        for i in 0..<exact.count { difference += abs(output.scalars[i] - exact.scalars[i]); size += magnitude.scalars[i] }
        #expect(difference / size < 2.0 / 256, "mean error \(difference / size) of the mean magnitude")
    }

    @Test("bands of any size give the same bits: whole images, rows, runs of columns, single tiles")
    func banding() {
        let c = Case(batch: 2, inChannels: 24, outChannels: 20, height: 21, width: 26)
        let x = Self.input(c), w = WinogradBF16Weight(Self.weight(c))
        let whole = x.conv2d(winograd: w)
        let tileBytes = 16 * (c.inChannels + c.outChannels) * 4
        // Budgets per worker: one image, a few tile rows, part of a row, one tile.
        for budget in [11 * 13 * tileBytes, 40 * tileBytes, 5 * tileBytes, 1] {
            let banded = x.conv2d(winograd: w, bandBudgetBytes: budget)
            #expect(banded.scalars == whole.scalars, "budget \(budget) bytes")
        }
    }

    @Test("the weight holds 16 bf16 matrices of Cout × Cin: 16/9 of the direct bf16 weight")
    func weightSize() {
        let weight = WinogradBF16Weight(.wave([64, 32, 3, 3], seed: 1))
        #expect(weight.outChannels == 64 && weight.inChannels == 32)
        #expect(weight.byteCount == 16 * BF16Matrix(.wave([64, 32], seed: 1)).byteCount)
    }

    @Test("model layers take it for 3×3, stride-1, padding-1 convolutions with 16 or more channels each way")
    func applies() {
        let same = Conv2dGeometry(stride: 1, padding: 1)
        #expect(Tensor.winogradBF16Applies(inChannels: 320, outChannels: 640, kernel: (3, 3), geometry: same))
        #expect(!Tensor.winogradBF16Applies(inChannels: 4, outChannels: 320, kernel: (3, 3), geometry: same))
        #expect(!Tensor.winogradBF16Applies(inChannels: 320, outChannels: 4, kernel: (3, 3), geometry: same))
        #expect(!Tensor.winogradBF16Applies(inChannels: 320, outChannels: 320, kernel: (3, 3), geometry: .init(stride: 2, padding: 1)))
        #expect(!Tensor.winogradBF16Applies(inChannels: 320, outChannels: 320, kernel: (1, 1), geometry: .init()))
    }
}
