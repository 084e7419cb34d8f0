import CBF16Kernels
import Testing

/// Packing a weight into bf16 panels (`rt_bf16_pack`, vectorised where the CPU has AVX-512 BF16) gives exactly the
/// layout the kernels read: 12-row panels of k-pairs, each value rounded as `rt_bf16_round`, zero padding.
struct BF16PackingTests {
    /// Values that exercise rounding: ties, values just past ties, denormals, signed zeros, infinities, NaN.
    static func value(_ i: Int) -> Float {
        let special: [Float] = [0, -0, .infinity, -.infinity, .nan, Float(bitPattern: 0x0000_8000), -Float.leastNormalMagnitude / 3,
                                Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x3F80_8001),
                                .greatestFiniteMagnitude]
        return i % 7 == 0 ? special[(i / 7) % special.count] : Float(i % 97 - 48) * 0.0137 + Float(i % 5) * 1e-4
    }

    @Test("packed bf16 panels equal the scalar layout bit for bit", arguments: [(1, 1), (12, 2), (13, 31), (25, 33), (7, 64), (40, 100)])
    func packingMatchesScalarLayout(shape: (m: Int, k: Int)) {
        let (m, k) = shape, lda = k + 3
        let a = (0..<(m * lda)).map(Self.value)
        let count = rt_bf16_packed_count(m, k)
        var packed = [UInt16](repeating: 0xFFFF, count: count)
        rt_bf16_pack(m, k, a, lda, &packed)
        let pairs = (k + 1) / 2, panels = (m + 11) / 12, stride = rt_bf16_panel_stride(k)
        var mismatches = 0
        for panel in 0..<panels {
            for p in 0..<pairs {
                for r in 0..<12 {
                    let row = panel * 12 + r
                    for half in 0..<2 {
                        let column = 2 * p + half
                        let expected: UInt16 = row < m && column < k
                            ? UInt16(truncatingIfNeeded: rt_bf16_round(a[row * lda + column]).bitPattern >> 16) : 0
                        if packed[panel * stride + (p * 12 + r) * 2 + half] != expected { mismatches += 1 }
                    }
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(count) packed values differ")
    }
}
