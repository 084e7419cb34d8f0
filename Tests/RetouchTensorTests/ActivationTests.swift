import Testing
import RetouchTensor
import RetouchTestSupport

/// Activations, GEGLU and softmax match PyTorch over a wide input range.
struct ActivationTests {
    static let ramp = Tensor(shape: [1001], scalars: (0..<1001).map { -8 + 16 * Float($0) / 1000 })

    @Test("activation equals torch", arguments: [
        (Activation.silu, "silu"), (.gelu, "gelu"), (.geluTanh, "gelu_tanh"), (.quickGELU, "quick_gelu"),
    ])
    func activation(_ activation: Activation, fixture: String) throws {
        let closeness = Closeness(Self.ramp.activated(activation), try NumpyArray(fixture: "kernels/\(fixture).npy").tensor)
        #expect(closeness.isWithin(1e-5), "\(closeness)")
    }

    @Test("geglu is first half times gelu of second half")
    func geglu() throws {
        let output = Tensor.wave([3, 20], seed: 1.4, amplitude: 3).geglu()
        let closeness = Closeness(output, try NumpyArray(fixture: "kernels/geglu.npy").tensor)
        #expect(closeness.isWithin(1e-5), "\(closeness)")
    }

    @Test("softmax equals torch, even for large logits")
    func softmax() throws {
        let output = Tensor.wave([4, 37], seed: 1.3, amplitude: 20).softmax()
        let closeness = Closeness(output, try NumpyArray(fixture: "kernels/softmax.npy").tensor)
        #expect(closeness.isWithin(1e-5), "\(closeness)")
        for row in 0..<4 {
            #expect(abs(output.scalars[(row * 37)..<((row + 1) * 37)].reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test("softmax of extreme logits neither overflows nor yields NaN")
    func softmaxExtremes() {
        let output = Tensor(shape: [1, 3], scalars: [1e4, -1e4, 0]).softmax()
        #expect(output.scalars == [1, 0, 0])
    }
}
