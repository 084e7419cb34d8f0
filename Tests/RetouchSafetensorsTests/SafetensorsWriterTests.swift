import Foundation
import Testing
import RetouchSafetensors
import RetouchTensor
import RetouchTestSupport

/// The writer produces files the reader accepts, in every storage type, rounding as PyTorch does.
struct SafetensorsWriterTests {
    @Test("round trip in each storage type", arguments: [SafetensorsWriter.Storage.f32, .f16, .bf16])
    func roundTrip(storage: SafetensorsWriter.Storage) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("w.safetensors")
        let a = Tensor.wave([3, 4, 5], seed: 0.5)
        let b = Tensor(shape: [2], scalars: [1, -2])
        try SafetensorsWriter.write(["a": a, "b": b], to: url, storage: storage, metadata: ["k": "v"])
        let file = try SafetensorsFile(url: url)
        #expect(file.metadata == ["k": "v"])
        let tolerance: Float = switch storage { case .f32: 0; case .f16: 1e-3; case .bf16: 4e-3 }
        #expect(Closeness(try file.tensor("a"), a).maxAbsError <= tolerance)
        #expect(try file.tensor("b").scalars == [1, -2])
    }

    @Test("bfloat16 rounds to nearest even", arguments: [
        (Float(1.0), UInt16(0x3F80)), (Float(bitPattern: 0x3F80_8000), UInt16(0x3F80)),
        (Float(bitPattern: 0x3F81_8000), UInt16(0x3F82)), (Float(bitPattern: 0x3F80_8001), UInt16(0x3F81)),
        (Float(-2.5), UInt16(0xC020)),
    ] as [(Float, UInt16)])
    func bfloat16Rounding(value: Float, bits: UInt16) {
        #expect(SafetensorsWriter.bfloat16Bits(value) == bits)
    }
}
