import Testing
import RetouchTensor
import RetouchTestSupport

/// Linear layers and chunked attention match PyTorch; chunking never changes the result.
struct LinearAndAttentionTests {
    @Test("linear equals torch")
    func linear() throws {
        let output = Tensor.wave([2, 7, 19], seed: 0.4).linear(weight: .wave([13, 19], seed: 0.5, amplitude: 0.2),
                                                              bias: .wave([13], seed: 0.6))
        let closeness = Closeness(output, try NumpyArray(fixture: "kernels/linear.npy").tensor)
        #expect(closeness.isWithin(1e-4), "\(closeness)")
    }

    @Test("cross-attention equals torch's scaled_dot_product_attention")
    func crossAttention() throws {
        let output = Attention.scaledDotProduct(query: .wave([2, 50, 32], seed: 1.5), key: .wave([2, 77, 32], seed: 1.6),
                                                value: .wave([2, 77, 32], seed: 1.7), heads: 4)
        let closeness = Closeness(output, try NumpyArray(fixture: "kernels/attention_cross.npy").tensor)
        #expect(closeness.isWithin(1e-4), "\(closeness)")
    }

    @Test("self-attention equals torch whatever the query chunk size", arguments: [1 << 18, 300 * 7, 300])
    func selfAttention(tileBudget: Int) throws {
        let output = Attention.scaledDotProduct(query: .wave([1, 300, 32], seed: 1.8, amplitude: 2),
                                                key: .wave([1, 300, 32], seed: 1.9, amplitude: 2),
                                                value: .wave([1, 300, 32], seed: 2.0), heads: 2, tileBudget: tileBudget)
        let closeness = Closeness(output, try NumpyArray(fixture: "kernels/attention_self.npy").tensor)
        #expect(closeness.isWithin(1e-4), "\(closeness)")
    }
}
