import Testing
import RetouchTensor
import RetouchTestSupport

/// conv2d matches PyTorch's `F.conv2d` for every kernel size, stride and padding it is given.
struct Conv2dTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String, batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int
        let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "conv3x3", batch: 2, inChannels: 5, outChannels: 7, height: 9, width: 11, kernel: (3, 3), stride: (1, 1), padding: (1, 1)),
        Case(name: "conv3x3_stride2", batch: 1, inChannels: 4, outChannels: 6, height: 10, width: 9, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        Case(name: "conv1x1", batch: 2, inChannels: 6, outChannels: 5, height: 7, width: 8, kernel: (1, 1), stride: (1, 1), padding: (0, 0)),
        Case(name: "conv5x5", batch: 1, inChannels: 3, outChannels: 4, height: 12, width: 10, kernel: (5, 5), stride: (1, 1), padding: (2, 2)),
        Case(name: "conv4x3_mixed", batch: 1, inChannels: 3, outChannels: 5, height: 11, width: 13, kernel: (4, 3), stride: (2, 1), padding: (1, 0)),
        // 64 input channels × 3×3 needs more than one im2col band at 64×64: exercises the banded path.
        Case(name: "conv3x3_banded", batch: 1, inChannels: 64, outChannels: 8, height: 64, width: 64, kernel: (3, 3), stride: (1, 1), padding: (1, 1)),
    ]

    @Test("conv2d equals torch", arguments: cases)
    func matchesTorch(_ c: Case) throws {
        let input = Tensor.wave([c.batch, c.inChannels, c.height, c.width], seed: 0.1)
        let weight = Tensor.wave([c.outChannels, c.inChannels, c.kernel.0, c.kernel.1], seed: 0.2, amplitude: 0.3)
        let bias = Tensor.wave([c.outChannels], seed: 0.3)
        let output = input.conv2d(weight: weight, bias: bias,
                                  geometry: Conv2dGeometry(stride: (c.stride.0, c.stride.1), padding: (c.padding.0, c.padding.1)))
        let expected = try NumpyArray(fixture: "kernels/\(c.name).npy").tensor
        let closeness = Closeness(output, expected)
        #expect(closeness.isWithin(1e-4), "\(closeness)")
    }

    @Test("conv2d without bias is the biased result minus the bias")
    func withoutBias() {
        let input = Tensor.wave([1, 3, 6, 6], seed: 1)
        let weight = Tensor.wave([2, 3, 3, 3], seed: 2)
        let bias = Tensor(shape: [2], scalars: [0.5, -1.5])
        let withBias = input.conv2d(weight: weight, bias: bias, geometry: .init(stride: 1, padding: 1))
        let withoutBias = input.conv2d(weight: weight, geometry: .init(stride: 1, padding: 1))
        #expect(Closeness(withBias.scalars, zip(withoutBias.scalars, (0..<72).map { $0 < 36 ? 0.5 : -1.5 }).map { $0 + Float($1) }).maxAbsError < 1e-5)
    }
}
