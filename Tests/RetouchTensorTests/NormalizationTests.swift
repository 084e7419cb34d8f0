import Testing
import RetouchTensor
import RetouchTestSupport

/// Group norm (with and without its fused SiLU) and layer norm match PyTorch.
struct NormalizationTests {
    @Test("group norm equals torch", arguments: [false, true])
    func groupNorm(silu: Bool) throws {
        let input = Tensor.wave([2, 32, 6, 5], seed: 0.7, amplitude: 2, offset: 3)
        let output = input.groupNorm(groups: 8, weight: .wave([32], seed: 0.8), bias: .wave([32], seed: 0.9),
                                     epsilon: 1e-6, silu: silu)
        let expected = try NumpyArray(fixture: silu ? "kernels/group_norm_silu.npy" : "kernels/group_norm.npy").tensor
        let closeness = Closeness(output, expected)
        #expect(closeness.isWithin(1e-4), "\(closeness)")
    }

    @Test("layer norm equals torch")
    func layerNorm() throws {
        let input = Tensor.wave([3, 5, 24], seed: 1.0, amplitude: 1.5, offset: -0.5)
        let output = input.layerNorm(weight: .wave([24], seed: 1.1), bias: .wave([24], seed: 1.2), epsilon: 1e-5)
        let closeness = Closeness(output, try NumpyArray(fixture: "kernels/layer_norm.npy").tensor)
        #expect(closeness.isWithin(1e-4), "\(closeness)")
    }
}
