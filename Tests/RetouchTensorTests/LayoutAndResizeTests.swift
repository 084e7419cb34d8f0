import Testing
import RetouchTensor
import RetouchTestSupport

/// Upsampling, resizing (torch `interpolate` semantics), concatenation and token layout.
struct LayoutAndResizeTests {
    @Test("nearest 2x upsample equals torch")
    func upsample() throws {
        let output = Tensor.wave([1, 3, 4, 5], seed: 2.1).upsampledNearest2x()
        #expect(output == (try NumpyArray(fixture: "kernels/upsample2x.npy").tensor))
    }

    @Test("resize equals torch interpolate", arguments: TensorResizeMode.allCases, [(4, 5), (13, 11)])
    func resize(mode: TensorResizeMode, size: (Int, Int)) throws {
        let output = Tensor.wave([1, 2, 7, 9], seed: 2.2).resized(height: size.0, width: size.1, mode: mode)
        let expected = try NumpyArray(fixture: "kernels/resize_\(mode.rawValue)_\(size.0)x\(size.1).npy").tensor
        let closeness = Closeness(output, expected)
        #expect(closeness.isWithin(1e-5), "\(closeness)")
    }

    @Test("channel concatenation interleaves per batch item")
    func concatenate() {
        let a = Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2, 1, 2], scalars: [5, 6, 7, 8, 9, 10, 11, 12])
        let joined = Tensor.concatenateChannels([a, b])
        #expect(joined.shape == [2, 3, 1, 2])
        #expect(joined.scalars == [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
    }

    @Test("tokens round trip to channels")
    func tokens() {
        let x = Tensor.wave([2, 5, 3, 4], seed: 0)
        let tokens = x.channelsToTokens()
        #expect(tokens.shape == [2, 12, 5])
        #expect(tokens.scalars[1 * 60 + 7 * 5 + 3] == x.scalars[1 * 60 + 3 * 12 + 7])
        #expect(tokens.tokensToChannels(height: 3, width: 4) == x)
    }

    @Test("elementwise arithmetic")
    func elementwise() {
        let a = Tensor(shape: [3], scalars: [1, 2, 3]), b = Tensor(shape: [3], scalars: [4, 5, 6])
        #expect((a + b).scalars == [5, 7, 9])
        #expect((a * b).scalars == [4, 10, 18])
        #expect((b - a).scalars == [3, 3, 3])
        #expect((a * 2).scalars == [2, 4, 6])
        #expect(a.linearCombination(2, -1, b).scalars == [-2, -1, 0])
    }
}
