import Testing
import RetouchTensor
import RetouchTestSupport

/// Winograd F(4×4, 3×3) computes the same 3×3, stride-1, padding-1 convolution as the direct im2col path.
///
/// Tolerance: F(4×4, 3×3) in float32 with the points 0, ±1, ±2 loses a little more precision than the direct sum.
/// Against the direct path the measured maximum absolute error on these cases is 1e-7 … 2.4e-6 for outputs of
/// scale 0.1 … 1.4 (at most 7.4e-6 of the scale), so the tests allow 2e-5 of max(scale, 1) (`Closeness.isWithin`).
struct WinogradTests {
    static let tolerance: Float = 2e-5

    struct Case: CustomStringConvertible, Sendable {
        let batch: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, bias: Bool
        var description: String { "\(batch)x\(inChannels)->\(outChannels) \(height)x\(width)\(bias ? " +bias" : "")" }
    }

    /// Odd sizes (neither side a multiple of 4, down to a single pixel), batch 2, with and without bias.
    static let cases: [Case] = [
        Case(batch: 2, inChannels: 3, outChannels: 5, height: 1, width: 1, bias: true),
        Case(batch: 1, inChannels: 3, outChannels: 3, height: 2, width: 3, bias: false),
        Case(batch: 2, inChannels: 17, outChannels: 3, height: 9, width: 13, bias: true),
        Case(batch: 2, inChannels: 3, outChannels: 17, height: 13, width: 9, bias: false),
        Case(batch: 1, inChannels: 64, outChannels: 17, height: 7, width: 5, bias: true),
        Case(batch: 2, inChannels: 17, outChannels: 64, height: 33, width: 70, bias: true),
        Case(batch: 1, inChannels: 64, outChannels: 64, height: 16, width: 16, bias: false),
        // Several bands of tile rows, and a tile row longer than one 64-tile segment of the input transform.
        Case(batch: 2, inChannels: 256, outChannels: 256, height: 96, width: 94, bias: true),
        Case(batch: 1, inChannels: 16, outChannels: 16, height: 10, width: 290, bias: true),
        // A tile row too wide for one band (251 tiles of 256 + 256 channels): bands split the tile columns.
        Case(batch: 1, inChannels: 256, outChannels: 256, height: 5, width: 1001, bias: true),
    ]

    @Test("Winograd equals the direct convolution", arguments: cases)
    func matchesDirect(_ c: Case) {
        let input = Tensor.wave([c.batch, c.inChannels, c.height, c.width], seed: 0.4)
        let weight = Tensor.wave([c.outChannels, c.inChannels, 3, 3], seed: 0.7,
                                 amplitude: 1 / Double(c.inChannels * 9).squareRoot())
        let bias = c.bias ? Tensor.wave([c.outChannels], seed: 0.9) : nil
        let geometry = Conv2dGeometry(stride: 1, padding: 1)
        let direct = input.conv2d(weight: weight, bias: bias, geometry: geometry, algorithm: .direct)
        let winograd = input.conv2d(weight: weight, bias: bias, geometry: geometry, algorithm: .winograd)
        let closeness = Closeness(winograd, direct)
        #expect(closeness.isWithin(Self.tolerance), "\(closeness)")
    }

    /// 2 images of 7×5 tiles: enough for the automatic choice to take Winograd.
    @Test("the automatic choice equals the direct convolution")
    func automaticMatchesDirect() {
        let input = Tensor.wave([2, 32, 28, 18], seed: 1.1)
        let weight = Tensor.wave([48, 32, 3, 3], seed: 1.3, amplitude: 0.05)
        let bias = Tensor.wave([48], seed: 1.7)
        let geometry = Conv2dGeometry(stride: 1, padding: 1)
        let automatic = input.conv2d(weight: weight, bias: bias, geometry: geometry)
        let direct = input.conv2d(weight: weight, bias: bias, geometry: geometry, algorithm: .direct)
        let closeness = Closeness(automatic, direct)
        #expect(closeness.isWithin(Self.tolerance), "\(closeness)")
    }

    @Test("Winograd of a zero input is the bias everywhere")
    func zeroInputGivesBias() {
        let input = Tensor(shape: [1, 16, 6, 7], repeating: 0)
        let weight = Tensor.wave([2, 16, 3, 3], seed: 2)
        let bias = Tensor(shape: [2], scalars: [0.5, -1.5])
        let output = input.conv2d(weight: weight, bias: bias, geometry: .init(stride: 1, padding: 1), algorithm: .winograd)
        #expect(output.scalars == (0..<84).map { $0 < 42 ? 0.5 : -1.5 })
    }
}
