import Testing
import RetouchTensor
import RetouchChecks

/// Shape checks in front of the kernels stop the program in release builds too (which compile with
/// `-Ounchecked` and so drop `precondition`), instead of reading or writing past a buffer.
struct RequireTests {
    @Test("a linear layer given the wrong input width stops the process")
    func linearWidth() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor(shape: [2, 3], repeating: 1).linear(weight: Tensor(shape: [4, 5], repeating: 1))
        }
    }

    @Test("a convolution given the wrong channel count stops the process")
    func convolutionChannels() async {
        await #expect(processExitsWith: .failure) {
            _ = Tensor(shape: [1, 3, 8, 8], repeating: 1).conv2d(weight: Tensor(shape: [4, 5, 3, 3], repeating: 1),
                                                                 geometry: .init(stride: 1, padding: 1))
        }
    }

    @Test("a passing check does nothing")
    func passing() {
        require(true, "never shown")
        #expect(Tensor(shape: [2, 5], repeating: 1).linear(weight: Tensor(shape: [4, 5], repeating: 1)).shape == [2, 4])
    }
}
