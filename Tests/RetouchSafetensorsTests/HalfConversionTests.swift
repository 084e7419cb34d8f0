import Testing
import RetouchSafetensors

/// fp16 storage is widened by a vectorised converter; it must give Swift's own `Float(Float16)` for every value.
struct HalfConversionTests {
    @Test("fp16 storage converts all 65,536 half values exactly: zeros, subnormals, normals, infinities, NaN")
    func everyHalfValue() {
        let bits = (0...UInt16.max).map { $0 }
        // An odd byte offset checks unaligned sources too.
        var bytes = [UInt8](repeating: 0, count: 1 + 2 * bits.count)
        for (i, b) in bits.enumerated() {
            bytes[1 + 2 * i] = UInt8(b & 0xff)
            bytes[2 + 2 * i] = UInt8(b >> 8)
        }
        var converted = [Float](repeating: 0, count: bits.count)
        bytes.withUnsafeBytes { raw in
            converted.withUnsafeMutableBufferPointer { out in
                convertToFloat(.f16, source: raw.baseAddress! + 1, count: bits.count, destination: out.baseAddress!)
            }
        }
        var mismatches = 0
        for (i, b) in bits.enumerated() {
            let expected = Float(Float16(bitPattern: b))
            let same = expected.isNaN ? converted[i].isNaN : converted[i].bitPattern == expected.bitPattern
            if !same { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(converted[0x3c00] == 1 && converted[0x0001] == Float(Float16.leastNonzeroMagnitude))
        #expect(converted[0x7c00] == .infinity && converted[0xfc00] == -.infinity && converted[0x7e00].isNaN)
    }
}
