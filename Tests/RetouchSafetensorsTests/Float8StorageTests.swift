import Foundation
import Testing
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// fp8 checkpoints: `F8_E4M3` and `F8_E5M2` tensors read as float32 exactly as torch's `.float()` converts them.
@Suite("fp8 safetensors storage")
struct Float8StorageTests {
    /// torch's values for bytes 0…255: row 0 `float8_e4m3fn`, row 1 `float8_e5m2`.
    static func expected(row: Int) throws -> [Float] {
        let table = try NumpyArray(fixture: "safetensors/fp8_expected.npy")
        return Array(table.values[(row * 256)..<(row * 256 + 256)])
    }

    @Test("every finite byte pattern decodes to torch's float32 value", arguments: [("e4m3", 0, 254), ("e5m2", 1, 248)])
    func everyPattern(name: String, row: Int, finiteCount: Int) throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/fp8.safetensors"))
        let values = try file.tensor(name).scalars
        let expected = try Self.expected(row: row).filter(\.isFinite)
        #expect(expected.count == finiteCount)
        #expect(values.count == expected.count)
        // Bit-exact, including the sign of zero.
        #expect(values.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test("an fp8 NaN is refused like any NaN weight, naming the tensor")
    func nanRefused() throws {
        let file = try SafetensorsFile(url: Fixtures.url("safetensors/fp8.safetensors"))
        #expect { try file.tensor("e4m3_nan") } throws: { error in
            "\(error)".contains("tensor 'e4m3_nan'") && "\(error)".contains("holds NaN")
        }
    }

    @Test("a checkpoint with an fp8 UNet holds the fp8-rounded weights of the fp32 one")
    func fp8Checkpoint() throws {
        let fp8 = try SafetensorsFile(url: Fixtures.url("models/tiny-sd1-fp8.safetensors"))
        let fp32 = try SafetensorsFile(url: Fixtures.url("models/tiny-sd1.safetensors"))
        let name = "model.diffusion_model.input_blocks.1.1.proj_in.weight"
        #expect(fp8.entries[name]?.dtype == .f8e4m3)
        let a = try fp8.tensor(name).scalars, b = try fp32.tensor(name).scalars
        // e4m3 keeps 3 mantissa bits: rounding moves a value by at most 2⁻⁴ of it (half a subnormal step, 2⁻¹⁰, below
        // 2⁻⁶), and the weights really changed.
        let outside = zip(a, b).filter { abs($0 - $1) > max(abs($1) / 16, 1.0 / 1024) }
        #expect(outside.isEmpty, "\(outside.prefix(3))")
        #expect(a != b)
    }
}
